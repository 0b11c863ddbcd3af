// Password hashing with scrypt (Node's crypto, memory-hard): N=2^15, r=8, p=1 takes 32 MiB a
// hash (OWASP's floor for scrypt); 0.3-0.5 s on this shared 2-core machine at load 10. The parameters travel in the stored text
// (`scrypt$N$r$p$salt$key`), so raising them later leaves old hashes checkable.
import crypto from 'node:crypto';
import { promisify } from 'node:util';

const scrypt = promisify(crypto.scrypt) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

export const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32 } as const;
/** Longest password taken: a megabyte of password is a way to burn CPU, not a password. */
export const PASSWORD_MAX = 1024;
export const PASSWORD_MIN = 10;

const maxmem = (N: number, r: number) => 128 * N * r * 2;

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.keyLength, {
    N: SCRYPT.N,
    r: SCRYPT.r,
    p: SCRYPT.p,
    maxmem: maxmem(SCRYPT.N, SCRYPT.r),
  });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether `password` matches `stored`; compared in constant time. A malformed `stored` never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, key] = stored.split('$');
  const N = Number(n);
  const R = Number(r);
  const P = Number(p);
  if (kind !== 'scrypt' || !salt || !key || !(N > 1 && N <= 2 ** 20) || !(R >= 1 && R <= 32) || !(P >= 1 && P <= 16))
    return false;
  const want = Buffer.from(key, 'base64url');
  const got = await scrypt(password.slice(0, PASSWORD_MAX), Buffer.from(salt, 'base64url'), want.length, {
    N,
    r: R,
    p: P,
    maxmem: maxmem(N, R),
  });
  return want.length === got.length && crypto.timingSafeEqual(want, got);
}

/** A hash of nothing anyone knows: checked against when the user does not exist, so both take the same time. */
let dummy: Promise<string> | undefined;
export const dummyHash = (): Promise<string> => (dummy ??= hashPassword(crypto.randomBytes(16).toString('hex')));

/** Why a new password is refused, or undefined. */
export function passwordProblem(password: unknown): string | undefined {
  if (typeof password !== 'string') return 'password: required';
  if (password.length < PASSWORD_MIN) return `password: at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `password: at most ${PASSWORD_MAX} characters`;
  return undefined;
}

// Test helpers for sign-in: users, sessions, read tokens and share links made straight in the
// store (no scrypt per request), and the headers a browser or a script would send with them.
import type Database from 'better-sqlite3';
import { AuthStore, type Role } from '../../server/auth/store.ts';
import { CSRF_HEADER, SESSION_COOKIE, SHARE_COOKIE } from '../../server/auth/service.ts';

/** A user (made if missing) with a fresh session: the cookie and CSRF headers a page sends. */
export function sessionHeaders(sqlite: Database.Database, name: string, role: Role, now: number) {
  const store = new AuthStore(sqlite);
  const user = store.userByName(name) ?? store.addUser(name, role, 'scrypt$unusable', now);
  const { cookie, csrf } = store.createSession(user.id, now);
  return { cookie: `${SESSION_COOKIE}=${cookie}`, [CSRF_HEADER]: csrf };
}

export function readTokenHeaders(sqlite: Database.Database, now: number) {
  const { token } = new AuthStore(sqlite).addReadToken('test', 'test', now);
  return { authorization: `Bearer ${token}` };
}

export function shareHeaders(sqlite: Database.Database, host: string, now: number, ttlS = 86400) {
  const { token } = new AuthStore(sqlite).addShare(host, 'test', now, ttlS);
  return { cookie: `${SHARE_COOKIE}=${token}` };
}

/** The value of a Set-Cookie `name` in an answer, or undefined. */
export function setCookie(res: Response, name: string): string | undefined {
  return res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
}

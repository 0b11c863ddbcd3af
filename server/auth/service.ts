// Who is asking, and signing people in: sessions (cookie `berth_session`), read tokens
// (`Authorization: Bearer berth_r_…`), share links (cookie `berth_share`, set by /s/TOKEN), the
// first-run setup code, sign-in rate limits and the audit trail. One per app (createApp);
// routes reach it as deps.auth. The rules of who may call what are in guard.ts.
import crypto from 'node:crypto';
import type { Context } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { HTTPException } from 'hono/http-exception';
import type Database from 'better-sqlite3';
import { getConnInfo } from '@hono/node-server/conninfo';
import { bearer, checkToken, hashToken } from '../auth.ts';
import { escapeControls, type Logger } from '../../lib/log.ts';
import type { ServerConfig } from '../config.ts';
import { AuthStore, SESSION_MAX_S, isUserName, type Role, type User } from './store.ts';
import { dummyHash, hashPassword, verifyPassword, PASSWORD_MAX } from './passwords.ts';
import { FailureLimit } from './rate-limit.ts';

export const SESSION_COOKIE = 'berth_session';
export const SHARE_COOKIE = 'berth_share';
export const CSRF_HEADER = 'x-berth-csrf';

/** Someone signed in through a single sign-on provider (server/auth/oidc*.ts). */
export interface ExternalIdentity {
  /** Stable key of the person at the provider: `${issuer}#${sub}`. */
  subject: string;
  name: string;
  email?: string;
  admin: boolean;
  via: 'oidc';
}

export type Principal =
  | { kind: 'user'; user: User; csrf: string; session: string }
  | { kind: 'read-token'; name: string }
  | { kind: 'share'; host: string; id: number }
  /** The server's configured (--token) ingest token: may manage host tokens, as before sign-in existed. */
  | { kind: 'shared-token' }
  | { kind: 'anonymous' };

/** A name for logs and the audit trail. */
export function actorOf(p: Principal): string {
  switch (p.kind) {
    case 'user':
      return p.user.name;
    case 'read-token':
      return `read-token:${p.name}`;
    case 'share':
      return `share:${p.id}`;
    case 'shared-token':
      return 'shared-token';
    default:
      return 'anonymous';
  }
}

const PRINCIPAL = Symbol('principal');

export class Auth {
  readonly store: AuthStore;
  private readonly configured: string[];
  /** Per account: 10 failures in 15 min; per address: 50 (a shared NAT tries several accounts). */
  private readonly perAccount = new FailureLimit(10, 900);
  private readonly perAddress = new FailureLimit(50, 900);

  constructor(
    private readonly sqlite: Database.Database,
    private readonly config: ServerConfig,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.store = new AuthStore(sqlite);
    this.configured = config.tokens.map(hashToken);
    // Made now, so even the first sign-in with an unknown name takes one hash, not two.
    void dummyHash();
  }

  /** The client's address: the socket's, or the proxy's X-Forwarded-For with --trust-proxy. */
  address(c: Context): string {
    if (this.config.trustProxy) {
      const fwd = c.req.header('x-forwarded-for');
      // The proxy appends the address it saw: the last entry is the one it vouches for.
      const last = fwd?.split(',').at(-1)?.trim();
      if (last) return last.slice(0, 64);
    }
    try {
      return getConnInfo(c).remote.address ?? '';
    } catch {
      return ''; // app.request() in tests has no socket
    }
  }

  /** Whether the request reached us (or the proxy in front, with --trust-proxy) over HTTPS. */
  https(c: Context): boolean {
    if (this.config.trustProxy) {
      const proto = c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
      if (proto) return proto === 'https';
    }
    return new URL(c.req.url).protocol === 'https:';
  }

  /** Who is asking (computed once a request). A bearer header, when there is one, is all that counts. */
  principal(c: Context): Principal {
    const cached = (c as unknown as Record<symbol, Principal | undefined>)[PRINCIPAL];
    if (cached) return cached;
    const p = this.resolve(c);
    (c as unknown as Record<symbol, Principal>)[PRINCIPAL] = p;
    return p;
  }

  private resolve(c: Context): Principal {
    const now = this.now();
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const token = bearer(header);
      if (!token) return { kind: 'anonymous' };
      const rt = this.store.readToken(token, now);
      if (rt) return { kind: 'read-token', name: rt.name };
      if (this.configured.length) {
        const shared = checkToken(this.sqlite, this.configured, token);
        if (shared.ok && shared.tokenId === null) return { kind: 'shared-token' };
      }
      return { kind: 'anonymous' };
    }
    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie) {
      const s = this.store.session(cookie, now);
      if (s) return { kind: 'user', user: s.user, csrf: s.csrf, session: s.hash };
    }
    const share = getCookie(c, SHARE_COOKIE);
    if (share) {
      const sh = this.store.share(share, now);
      if (sh) return { kind: 'share', host: sh.host, id: sh.id };
    }
    return { kind: 'anonymous' };
  }

  /** A log line and an audit row. */
  audit(c: Context, actor: string, action: string, detail = ''): void {
    const address = this.address(c);
    this.store.audit({ at: this.now(), actor, action, detail, address });
    this.log.info(
      `audit: ${escapeControls(actor)} ${action}${detail ? ` ${escapeControls(detail)}` : ''} from ${address || '?'}`,
    );
  }

  private setSession(c: Context, user: User): { csrf: string } {
    // Expired sessions are dropped as new ones are made: the table stays the size of who uses it.
    this.store.sweep(this.now());
    const { cookie, csrf } = this.store.createSession(user.id, this.now());
    this.store.signedIn(user.id, this.now());
    setCookie(c, SESSION_COOKIE, cookie, {
      path: '/',
      httpOnly: true,
      sameSite: 'Lax',
      secure: this.https(c),
      maxAge: SESSION_MAX_S,
    });
    return { csrf };
  }

  /**
   * Checks a name and password: the same answer (401) and the same work (one scrypt) whether
   * the user is unknown or the password is wrong; 429 past the rate limits.
   */
  async signIn(c: Context, name: unknown, password: unknown): Promise<{ user: User; csrf: string }> {
    const now = this.now();
    const addr = this.address(c);
    const account = typeof name === 'string' ? name.slice(0, 64).toLowerCase() : '';
    const wait = Math.max(
      this.perAccount.retryAfter(`a:${account}`, now),
      this.perAddress.retryAfter(`i:${addr}`, now),
    );
    if (wait > 0) {
      c.header('Retry-After', String(wait));
      this.audit(c, account || '?', 'sign-in-limited', `retry after ${wait}s`);
      throw new HTTPException(429, { message: `too many failed sign-ins: try again in ${wait} s` });
    }
    const pw = typeof password === 'string' ? password.slice(0, PASSWORD_MAX) : '';
    const row = isUserName(name) ? this.store.userByName(name) : undefined;
    const ok = await verifyPassword(pw, row?.password ?? (await dummyHash()));
    if (!row || !row.password || !ok) {
      this.perAccount.fail(`a:${account}`, now);
      this.perAddress.fail(`i:${addr}`, now);
      this.audit(c, typeof name === 'string' ? name.slice(0, 64) : '?', 'sign-in-failed');
      throw new HTTPException(401, { message: 'wrong name or password' });
    }
    this.perAccount.clear(`a:${account}`);
    const user = this.store.userById(row.id)!;
    return { user, ...this.setSession(c, user) };
  }

  /** Creates (or updates) a single sign-on user, signs it in and answers 303 to `returnTo`. */
  async signInExternal(c: Context, who: ExternalIdentity, returnTo = '/'): Promise<Response> {
    const role: Role = who.admin ? 'admin' : 'viewer';
    const user = this.store.upsertExternal(who.subject, who.name, role, this.now());
    this.setSession(c, user);
    this.audit(c, user.name, 'sign-in', `via ${who.via} as ${role}`);
    return c.redirect(safeReturn(returnTo), 303);
  }

  /** Uses the first-run code to make the first admin and sign it in. */
  async setup(c: Context, code: string, name: string, password: string): Promise<{ user: User; csrf: string }> {
    const hash = await hashPassword(password);
    const user = this.sqlite
      .transaction(() => {
        if (this.store.countUsers() > 0) return undefined;
        if (!this.store.takeSetupCode(code, this.now())) return undefined;
        return this.store.addUser(name, 'admin', hash, this.now());
      })
      .immediate();
    if (!user) {
      this.audit(c, name, 'setup-refused');
      throw new HTTPException(403, { message: 'code: this setup link is used up, expired or unknown' });
    }
    this.audit(c, name, 'setup', 'first admin created');
    return { user, ...this.setSession(c, user) };
  }

  signOut(c: Context): void {
    const p = this.principal(c);
    if (p.kind === 'user') this.store.endSession(p.session);
    deleteCookie(c, SESSION_COOKIE, { path: '/', secure: this.https(c) });
  }

  /** Opens a share link: its cookie for the link's lifetime; the host it shows, or undefined. */
  openShare(c: Context, token: string): string | undefined {
    const now = this.now();
    const sh = this.store.share(token, now);
    if (!sh) return undefined;
    setCookie(c, SHARE_COOKIE, token, {
      path: '/',
      httpOnly: true,
      sameSite: 'Lax',
      secure: this.https(c),
      maxAge: Math.max(1, sh.expires_at - now),
    });
    return sh.host;
  }

  /** A new setup code when there is no user yet (else undefined); printed by the CLI as a link. */
  setupCodeIfNoUsers(): string | undefined {
    return this.store.countUsers() === 0 ? this.store.newSetupCode(this.now()) : undefined;
  }
}

/** A same-origin path to go back to: never `//host` or a full URL (an open redirect). */
export function safeReturn(to: string | undefined): string {
  return to && /^\/(?![/\\])[^\s]*$/.test(to) ? to : '/';
}

/** Constant-time equality of two texts. */
export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

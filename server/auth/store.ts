// The SQL of sign-in: users, sessions, read tokens, share links, the first-run code and the
// audit trail. Every secret is stored as its SHA-256 (server/auth.ts hashToken) and looked up
// by that hash: the secrets are 192+ random bits, so a lookup's timing tells nothing usable.
import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import { statement } from '../db/statements.ts';
import { hashToken } from '../auth.ts';

export type Role = 'admin' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'viewer'];
export const isRole = (x: unknown): x is Role => x === 'admin' || x === 'viewer';

/** A session lasts this long without a request, and never longer than SESSION_MAX_S. */
export const SESSION_IDLE_S = 7 * 86400;
export const SESSION_MAX_S = 30 * 86400;
/** last_seen_at is written at most this often per session (a read is not a write each time). */
const TOUCH_EVERY_S = 60;
export const SETUP_CODE_TTL_S = 24 * 3600;
export const SHARE_DEFAULT_S = 7 * 86400;
export const SHARE_MAX_S = 365 * 86400;

export const USER_NAME_RULE = '1 to 64 letters, digits and . _ @ + -';
export const isUserName = (x: unknown): x is string => typeof x === 'string' && /^[A-Za-z0-9._@+-]{1,64}$/.test(x);

/** A random secret with a prefix that says what it is (so a leaked one is recognised). */
export function secret(prefix = ''): string {
  return prefix + crypto.randomBytes(32).toString('base64url');
}

export interface User {
  id: number;
  name: string;
  role: Role;
  via: 'password' | 'oidc';
  created_at: number;
  last_sign_in_at: number | null;
}
type UserRow = User & { password: string | null; subject: string | null };

const USER_COLS = 'id, name, role, via, created_at, last_sign_in_at';

export class AuthStore {
  constructor(private readonly sqlite: Database.Database) {}

  private st(sql: string) {
    return statement(this.sqlite, sql);
  }

  // ---- users
  countUsers(): number {
    return (this.st('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }
  listUsers(): User[] {
    return this.st(`SELECT ${USER_COLS} FROM users ORDER BY name`).all() as User[];
  }
  userByName(name: string): UserRow | undefined {
    return this.st(`SELECT ${USER_COLS}, password, subject FROM users WHERE name = ?`).get(name) as UserRow | undefined;
  }
  userById(id: number): User | undefined {
    return this.st(`SELECT ${USER_COLS} FROM users WHERE id = ?`).get(id) as User | undefined;
  }
  addUser(name: string, role: Role, passwordHash: string, now: number): User {
    const r = this.st(
      "INSERT INTO users (name, role, password, via, created_at) VALUES (?, ?, ?, 'password', ?) RETURNING " +
        USER_COLS,
    ).get(name, role, passwordHash, now) as User;
    return r;
  }
  /** The user for a single sign-on identity, made or brought up to date (name, role). */
  upsertExternal(subject: string, name: string, role: Role, now: number): User {
    return this.sqlite
      .transaction(() => {
        const had = this.st('SELECT id, name FROM users WHERE subject = ?').get(subject) as
          { id: number; name: string } | undefined;
        // A name another account holds gets a suffix: an identity never takes over a local user.
        const free = (want: string) => {
          for (let i = 0; ; i++) {
            const n = i === 0 ? want : `${want}+${i}`;
            const holder = this.st('SELECT id FROM users WHERE name = ?').get(n) as { id: number } | undefined;
            if (!holder || holder.id === had?.id) return n;
          }
        };
        const nm = free(name.slice(0, 60));
        if (had) {
          this.st('UPDATE users SET name = ?, role = ?, last_sign_in_at = ? WHERE id = ?').run(nm, role, now, had.id);
          return this.userById(had.id)!;
        }
        return this.st(
          `INSERT INTO users (name, role, subject, via, created_at, last_sign_in_at) VALUES (?, ?, ?, 'oidc', ?, ?) RETURNING ${USER_COLS}`,
        ).get(nm, role, subject, now, now) as User;
      })
      .immediate();
  }
  setPassword(name: string, passwordHash: string): boolean {
    return (
      this.st("UPDATE users SET password = ? WHERE name = ? AND via = 'password'").run(passwordHash, name).changes > 0
    );
  }
  setRole(name: string, role: Role): boolean {
    return this.st('UPDATE users SET role = ? WHERE name = ?').run(role, name).changes > 0;
  }
  removeUser(name: string): boolean {
    // Sessions go with the user (ON DELETE CASCADE needs foreign_keys on; done by hand to be sure).
    return this.sqlite.transaction(() => {
      const u = this.st('SELECT id FROM users WHERE name = ?').get(name) as { id: number } | undefined;
      if (!u) return false;
      this.st('DELETE FROM sessions WHERE user_id = ?').run(u.id);
      this.st('DELETE FROM users WHERE id = ?').run(u.id);
      return true;
    })();
  }
  countAdmins(): number {
    return (this.st("SELECT count(*) AS n FROM users WHERE role = 'admin'").get() as { n: number }).n;
  }
  signedIn(userId: number, now: number): void {
    this.st('UPDATE users SET last_sign_in_at = ? WHERE id = ?').run(now, userId);
  }

  // ---- sessions
  createSession(userId: number, now: number): { cookie: string; csrf: string } {
    const cookie = secret();
    const csrf = secret();
    this.st('INSERT INTO sessions (hash, user_id, csrf, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)').run(
      hashToken(cookie),
      userId,
      csrf,
      now,
      now,
    );
    return { cookie, csrf };
  }
  /** The session's user and CSRF token, when the cookie is one that has not expired (idle or absolute). */
  session(cookie: string, now: number): { user: User; csrf: string; hash: string } | undefined {
    const hash = hashToken(cookie);
    const s = this.st('SELECT user_id, csrf, created_at, last_seen_at FROM sessions WHERE hash = ?').get(hash) as
      { user_id: number; csrf: string; created_at: number; last_seen_at: number } | undefined;
    if (!s) return undefined;
    if (now - s.last_seen_at > SESSION_IDLE_S || now - s.created_at > SESSION_MAX_S) {
      this.st('DELETE FROM sessions WHERE hash = ?').run(hash);
      return undefined;
    }
    const user = this.userById(s.user_id);
    if (!user) return undefined;
    if (now - s.last_seen_at >= TOUCH_EVERY_S)
      this.st('UPDATE sessions SET last_seen_at = ? WHERE hash = ?').run(now, hash);
    return { user, csrf: s.csrf, hash };
  }
  endSession(hash: string): void {
    this.st('DELETE FROM sessions WHERE hash = ?').run(hash);
  }
  /** Signs a user out everywhere; the number of sessions ended. */
  endSessionsOf(userId: number): number {
    return this.st('DELETE FROM sessions WHERE user_id = ?').run(userId).changes;
  }
  /** Drops expired sessions (run now and then; the lookup refuses them anyway). */
  sweep(now: number): void {
    this.st('DELETE FROM sessions WHERE last_seen_at < ? OR created_at < ?').run(
      now - SESSION_IDLE_S,
      now - SESSION_MAX_S,
    );
    this.st('DELETE FROM setup_codes WHERE expires_at < ?').run(now);
  }

  // ---- first-run setup code
  /** A new one-time code (any older one stops working), valid SETUP_CODE_TTL_S. */
  newSetupCode(now: number): string {
    const code = secret();
    this.sqlite.transaction(() => {
      this.st('DELETE FROM setup_codes').run();
      this.st('INSERT INTO setup_codes (hash, expires_at) VALUES (?, ?)').run(hashToken(code), now + SETUP_CODE_TTL_S);
    })();
    return code;
  }
  /** Uses the code up: true once, if it is the current one and has not expired. */
  takeSetupCode(code: string, now: number): boolean {
    return this.st('DELETE FROM setup_codes WHERE hash = ? AND expires_at >= ?').run(hashToken(code), now).changes > 0;
  }

  // ---- read tokens
  addReadToken(name: string, createdBy: string, now: number): { id: number; token: string } {
    const token = secret('berth_r_');
    const { id } = this.st(
      'INSERT INTO read_tokens (name, hash, created_by, created_at) VALUES (?, ?, ?, ?) RETURNING id',
    ).get(name, hashToken(token), createdBy, now) as { id: number };
    return { id, token };
  }
  readToken(token: string, now: number): { id: number; name: string } | undefined {
    const r = this.st('SELECT id, name, last_used_at FROM read_tokens WHERE hash = ? AND revoked_at IS NULL').get(
      hashToken(token),
    ) as { id: number; name: string; last_used_at: number | null } | undefined;
    if (r && (r.last_used_at ?? 0) <= now - TOUCH_EVERY_S)
      this.st('UPDATE read_tokens SET last_used_at = ? WHERE id = ?').run(now, r.id);
    return r && { id: r.id, name: r.name };
  }
  listReadTokens(): ReadTokenInfo[] {
    return this.st(
      'SELECT id, name, created_by, created_at, last_used_at, revoked_at FROM read_tokens ORDER BY id',
    ).all() as ReadTokenInfo[];
  }
  revokeReadToken(id: number, now: number): boolean {
    return (
      this.st('UPDATE read_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0
    );
  }

  // ---- share links
  addShare(
    host: string,
    createdBy: string,
    now: number,
    ttlS: number,
  ): { id: number; token: string; expires_at: number } {
    const token = secret('berth_s_');
    const expires = now + ttlS;
    const { id } = this.st(
      'INSERT INTO shares (hash, host, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
    ).get(hashToken(token), host, createdBy, now, expires) as { id: number };
    return { id, token, expires_at: expires };
  }
  share(token: string, now: number): { id: number; host: string; expires_at: number } | undefined {
    const r = this.st(
      'SELECT id, host, expires_at, last_used_at FROM shares WHERE hash = ? AND revoked_at IS NULL AND expires_at > ?',
    ).get(hashToken(token), now) as
      { id: number; host: string; expires_at: number; last_used_at: number | null } | undefined;
    if (r && (r.last_used_at ?? 0) <= now - TOUCH_EVERY_S)
      this.st('UPDATE shares SET last_used_at = ? WHERE id = ?').run(now, r.id);
    return r && { id: r.id, host: r.host, expires_at: r.expires_at };
  }
  listShares(): ShareInfo[] {
    return this.st(
      'SELECT id, host, created_by, created_at, expires_at, last_used_at, revoked_at FROM shares ORDER BY id',
    ).all() as ShareInfo[];
  }
  revokeShare(id: number, now: number): boolean {
    return this.st('UPDATE shares SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, id).changes > 0;
  }

  // ---- audit
  audit(row: { at: number; actor: string; action: string; detail?: string; address?: string }): void {
    this.st('INSERT INTO audit (at, actor, action, detail, address) VALUES (?, ?, ?, ?, ?)').run(
      row.at,
      row.actor,
      row.action,
      row.detail ?? '',
      row.address ?? '',
    );
  }
  listAudit(limit: number): AuditRow[] {
    return this.st('SELECT at, actor, action, detail, address FROM audit ORDER BY id DESC LIMIT ?').all(
      limit,
    ) as AuditRow[];
  }
}

export interface ReadTokenInfo {
  id: number;
  name: string;
  created_by: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}
export interface ShareInfo {
  id: number;
  host: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}
export interface AuditRow {
  at: number;
  actor: string;
  action: string;
  detail: string;
  address: string;
}

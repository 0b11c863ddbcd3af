// Bearer-token checks. Tokens are never stored or logged in clear: configured tokens are
// hashed at start and the presented token's hash compared with each in constant time; issued
// tokens are stored as SHA-256 in the tokens table and found by that hash.
import crypto from 'node:crypto';
import type Database from 'better-sqlite3';
import { statement } from './db/statements.ts';

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newToken(): string {
  // base64url, but never with a leading '-': `--token -abc…` reads as a flag to the agent.
  for (;;) {
    const token = crypto.randomBytes(24).toString('base64url');
    if (!token.startsWith('-')) return token;
  }
}

export type AuthResult = { ok: true; host: string | null; tokenId: number | null } | { ok: false; reason: string };

/** The token from an `Authorization: Bearer …` header, or undefined. */
export function bearer(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

export function checkToken(
  sqlite: Database.Database,
  configuredHashes: readonly string[],
  presented: string | undefined,
): AuthResult {
  if (!presented) return { ok: false, reason: 'missing bearer token (Authorization: Bearer TOKEN)' };
  const got = Buffer.from(hashToken(presented), 'hex');
  let match: AuthResult = { ok: false, reason: 'invalid token' };
  // Every candidate is compared, matched or not, so timing says nothing about which one.
  for (const h of configuredHashes) {
    if (crypto.timingSafeEqual(got, Buffer.from(h, 'hex')) && !match.ok)
      match = { ok: true, host: null, tokenId: null };
  }
  // Issued tokens are found by their hash (a unique index): reading every one on each request
  // cost a fleet of 10,000 hosts 10,000 rows and compares a request. The lookup's timing can
  // only tell about the SHA-256 of what was presented, which says nothing about any token.
  const row = statement(sqlite, 'SELECT id, host, hash FROM tokens WHERE hash = ? AND revoked_at IS NULL').get(
    got.toString('hex'),
  ) as { id: number; host: string | null; hash: string } | undefined;
  if (row && crypto.timingSafeEqual(got, Buffer.from(row.hash, 'hex')) && !match.ok)
    match = { ok: true, host: row.host, tokenId: row.id };
  return match;
}

/**
 * A new token for `host`, returned in clear this once (only its hash is stored). A host has one
 * token: an active one it had is replaced (`replaced`), and stops working at once.
 */
export function addHostToken(
  sqlite: Database.Database,
  host: string,
  now: number,
): { token: string; replaced: boolean } {
  const token = newToken();
  return sqlite
    .transaction(() => {
      const replaced =
        statement(sqlite, 'SELECT 1 FROM tokens WHERE host = ? AND revoked_at IS NULL').get(host) !== undefined;
      statement(
        sqlite,
        `INSERT INTO tokens (host, hash, created_at) VALUES (?, ?, ?)
         ON CONFLICT (host) DO UPDATE SET hash = excluded.hash, created_at = excluded.created_at, revoked_at = NULL`,
      ).run(host, hashToken(token), now);
      return { token, replaced };
    })
    .immediate();
}

export function revokeHostToken(sqlite: Database.Database, host: string, now: number): boolean {
  return (
    statement(sqlite, 'UPDATE tokens SET revoked_at = ? WHERE host = ? AND revoked_at IS NULL').run(now, host).changes >
    0
  );
}

/** A token as listed: never its hash. */
export interface TokenInfo {
  host: string | null;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

export function listTokens(sqlite: Database.Database): TokenInfo[] {
  return statement(
    sqlite,
    'SELECT host, created_at, revoked_at, last_used_at FROM tokens ORDER BY host',
  ).all() as TokenInfo[];
}

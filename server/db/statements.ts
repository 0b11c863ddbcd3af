// Prepared statements kept per connection: a statement used on every request (or every batch)
// is compiled once, not each call. Keyed by the SQL text.
import type Database from 'better-sqlite3';

const byConnection = new WeakMap<Database.Database, Map<string, Database.Statement>>();

export function statement(sqlite: Database.Database, sql: string): Database.Statement {
  let cache = byConnection.get(sqlite);
  if (!cache) byConnection.set(sqlite, (cache = new Map()));
  let st = cache.get(sql);
  if (!st) cache.set(sql, (st = sqlite.prepare(sql)));
  return st;
}

/** wal_autocheckpoint on one connection, in pages (0: never; db/checkpointer.ts decides it). */
export function setAutocheckpoint(sqlite: Database.Database, pages: number): void {
  sqlite.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(pages))}`);
}

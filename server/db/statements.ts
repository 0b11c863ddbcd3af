// Every SQL statement the server runs is prepared here: once per connection, SQL text and row
// shape, then reused, so one that runs on every request or batch is compiled once, not each
// call. SQL built from a query's shape (how many entities, which columns, the step) makes
// many texts: a connection keeps the STATEMENTS_PER_CONNECTION it used last, so its cache
// stays bounded while the ones in use stay compiled.
import type Database from 'better-sqlite3';

/** How rows come back: as objects, as the first column's value (pluck), or as arrays (raw). */
export type RowShape = 'object' | 'pluck' | 'raw';

/** A shared statement: its row shape is part of what it is cached by, so it cannot be changed. */
export type Statement = Omit<Database.Statement, 'pluck' | 'raw' | 'expand'>;

export const STATEMENTS_PER_CONNECTION = 300;

const byConnection = new WeakMap<Database.Database, Map<string, Statement>>();

export function statement(sqlite: Database.Database, sql: string, shape: RowShape = 'object'): Statement {
  let cache = byConnection.get(sqlite);
  if (!cache) byConnection.set(sqlite, (cache = new Map()));
  const key = shape === 'object' ? sql : `${shape}:${sql}`;
  let st = cache.get(key);
  if (st) {
    // A Map iterates in insertion order: the least recently used come first.
    cache.delete(key);
  } else {
    const prepared = sqlite.prepare(sql);
    if (shape === 'pluck') prepared.pluck();
    else if (shape === 'raw') prepared.raw();
    st = prepared;
    if (cache.size >= STATEMENTS_PER_CONNECTION) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, st);
  return st;
}

/** wal_autocheckpoint on one connection, in pages (0: never; db/checkpointer.ts decides it). */
export function setAutocheckpoint(sqlite: Database.Database, pages: number): void {
  sqlite.pragma(`wal_autocheckpoint = ${Math.max(0, Math.floor(pages))}`);
}

// Counters kept in SQLite (rejected requests by reason), so they survive restarts and the
// request handlers hold no state of their own.
import type Database from 'better-sqlite3';
import { statement } from './db/statements.ts';

export function bump(sqlite: Database.Database, name: string, by = 1): void {
  statement(
    sqlite,
    'INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value',
  ).run(name, by);
}

export function readCounters(sqlite: Database.Database): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of statement(sqlite, 'SELECT name, value FROM counters ORDER BY name').all() as {
    name: string;
    value: number;
  }[])
    out[r.name] = r.value;
  return out;
}

// Opens Berth's SQLite file with the pragmas a small time-series store wants, and applies
// pending drizzle migrations synchronously before anything else touches it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import * as schema from './schema.ts';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

/** Bytes a WAL file is cut back to when it starts over (it may grow past that in between). */
export const JOURNAL_SIZE_LIMIT = 64 * 1024 * 1024;

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

export function openDb(file: string, opts: { migrationsDir?: string } = {}): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  const isNew = (sqlite.pragma('page_count', { simple: true }) as number) === 0;
  // Incremental vacuum must be chosen before the first table exists; it lets retention hand
  // freed pages back to the file system in small steps instead of a blocking VACUUM.
  if (isNew) sqlite.pragma('auto_vacuum = INCREMENTAL');
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT}`);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('cache_size = -32000');
  sqlite.pragma('temp_store = MEMORY');
  const db = drizzle(sqlite, { schema }) as Db;
  migrate(db, { migrationsFolder: opts.migrationsDir ?? MIGRATIONS_DIR });
  return db;
}

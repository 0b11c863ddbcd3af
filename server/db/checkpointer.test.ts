// The checkpoint worker on a real file: the server's connection no longer checkpoints in its
// commits, yet committed pages reach the database file and the WAL is reused, not grown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDb } from './open.ts';
import { startCheckpointer, type Checkpointer } from './checkpointer.ts';
import { tempDir } from '../../test/support/temp.ts';

/**
 * Waits until the worker has finished two checkpoints that began after the caller's last
 * commit, so every frame committed so far is in the database file: waited for, not slept for,
 * so a busy machine only makes it slower. The worker's reports of checkpoints it ran while
 * this thread was busy committing arrive first, and are let in before counting.
 */
async function checkpointsDone(cp: Checkpointer): Promise<void> {
  await new Promise((r) => setImmediate(r));
  const target = cp.checkpoints + 2;
  while (cp.checkpoints < target) await cp.next();
}

// A bound for a worker that stopped reporting, not a target.
const BOUND = { timeout: 60_000 };

test(
  'checkpoints run in the worker: the data reaches the database file and the WAL stops growing',
  BOUND,
  async (t) => {
    const file = path.join(tempDir(), 'berth.db');
    const sqlite = openDb(file).$client;
    const cp = startCheckpointer(sqlite, { everyMs: 30 });
    t.after(async () => {
      await cp.stop();
      if (sqlite.open) sqlite.close();
    });
    assert.equal(
      sqlite.pragma('wal_autocheckpoint', { simple: true }),
      0,
      'the server connection leaves checkpoints to the worker',
    );
    sqlite.exec('CREATE TABLE filler (k INTEGER PRIMARY KEY, v BLOB)');
    const ins = sqlite.prepare('INSERT INTO filler (v) VALUES (?)');
    const blob = Buffer.alloc(3000, 1);
    const walSizes: number[] = [];
    const dbBefore = fs.statSync(file).size;
    for (let round = 0; round < 6; round++) {
      // ~1,000 pages a round, in many small commits as ingest makes them.
      for (let i = 0; i < 100; i++)
        sqlite.transaction(() => {
          for (let j = 0; j < 10; j++) ins.run(blob);
        })();
      await checkpointsDone(cp);
      walSizes.push(fs.statSync(`${file}-wal`).size);
    }
    assert.ok(cp.checkpoints > 0, 'the worker ran checkpoints');
    const dbAfter = fs.statSync(file).size;
    assert.ok(
      dbAfter - dbBefore > 5 * 1000 * 3000,
      `the database file took the pages (${dbBefore} → ${dbAfter} bytes)`,
    );
    // Without checkpoints the WAL would hold all six rounds (~18 MB); reused, it holds about one.
    const oneRound = 1000 * 4120;
    assert.ok(Math.max(...walSizes) < 2.5 * oneRound, `WAL sizes ${walSizes.join(', ')}`);
    assert.equal(sqlite.prepare('SELECT count(*) FROM filler').pluck().get(), 6000);
  },
);

test(
  'a WAL grown past its limit while a reader held an old snapshot is cut back once the reader is done',
  BOUND,
  async (t) => {
    const file = path.join(tempDir(), 'berth.db');
    const sqlite = openDb(file).$client;
    assert.equal(sqlite.pragma('journal_size_limit', { simple: true }), 64 * 1024 * 1024);
    sqlite.pragma('journal_size_limit = 1048576'); // 1 MiB here, so the test stays small
    const cp = startCheckpointer(sqlite, { everyMs: 20 });
    t.after(async () => {
      await cp.stop();
      if (sqlite.open) sqlite.close();
    });
    sqlite.exec('CREATE TABLE filler (k INTEGER PRIMARY KEY, v BLOB)');
    const ins = sqlite.prepare('INSERT INTO filler (v) VALUES (?)');
    const blob = Buffer.alloc(3000, 1);
    // An operator's long query: its snapshot keeps every frame after it in the WAL.
    const reader = new Database(file, { readonly: true });
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM filler').get();
    for (let i = 0; i < 300; i++)
      sqlite.transaction(() => {
        for (let j = 0; j < 10; j++) ins.run(blob);
      })();
    const grown = fs.statSync(`${file}-wal`).size;
    assert.ok(grown > 8 * 1024 * 1024, `the WAL grew behind the reader (${grown} bytes)`);
    reader.exec('COMMIT');
    reader.close();
    // Once the worker has copied every frame, the next commit starts the log over and cuts the file back.
    for (let i = 0; i < 10 && fs.statSync(`${file}-wal`).size > 1048576 + 8192; i++) {
      await checkpointsDone(cp);
      sqlite.transaction(() => ins.run(blob))();
    }
    const after = fs.statSync(`${file}-wal`).size;
    assert.ok(after <= 1048576 + 8192, `the WAL was cut back to its limit (${grown} → ${after} bytes)`);
    assert.ok((sqlite.prepare('SELECT count(*) FROM filler').pluck().get() as number) >= 3000, 'every row kept');
  },
);

test("an in-memory database keeps SQLite's own checkpointing (there is no WAL file to share)", async () => {
  const sqlite = openDb(':memory:').$client;
  const cp = startCheckpointer(sqlite);
  await cp.stop();
  assert.equal(cp.checkpoints, 0);
  sqlite.close();
});

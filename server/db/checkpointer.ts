// WAL checkpoints in a worker thread of their own, so they never stall the event loop.
//
// SQLite's automatic checkpoint runs inside the commit that crosses wal_autocheckpoint: that
// one request copies ~1,000 pages into the database file and fsyncs it (10–20 ms here, every
// few dozen requests: measured as 40 % of the commit cost of small transactions). With the
// server's connection set to wal_autocheckpoint = 0, this worker's own connection runs a
// PASSIVE checkpoint every `everyMs`: it copies what is committed while writers go on, and the
// next writer restarts the WAL from its start once everything is copied, so the file stays
// small. When it has grown anyway (a reader kept an old snapshot while ingest went on), the
// writer that starts it over cuts the file back to journal_size_limit (db/open.ts). On stop,
// the caller's connection does the final checkpoint as it closes.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import type Database from 'better-sqlite3';
import { setAutocheckpoint } from './statements.ts';
import { JOURNAL_SIZE_LIMIT } from './open.ts';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 1000');
db.pragma('journal_size_limit = ' + workerData.journalSizeLimit);
let stopping = false;
const tick = () => {
  if (stopping) return;
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, log: r.log, checkpointed: r.checkpointed });
  } catch (e) {
    parentPort.postMessage({ ok: false, message: String(e && e.message || e) });
  }
  setTimeout(tick, workerData.everyMs);
};
parentPort.on('message', (m) => {
  if (m === 'stop') {
    stopping = true;
    db.close();
    process.exit(0);
  }
});
setTimeout(tick, workerData.everyMs);
`;

export interface Checkpointer {
  /** Checkpoint runs the worker has completed. */
  readonly checkpoints: number;
  /** Resolves when the worker reports its next checkpoint run; rejects once it has exited. */
  next(): Promise<void>;
  stop(): Promise<void>;
}

export function startCheckpointer(
  sqlite: Database.Database,
  opts: {
    everyMs?: number;
    onError?: (message: string) => void;
    /**
     * Sets wal_autocheckpoint on every connection that writes: 0 while this worker runs, 1000
     * (SQLite's default) if it stops. `sqlite` alone when absent.
     */
    autocheckpoint?: (pages: number) => void;
  } = {},
): Checkpointer {
  // Only a file has a WAL; ':memory:' keeps SQLite's own behaviour.
  if (sqlite.memory)
    return {
      checkpoints: 0,
      next: () => Promise.reject(new Error('no checkpoint worker: no WAL')),
      stop: async () => {},
    };
  const autocheckpoint = opts.autocheckpoint ?? ((pages: number) => setAutocheckpoint(sqlite, pages));
  autocheckpoint(0);
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { file: sqlite.name, module, everyMs: opts.everyMs ?? 500, journalSizeLimit: JOURNAL_SIZE_LIMIT },
  });
  worker.unref();
  const state = { checkpoints: 0, failed: false };
  let waiting: { resolve(): void; reject(e: Error): void }[] = [];
  const wake = (gone?: Error) => {
    const w = waiting;
    waiting = [];
    for (const p of w) {
      if (gone) p.reject(gone);
      else p.resolve();
    }
  };
  const gone = () => new Error('the checkpoint worker has exited');
  worker.on('message', (m: { ok: boolean; checkpointed?: number; message?: string }) => {
    if (m.ok) state.checkpoints++;
    else opts.onError?.(`WAL checkpoint failed: ${m.message}`);
    wake();
  });
  const fallBack = (why: string) => {
    if (state.failed) return;
    state.failed = true;
    // Without the worker, SQLite's own automatic checkpoint takes over again.
    if (sqlite.open) autocheckpoint(1000);
    opts.onError?.(`checkpoint worker stopped (${why}); checkpoints run in the server thread again`);
  };
  worker.on('error', (e) => fallBack(e.message));
  let exited = false;
  worker.on('exit', (code) => {
    exited = true;
    if (code !== 0) fallBack(`exit ${code}`);
    wake(gone());
  });
  return {
    get checkpoints() {
      return state.checkpoints;
    },
    next: () =>
      exited ? Promise.reject(gone()) : new Promise<void>((resolve, reject) => waiting.push({ resolve, reject })),
    stop: () =>
      new Promise<void>((resolve) => {
        state.failed = true;
        // Gone already (it failed): nothing to wait for, and waiting would never end.
        if (exited) return resolve();
        worker.ref(); // until it has closed its connection
        worker.once('exit', () => resolve());
        worker.postMessage('stop');
      }),
  };
}

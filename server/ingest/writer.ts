// Where accepted batches are written. Two writers with one interface:
//  - inline: in the caller's thread, one transaction per batch (createApp's default: tests,
//    tools);
//  - a writer thread (what startServer runs): its own connection in a worker, so the event
//    loop decodes and validates the next requests while the last ones are stored. Batches
//    that arrive while it writes wait and go into its next transaction together: under load,
//    one commit for a whole group of agents (group commit); a lone batch gets its own.
// Either way a batch's promise resolves only after its transaction committed.
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { createCommitter, failure, type CommitItem, type Outcome } from './commit.ts';
import { HostConflict, type StoreResult } from './store-batch.ts';
import { StoreUnavailable, unavailableReason } from './unavailable.ts';
import type { Logger } from '../../lib/log.ts';
import { runRollups, type RollupReport } from '../rollup/rollup.ts';
import { enforceRetention, type RetentionReport } from '../rollup/retention.ts';
import type { Retention } from '../rollup/tiers.ts';
import { setAutocheckpoint } from '../db/statements.ts';
import { bump } from '../counters.ts';

export interface IngestWriter {
  store(item: CommitItem): Promise<StoreResult>;
  /** Rollups and retention, run by the writer so that one connection does all the writing. */
  rollup(now: number): Promise<RollupReport>;
  retention(retention: Retention, now: number): Promise<RetentionReport>;
  /** wal_autocheckpoint on the writer's connection (db/checkpointer.ts decides it). */
  autocheckpoint(pages: number): Promise<void>;
  /**
   * Adds to a counter (a refused request, by reason), in turn with the writer's work and
   * without waiting: a request thread that wrote it itself would block its event loop for as
   * long as a long transaction holds the write lock, and then fail.
   */
  count(name: string): void;
  close(): Promise<void>;
  /** Resolves once the writer can take batches (the thread has started; at once when inline). */
  ready: Promise<void>;
}

function settle(o: Outcome): StoreResult {
  if (o.ok) return o.result;
  if (o.conflict) throw new HostConflict(o.message);
  if (unavailableReason(o.code)) throw new StoreUnavailable(o.code!, o.message);
  throw new Error(o.message);
}

export function inlineWriter(sqlite: Database.Database, opts: { allowDuplicateHostnames: boolean }): IngestWriter {
  const c = createCommitter(sqlite, opts);
  return {
    store: async (item) => {
      let outcome: Outcome;
      try {
        outcome = c.commit([item])[0];
      } catch (e) {
        outcome = failure(e, 'could not store the batch: ');
      }
      return settle(outcome);
    },
    rollup: async (now) => runRollups(sqlite, now),
    retention: (retention, now) => enforceRetention(sqlite, retention, now),
    autocheckpoint: async (pages) => setAutocheckpoint(sqlite, pages),
    count: (name) => {
      // A counter the store cannot write now (a full disk) must not turn the answer it
      // counts (a 400, a 503) into a 500: it goes uncounted.
      try {
        bump(sqlite, name);
      } catch {
        /* not counted */
      }
    },
    close: async () => {},
    ready: Promise.resolve(),
  };
}

/** The worker's entry: tsx is registered first, so the worker runs the TypeScript source. */
export function bootstrap(entry: URL): URL {
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${JSON.stringify(entry.href)});`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}

/**
 * Starts the writer thread on the database file. If the thread dies, what it had not
 * answered fails (the agents resend: batch ids make that safe) and later batches are written
 * inline on `fallback`, so ingest goes on.
 */
export function startWriterThread(
  fallback: Database.Database,
  opts: { allowDuplicateHostnames: boolean; log: Logger },
): IngestWriter {
  const worker = new Worker(bootstrap(new URL('./writer-thread.ts', import.meta.url)), {
    workerData: { file: fallback.name, allowDuplicateHostnames: opts.allowDuplicateHostnames },
  });
  // Held up until it has started (someone may be waiting for `ready`), then only while answers are owed.
  type Answer = { id: number; outcome?: Outcome; report?: unknown; error?: string };
  const pending = new Map<number, { resolve: (r: never) => void; reject: (e: Error) => void }>();
  let seq = 0;
  let inline: IngestWriter | undefined;
  let closing = false;
  const answer = (m: Answer) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    try {
      if (m.error !== undefined) throw new Error(m.error);
      p.resolve((m.outcome ? settle(m.outcome) : m.report) as never);
    } catch (e) {
      p.reject(e as Error);
    }
  };
  /** Lets the process exit when nothing is owed, unless close() waits for the thread to end. */
  const release = () => {
    if (pending.size === 0 && !closing) worker.unref();
  };
  // A group's answers come as one message.
  let started: () => void = () => {};
  const ready = new Promise<void>((resolve) => (started = resolve));
  worker.on('message', (m: Answer | Answer[] | { ready: true }) => {
    if ('ready' in m) {
      release();
      return started();
    }
    if (Array.isArray(m)) m.forEach(answer);
    else answer(m);
    release();
  });
  /** Posts a message and waits for its answer; while anything waits, the worker keeps the process up. */
  const ask = <T>(msg: object): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = ++seq;
      pending.set(id, { resolve: resolve as (r: never) => void, reject });
      worker.ref();
      try {
        worker.postMessage({ id, ...msg });
      } catch (e) {
        // Not sendable (cannot be cloned): nothing owed for it.
        pending.delete(id);
        release();
        reject(e as Error);
      }
    });
  const die = (why: string) => {
    if (inline) return;
    inline = inlineWriter(fallback, opts);
    if (!closing) opts.log.error(`ingest writer thread stopped (${why}); writing in the server thread from now on`);
    for (const p of pending.values()) p.reject(new Error(`ingest writer stopped (${why})`));
    pending.clear();
  };
  worker.on('error', (e) => die(e.message));
  worker.on('exit', (code) => die(`exit ${code}`));
  // If it never starts, the inline fallback takes the batches: ready either way.
  worker.once('exit', () => started());
  return {
    ready,
    store: (item) => (inline ? inline.store(item) : ask<StoreResult>({ item })),
    rollup: (now) => (inline ? inline.rollup(now) : ask<RollupReport>({ job: 'rollup', now })),
    retention: (retention, now) =>
      inline ? inline.retention(retention, now) : ask<RetentionReport>({ job: 'retention', now, retention }),
    autocheckpoint: (pages) => (inline ? inline.autocheckpoint(pages) : ask<void>({ job: 'autocheckpoint', pages })),
    count: (name) => {
      if (inline) return inline.count(name);
      // Nothing owed: the thread answers no count, and does it before it stops.
      if (!closing) worker.postMessage({ id: 0, job: 'count', name });
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        if (inline) return resolve();
        worker.ref();
        worker.once('exit', () => resolve());
        // It answers what it holds first: 'close' comes after every batch posted before it.
        worker.postMessage({ close: true });
      }),
  };
}

// Forwarding every stored sample to Prometheus remote-write targets, from the server thread's
// side: enqueue() hands a stored batch to the forwarding thread (forwarder-thread.ts) and
// returns at once; the thread queues it on disk per target and sends. Stats come back once a
// second for GET /metrics and /api/v1/status. If the thread dies it is started again on the
// same queues; batches handed over meanwhile wait in memory, up to a bound, counted past it.
import { Worker } from 'node:worker_threads';
import type { ColumnBatch } from '../../protocol/batch.ts';
import type { Logger } from '../../lib/log.ts';
import { bootstrap } from '../ingest/writer.ts';
import type { RemoteUrl } from '../remote-url.ts';
import type { ForwardStats } from './stats.ts';
import type { ForwarderData } from './forwarder-thread.ts';

export interface Forwarder {
  enqueue(batch: ColumnBatch): void;
  stats(): ForwardStats[];
  /** Resolves once the queues are open (what waited from before a restart is known). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export interface ForwarderOptions {
  targets: RemoteUrl[];
  /** Each target's queue is a folder under it, named by a hash of the target. */
  dir: string;
  maxBytes: number;
  log: Logger;
  userAgent?: string;
}

/** Batches held in memory while the thread starts again. */
const MAX_HELD = 10_000;

export function startForwarder(opts: ForwarderOptions): Forwarder {
  const data: ForwarderData = {
    targets: opts.targets,
    dir: opts.dir,
    maxBytes: opts.maxBytes,
    userAgent: opts.userAgent ?? 'berth-server',
  };
  let last: ForwardStats[] = opts.targets.map((t) => ({
    target: t.display,
    queueBytes: 0,
    queueSamples: 0,
    queueRecords: 0,
    lagSeconds: 0,
    sentSamples: 0,
    sentRequests: 0,
    failedRequests: 0,
    droppedFull: 0,
    droppedRejected: 0,
    lastError: null,
  }));
  /** Per target, what threads that died had counted, added to the live one's: counters never go back. */
  const COUNTERS = ['sentSamples', 'sentRequests', 'failedRequests', 'droppedFull', 'droppedRejected'] as const;
  const carried = opts.targets.map(() => ({
    sentSamples: 0,
    sentRequests: 0,
    failedRequests: 0,
    droppedFull: 0,
    droppedRejected: 0,
  }));
  /** Batches that found neither a thread nor room to wait: lost to every target. */
  let lost = 0;
  let closing = false;
  let worker: Worker | undefined;
  let held: ColumnBatch[] = [];
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));

  const spawn = () => {
    const w = new Worker(bootstrap(new URL('./forwarder-thread.ts', import.meta.url)), { workerData: data });
    w.unref();
    w.on(
      'message',
      (m: { ready?: true; stats?: ForwardStats[]; log?: { level: 'info' | 'warn' | 'error'; message: string } }) => {
        if (m.log) opts.log[m.log.level](m.log.message);
        if (m.stats) last = m.stats;
        if (m.ready) {
          worker = w;
          for (const b of held) w.postMessage({ batch: b });
          held = [];
          markReady();
        }
      },
    );
    w.on('error', (e) => opts.log.error(`remote-write thread failed: ${e.message}`));
    w.on('exit', (code) => {
      if (worker === w) worker = undefined;
      if (closing) return;
      // What it had counted stays counted.
      last.forEach((s, i) => {
        for (const k of COUNTERS) carried[i][k] += s[k];
        for (const k of COUNTERS) s[k] = 0;
      });
      opts.log.error(`remote-write thread stopped (exit ${code}); starting it again on the same queues`);
      setTimeout(spawn, 1000).unref();
    });
  };
  spawn();

  return {
    ready,
    enqueue(batch) {
      if (closing) return;
      if (worker) return worker.postMessage({ batch });
      if (held.length < MAX_HELD) held.push(batch);
      else lost++;
    },
    stats() {
      return last.map((s, i) => {
        const out = { ...s };
        for (const k of COUNTERS) out[k] += carried[i][k];
        out.droppedFull += lost;
        return out;
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        const w = worker;
        if (!w) return resolve();
        w.ref();
        const force = setTimeout(() => void w.terminate(), 10_000);
        w.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        w.postMessage({ close: true });
      }),
  };
}

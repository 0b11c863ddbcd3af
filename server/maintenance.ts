// The server's background work: rollups every few seconds and retention every few minutes,
// each run logged when it did something, never overlapping itself. The writer runs them
// (ingest/writer.ts), on the connection that does all the writing.
import type { Logger } from '../lib/log.ts';
import { every, systemClock, type Clock } from '../lib/clock.ts';
import type { IngestWriter } from './ingest/writer.ts';
import type { Retention } from './rollup/tiers.ts';
import { throttle } from '../lib/log-throttle.ts';

export function startMaintenance(
  writer: Pick<IngestWriter, 'rollup' | 'retention'>,
  opts: {
    retention: Retention;
    rollupEverySeconds: number;
    retentionEverySeconds: number;
    log: Logger;
    /** Epoch seconds: what the rollups and retention take as now. */
    now: () => number;
    /** Runs the timers (and times the runs). */
    clock?: Clock;
  },
): () => void {
  const clock = opts.clock ?? systemClock;
  // A full disk fails every run for as long as it lasts: a line a minute per kind of failure.
  const due = throttle(undefined, () => clock.now());
  const failed = (what: string, e: unknown) => {
    const message = `${what} failed: ${(e as Error).message}`;
    const t = due(message);
    if (t.write) opts.log.error(`${message}${t.more}`);
  };
  let busy = false;
  const rollup = async () => {
    if (busy) return;
    busy = true;
    try {
      const t0 = clock.now();
      const r = await writer.rollup(opts.now());
      if (r.buckets + r.dirty > 0) {
        opts.log.debug(
          `rollups: ${r.buckets} buckets, ${r.dirty} late buckets recomputed in ${(clock.now() - t0).toFixed(0)} ms`,
        );
      }
    } catch (e) {
      failed('rollups', e);
    } finally {
      busy = false;
    }
  };
  const retention = async () => {
    if (busy) return;
    busy = true;
    try {
      const r = await writer.retention(opts.retention, opts.now());
      if (r.deleted > 0) opts.log.info(`retention: deleted ${r.deleted} rows, freed ${r.freedPages} pages`);
    } catch (e) {
      failed('retention', e);
    } finally {
      busy = false;
    }
  };
  const stops = [
    clock.after(1000, () => void rollup()),
    every(clock, opts.rollupEverySeconds * 1000, () => void rollup()),
    every(clock, opts.retentionEverySeconds * 1000, () => void retention()),
  ];
  // The first run too: after stop, the writer may be closed.
  return () => stops.forEach((stop) => stop());
}

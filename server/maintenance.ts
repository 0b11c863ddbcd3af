// The server's background work: rollups every few seconds and retention every few minutes,
// each run logged when it did something, never overlapping itself. The writer runs them
// (ingest/writer.ts), on the connection that does all the writing.
import type { Logger } from '../agent/log.ts';
import type { IngestWriter } from './ingest/writer.ts';
import type { Retention } from './rollup/tiers.ts';

export function startMaintenance(
  writer: Pick<IngestWriter, 'rollup' | 'retention'>,
  opts: {
    retention: Retention;
    rollupEverySeconds: number;
    retentionEverySeconds: number;
    log: Logger;
    now: () => number;
  },
): () => void {
  let busy = false;
  const rollup = async () => {
    if (busy) return;
    busy = true;
    try {
      const t0 = performance.now();
      const r = await writer.rollup(opts.now());
      if (r.buckets + r.dirty > 0) {
        opts.log.debug(
          `rollups: ${r.buckets} buckets, ${r.dirty} late buckets recomputed in ${(performance.now() - t0).toFixed(0)} ms`,
        );
      }
    } catch (e) {
      opts.log.error(`rollups failed: ${(e as Error).message}`);
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
      opts.log.error(`retention failed: ${(e as Error).message}`);
    } finally {
      busy = false;
    }
  };
  const a = setInterval(() => void rollup(), opts.rollupEverySeconds * 1000);
  const b = setInterval(() => void retention(), opts.retentionEverySeconds * 1000);
  const first = setTimeout(() => void rollup(), 1000);
  first.unref();
  a.unref();
  b.unref();
  return () => {
    // The first run too: after stop, the writer may be closed.
    clearTimeout(first);
    clearInterval(a);
    clearInterval(b);
  };
}

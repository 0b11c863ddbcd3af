// GET /api/v1/status: what the server has stored and refused, for operators; and
// GET /api/v1/status/forwarding: each remote-write target's lag, queue and drops, for the page, which
// asks on every refresh (the counts of the whole answer read whole tables).
import { Hono } from 'hono';
import { readCounters } from '../counters.ts';
import type { AppDeps } from '../deps.ts';
import { statement } from '../db/statements.ts';

export function statusRoute({ db, now, forwarder }: AppDeps) {
  const sqlite = db.$client;
  const forwarding = () => forwarder?.stats() ?? [];
  return new Hono()
    .get('/', (c) => {
      const count = (table: string) => statement(sqlite, `SELECT count(*) FROM ${table}`, 'pluck').get() as number;
      // kind 'retention' rows are where retention last cut each tier, not rollup progress.
      const watermarks = statement(
        sqlite,
        "SELECT kind, tier, watermark FROM rollup_state WHERE kind <> 'retention' ORDER BY kind, tier",
      ).all() as { kind: string; tier: string; watermark: number }[];
      return c.json({
        now: now(),
        hosts: count('hosts'),
        containers: count('containers'),
        series: count('series'),
        counters: readCounters(sqlite),
        rollups: watermarks,
        db_bytes:
          (sqlite.pragma('page_count', { simple: true }) as number) *
          (sqlite.pragma('page_size', { simple: true }) as number),
        // Each remote-write target's queue, lag, deliveries and drops (--remote-write).
        forwarding: forwarding(),
        // The server's own memory, so a long run can be watched for growth (npm run test:soak).
        memory: { rss_bytes: process.memoryUsage.rss(), heap_used_bytes: process.memoryUsage().heapUsed },
      });
    })
    .get('/forwarding', (c) => c.json({ forwarding: forwarding() }));
}

// GET /api/v1/top: a host's containers ranked by one metric over a range (average and peak),
// read from the same tier a chart of that range would use.
import { Hono } from 'hono';
import { CONTAINER_METRIC_NAMES } from '../../protocol/metrics.ts';
import { chooseTier, ROLLUP_TIERS, stepOf, tableOf, type TierName } from '../rollup/tiers.ts';
import { findHost } from '../query/entities.ts';
import { RETENTION_KIND, rollupState } from '../rollup/rollup.ts';
import { badRequest, parseIntParam, parseRange, requireParam } from '../query/params.ts';
import { declareQuery } from './input.ts';
import type { AppDeps } from '../deps.ts';
import type { TopAnswer, TopEntry } from '../query/source.ts';
import { statement } from '../db/statements.ts';
import { reading } from '../db/sample-layout.ts';

export function topRoute({ db, now, config }: AppDeps) {
  const sqlite = db.$client;
  return new Hono().get('/', declareQuery<'host' | 'metric' | 'from' | 'to' | 'limit'>(), (c) => {
    const q = (k: string) => c.req.query(k);
    const host = findHost(sqlite, requireParam('host', q('host')));
    const metric = q('metric') ?? 'cpu_pct';
    if (!(CONTAINER_METRIC_NAMES as readonly string[]).includes(metric)) {
      badRequest(
        `metric: unknown container metric "${metric.slice(0, 64)}" (known: ${CONTAINER_METRIC_NAMES.join(', ')})`,
      );
    }
    const t = now();
    const { from, to } = parseRange(q, t);
    const limit = parseIntParam('limit', q('limit'), 10, 1, 1000);
    const { tier } = chooseTier(
      from,
      to,
      Math.max(1, host.interval_s),
      undefined,
      (tier) => t - config.retention[tier],
    );
    // Exactly the samples in [from, to]: whole buckets of the chosen tier that lie inside the
    // range and under its watermark (complete), and each piece left at either edge from the
    // next finer tier the same way, down to raw rows (the newest minutes, not rolled up yet,
    // and the partial minutes at the edges).
    const order: TierName[] = ['raw', ...ROLLUP_TIERS.map((r) => r.name)];
    const read = (t: TierName, lo: number, hi: number) => {
      const r = reading('container', metric, t !== 'raw', 's.');
      const agg = `total(${r.sum}), total(${r.cnt}), max(${r.max})`;
      return statement(
        sqlite,
        `SELECT s.container_id, ${agg} FROM ${tableOf('container', t)} s
                  WHERE s.container_id IN (SELECT id FROM containers WHERE host_id = ?) AND s.ts >= ? AND s.ts < ?
                  GROUP BY s.container_id`,
        'raw',
      ).all(host.id, lo, hi) as [number, number, number, number | null][];
    };
    const rows: [number, number, number, number | null][] = [];
    // Whether a tier still holds its rows at a time: retention records below what it deleted.
    const kept = (level: number, at: number) => at >= (rollupState(sqlite, RETENTION_KIND, order[level]) ?? -Infinity);
    const cover = (level: number, lo: number, hi: number): void => {
      if (hi <= lo) return;
      const tn = order[level];
      if (tn === 'raw') {
        rows.push(...read('raw', lo, hi));
        return;
      }
      const step = stepOf(tn, 1);
      const done = Math.floor((rollupState(sqlite, 'container', tn) ?? -Infinity) / step) * step;
      const a = Math.ceil(lo / step) * step;
      const b = Math.min(Math.floor(hi / step) * step, done);
      // An edge the finer tiers no longer keep is counted by the whole bucket that overlaps
      // it: as near to the range as the store still allows.
      const coarse = (x: number, y: number): void => {
        if (kept(level - 1, x)) return cover(level - 1, x, y);
        const start = Math.floor(x / step) * step;
        const end = Math.min(Math.ceil(y / step) * step, done);
        if (end > start) rows.push(...read(tn, start, end));
        // What lies past the watermark is not rolled up here yet: from the finer tiers.
        if (y > done) cover(level - 1, Math.max(x, done), y);
      };
      if (b <= a) return coarse(lo, hi);
      rows.push(...read(tn, a, b));
      coarse(lo, a);
      cover(level - 1, b, hi);
    };
    cover(order.indexOf(tier), from, to + 1);
    const acc = new Map<number, { sum: number; n: number; max: number | null }>();
    for (const [id, sum, n, max] of rows) {
      if (!n) continue;
      const a = acc.get(id) ?? { sum: 0, n: 0, max: null };
      a.sum += sum;
      a.n += n;
      a.max = a.max === null ? max : Math.max(a.max, max ?? a.max);
      acc.set(id, a);
    }
    const info = statement(
      sqlite,
      'SELECT name, image, compose_project, compose_service, last_seen FROM containers WHERE id = ?',
    );
    const ranked = [...acc.entries()]
      .map(([id, a]) => ({
        ...(info.get(id) as Omit<TopEntry, 'avg' | 'max' | 'samples'>),
        avg: a.sum / a.n,
        max: a.max,
        samples: a.n,
      }))
      .sort((x, y) => y.avg - x.avg)
      .slice(0, limit);
    return c.json<TopAnswer>({ host: host.name, metric, from, to, tier, containers: ranked });
  });
}

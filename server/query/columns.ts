// Reads one entity's metrics over a range as uPlot-ready columns on a regular time grid,
// from the chosen tier. For a rollup tier, buckets past the tier's watermark (the newest few
// minutes, not rolled up yet) are aggregated from raw rows on the fly, so charts reach "now".
import type Database from 'better-sqlite3';
import { KINDS, tableOf, type Kind, type TierName } from '../rollup/tiers.ts';

export interface ColumnsQuery {
  kind: Kind;
  key: number;
  columns: readonly string[];
  from: number;
  to: number;
  tier: TierName;
  step: number;
  /** Add `NAME_min` / `NAME_max` companions (rollup tiers only). */
  minmax?: boolean;
}

export interface Columns {
  t: number[];
  cols: Record<string, (number | null)[]>;
}

interface Agg {
  sum: number;
  n: number;
  min: number | null;
  max: number | null;
}

function selectFrom(kind: Kind, tier: TierName, columns: readonly string[], step: number): string {
  const agg = columns
    .map((c) =>
      tier === 'raw'
        ? `total(${c}), count(${c}), min(${c}), max(${c})`
        : `total(${c}_avg * ${c}_n), total(${c}_n), min(${c}_min), max(${c}_max)`,
    )
    .join(', ');
  return `SELECT (ts / ${step}) * ${step} AS b, ${agg} FROM ${tableOf(kind, tier)}
          WHERE ${KINDS[kind].key} = ? AND ts >= ? AND ts < ? GROUP BY b ORDER BY b`;
}

export function readColumns(sqlite: Database.Database, q: ColumnsQuery): Columns {
  for (const c of q.columns) {
    if (!KINDS[q.kind].columns.includes(c)) throw new Error(`unknown column ${c}`);
  }
  const start = Math.floor(q.from / q.step) * q.step;
  const end = Math.floor(q.to / q.step) * q.step;
  const n = Math.max(0, (end - start) / q.step + 1);
  const t = Array.from({ length: n }, (_, i) => start + i * q.step);
  const buckets = new Map<number, Agg[]>();

  const add = (sql: string, lo: number, hi: number) => {
    if (hi <= lo) return;
    const rows = sqlite.prepare(sql).raw().all(q.key, lo, hi) as number[][];
    for (const r of rows) {
      const b = r[0];
      let aggs = buckets.get(b);
      if (!aggs) {
        aggs = q.columns.map(() => ({ sum: 0, n: 0, min: null, max: null }));
        buckets.set(b, aggs);
      }
      q.columns.forEach((_, i) => {
        const [sum, cnt, mn, mx] = r.slice(1 + i * 4, 5 + i * 4);
        if (!cnt) return;
        const a = aggs[i];
        a.sum += sum;
        a.n += cnt;
        a.min = a.min === null ? mn : Math.min(a.min, mn);
        a.max = a.max === null ? mx : Math.max(a.max, mx);
      });
    }
  };

  const hi = end + q.step;
  if (q.tier === 'raw') {
    add(selectFrom(q.kind, 'raw', q.columns, q.step), start, hi);
  } else {
    const wm =
      (sqlite.prepare('SELECT watermark FROM rollup_state WHERE kind = ? AND tier = ?').pluck().get(q.kind, q.tier) as number | undefined) ?? start;
    const split = Math.max(start, Math.min(hi, wm));
    add(selectFrom(q.kind, q.tier, q.columns, q.step), start, split);
    add(selectFrom(q.kind, 'raw', q.columns, q.step), split, hi);
  }

  const cols: Record<string, (number | null)[]> = {};
  const withMinMax = q.minmax && q.tier !== 'raw';
  q.columns.forEach((c, i) => {
    const avg: (number | null)[] = new Array(n).fill(null);
    const mn: (number | null)[] = withMinMax ? new Array(n).fill(null) : [];
    const mx: (number | null)[] = withMinMax ? new Array(n).fill(null) : [];
    for (const [b, aggs] of buckets) {
      const idx = (b - start) / q.step;
      const a = aggs[i];
      if (idx < 0 || idx >= n || a.n === 0) continue;
      avg[idx] = a.sum / a.n;
      if (withMinMax) {
        mn[idx] = a.min;
        mx[idx] = a.max;
      }
    }
    cols[c] = avg;
    if (withMinMax) {
      cols[`${c}_min`] = mn;
      cols[`${c}_max`] = mx;
    }
  });
  return { t, cols };
}

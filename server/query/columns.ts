// Reads one entity's (or several same-kind entities') metrics over a range as uPlot-ready columns on a regular time grid,
// from the chosen tier. For a rollup tier, buckets past the tier's watermark (the newest few
// minutes, not rolled up yet) are aggregated from raw rows on the fly, so charts reach "now".
import type Database from 'better-sqlite3';
import { KINDS, ROLLUP_TIERS, stepOf, tableOf, type Kind, type TierName } from '../rollup/tiers.ts';
import { roundSignificant } from './round.ts';
import { rollupState } from '../rollup/rollup.ts';
import { statement } from '../db/statements.ts';
import { reading } from '../db/sample-layout.ts';

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
  /** Round every value to this many significant digits (1-17); exact when absent. */
  digits?: number;
}

/** The same query for several entities of one kind at once (one SQL statement per tier part). */
export interface ManyColumnsQuery extends Omit<ColumnsQuery, 'key'> {
  keys: readonly number[];
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

/** `key = ?`, or `key IN (?, …)` for `keys` entities: bound first, before the time range. */
function keyFilter(kind: Kind, keys: number): string {
  const key = KINDS[kind].key;
  return keys === 1 ? `${key} = ?` : `${key} IN (${new Array(keys).fill('?').join(', ')})`;
}

/**
 * Per row: entity, bucket, then (sum, count[, min, max]) per column. Rows of a tier read at its
 * own step are a bucket each, so they are read as they are (no GROUP BY: a third less work);
 * a wider step (raw rows into rollup buckets, a widened coarsest tier) is aggregated in SQL.
 * Buckets that still get several rows are merged by the caller either way.
 */
function selectFrom(
  kind: Kind,
  tier: TierName,
  columns: readonly string[],
  step: number,
  keys: number,
  grouped: boolean,
  minmax: boolean,
): string {
  const agg = columns
    .map((c) => {
      const r = reading(kind, c, tier !== 'raw');
      const [sum, n, min, max] = grouped
        ? [`total(${r.sum})`, `total(${r.cnt})`, `min(${r.min})`, `max(${r.max})`]
        : [r.sum, r.cnt, r.min, r.max];
      return (minmax ? [sum, n, min, max] : [sum, n]).join(', ');
    })
    .join(', ');
  const key = KINDS[kind].key;
  return `SELECT ${key}, (ts / ${step}) * ${step} AS b, ${agg} FROM ${tableOf(kind, tier)}
          WHERE ${keyFilter(kind, keys)} AND ts >= ? AND ts < ?${grouped ? ` GROUP BY ${key}, b` : ''}`;
}

/** The regular grid of bucket starts covering [from, to] at `step`. */
export function timeGrid(from: number, to: number, step: number): number[] {
  const start = Math.floor(from / step) * step;
  const n = Math.max(0, Math.floor(to / step) - Math.floor(from / step) + 1);
  return Array.from({ length: n }, (_, i) => start + i * step);
}

export function readColumns(sqlite: Database.Database, q: ColumnsQuery): Columns {
  const { key, ...rest } = q;
  return readColumnsMany(sqlite, { ...rest, keys: [key] }).get(key)!;
}

/**
 * Columns for each of `keys` on one shared grid, keyed by entity id (every key is present,
 * all-null when it has no rows in the range).
 */
export function readColumnsMany(sqlite: Database.Database, q: ManyColumnsQuery): Map<number, Columns> {
  for (const c of q.columns) {
    if (!KINDS[q.kind].columns.includes(c)) throw new Error(`unknown column ${c}`);
  }
  const t = timeGrid(q.from, q.to, q.step);
  const n = t.length;
  const start = t[0] ?? 0;
  const end = Math.floor(q.to / q.step) * q.step;
  const keys = [...new Set(q.keys)];
  const width = q.columns.length;
  const withMinMax = !!q.minmax && q.tier !== 'raw';
  const digits = q.digits;
  // A chart is a few hundred pixels tall: 6 digits is exact to the eye and halves the JSON.
  const round = digits === undefined ? (v: number) => v : (v: number) => roundSignificant(v, digits);
  const stride = withMinMax ? 4 : 2;

  /** Per entity: the answer's arrays (avg, then min and max when asked, per column) and the buckets still being summed. */
  const out = new Map(
    keys.map((k) => {
      const avg = q.columns.map(() => new Array<number | null>(n).fill(null));
      const mn = withMinMax ? q.columns.map(() => new Array<number | null>(n).fill(null)) : [];
      const mx = withMinMax ? q.columns.map(() => new Array<number | null>(n).fill(null)) : [];
      return [k, { avg, mn, mx, sums: new Map<number, Agg[]>() }];
    }),
  );

  /**
   * A rollup tier read at its own step: each row is one whole bucket (the parts of the chain
   * below cover disjoint, aligned spans), so its avg, min and max are the answer as stored.
   */
  const direct = (tier: TierName, lo: number, hi: number) => {
    const cols = q.columns
      .map((c) => {
        const r = reading(q.kind, c, true);
        return withMinMax ? `${r.avg}, ${r.min}, ${r.max}` : r.avg;
      })
      .join(', ');
    const sql = `SELECT ${KINDS[q.kind].key}, ts, ${cols} FROM ${tableOf(q.kind, tier)} WHERE ${keyFilter(q.kind, keys.length)} AND ts >= ? AND ts < ?`;
    const per = withMinMax ? 3 : 1;
    for (const r of statement(sqlite, sql, 'raw').all(...keys, lo, hi) as (number | null)[][]) {
      const e = out.get(r[0]!);
      const idx = (r[1]! - start) / q.step;
      if (!e || idx < 0 || idx >= n) continue;
      for (let i = 0; i < width; i++) {
        const o = 2 + i * per;
        const v = r[o];
        if (v === null) continue; // no samples in the bucket (avg, min and max are all null then)
        e.avg[i][idx] = round(v);
        if (!withMinMax) continue;
        e.mn[i][idx] = round(r[o + 1]!);
        e.mx[i][idx] = round(r[o + 2]!);
      }
    }
  };

  /** Rows summed into buckets of `step`: raw rows, finer rollups, or a widened coarsest tier. */
  const add = (tier: TierName, lo: number, hi: number, grouped: boolean) => {
    if (hi <= lo || keys.length === 0) return;
    if (tier !== 'raw' && !grouped) return direct(tier, lo, hi);
    const sql = selectFrom(q.kind, tier, q.columns, q.step, keys.length, grouped, withMinMax);
    const rows = statement(sqlite, sql, 'raw').all(...keys, lo, hi) as number[][]; // sum, min, max are null only where count is 0
    for (const r of rows) {
      const byBucket = out.get(r[0])?.sums;
      if (!byBucket) continue;
      const b = r[1];
      let aggs = byBucket.get(b);
      if (!aggs) {
        aggs = Array.from({ length: width }, () => ({ sum: 0, n: 0, min: null, max: null }));
        byBucket.set(b, aggs);
      }
      for (let i = 0; i < width; i++) {
        const o = 2 + i * stride;
        const cnt = r[o + 1];
        if (!cnt) continue;
        const a = aggs[i];
        a.sum += r[o];
        a.n += cnt;
        if (!withMinMax) continue;
        a.min = a.min === null ? r[o + 2] : Math.min(a.min, r[o + 2]);
        a.max = a.max === null ? r[o + 3] : Math.max(a.max, r[o + 3]);
      }
    }
  };

  const hi = end + q.step;
  if (q.tier === 'raw') {
    // The raw tier is chosen at the agent's interval: about one row per bucket.
    add('raw', start, hi, false);
  } else {
    // The tier up to its watermark, then each finer rollup from where the coarser one stops
    // (the newest hour of a 1 h chart is a dozen 5 m rows, not 360 raw ones), then raw rows.
    // Finer buckets nest in the coarser ones, so each lands whole in one bucket of `step`.
    const chain = [
      q.tier,
      ...ROLLUP_TIERS.filter((r) => r.step < stepOf(q.tier, q.step))
        .map((r) => r.name)
        .reverse(),
    ];
    let lo = start;
    for (const tier of chain) {
      const wm = rollupState(sqlite, q.kind, tier);
      const split = wm === undefined ? lo : Math.max(lo, Math.min(hi, wm));
      add(tier, lo, split, q.step > stepOf(tier, q.step));
      lo = split;
    }
    add('raw', lo, hi, true);
  }

  const result = new Map<number, Columns>();
  for (const [key, { avg, mn, mx, sums }] of out) {
    for (const [b, aggs] of sums) {
      const idx = (b - start) / q.step;
      if (idx < 0 || idx >= n) continue;
      aggs.forEach((a, i) => {
        if (a.n === 0) return;
        avg[i][idx] = round(a.sum / a.n);
        if (!withMinMax) return;
        mn[i][idx] = a.min === null ? null : round(a.min);
        mx[i][idx] = a.max === null ? null : round(a.max);
      });
    }
    const cols: Record<string, (number | null)[]> = {};
    q.columns.forEach((c, i) => {
      cols[c] = avg[i];
      if (withMinMax) {
        cols[`${c}_min`] = mn[i];
        cols[`${c}_max`] = mx[i];
      }
    });
    result.set(key, { t, cols });
  }
  return result;
}

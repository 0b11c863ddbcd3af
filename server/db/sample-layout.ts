// How samples sit in SQLite, and every SQL expression that writes or reads them back as plain
// numbers: ingest, rollups, queries, the top ranking and the views all take theirs from here.
//  - A core metric is stored as an integer in units of its catalogue step (protocol/metrics.ts
//    STORED_STEP), under a name that says so when the step is not 1 (cpu_pct_x100): SQLite
//    keeps an integer in 0–6 bytes by its size, where a REAL takes 8.
//  - A rollup row of hosts or containers holds `n` (the raw rows in its bucket), `nulls` (JSON
//    naming each metric with fewer samples than n, and how many fewer; NULL in nearly every
//    row) and per metric its sum and how far its min and max lie below and above its mean
//    truncated to an integer: zero, and no bytes at all, for a metric that held still. Sums stay
//    exact, so a rollup's mean is the mean of the raw samples at the stored precision at every
//    tier.
//  - Labelled series keep their values as sent (REAL: a plugin's values have no stated
//    precision), with avg, min, max and n per rollup row.
import {
  atStep,
  stepsOf,
  CONTAINER_METRICS,
  HOST_METRICS,
  STORED_STEP,
  type MetricDef,
} from '../../protocol/metrics.ts';
import type { ColumnBatch } from '../../protocol/batch.ts';
import type { Kind } from '../rollup/tiers.ts';

export type CoreKind = Exclude<Kind, 'series'>;

export interface StoredMetric {
  /** The catalogue's name. */
  metric: string;
  /** The column holding round(value / step). */
  column: string;
  step: number;
}

/** The column a metric is stored in: its own name at a step of 1, else one that carries the scale. */
export function storedColumn(metric: string, step: number): string {
  if (step === 1) return metric;
  if (step === 1024 && metric.endsWith('_bytes')) return `${metric.slice(0, -'_bytes'.length)}_kib`;
  return step < 1 ? `${metric}_x${Math.round(1 / step)}` : `${metric}_per${step}`;
}

function stored(defs: readonly MetricDef[]): StoredMetric[] {
  return defs.map((d) => ({
    metric: d.name,
    column: storedColumn(d.name, STORED_STEP[d.unit]),
    step: STORED_STEP[d.unit],
  }));
}

/** The stored columns of the host and container sample tables, in catalogue order. */
export const STORED: Record<CoreKind, readonly StoredMetric[]> = {
  host: stored(HOST_METRICS),
  container: stored(CONTAINER_METRICS),
};

const STEP_OF: Record<CoreKind, Map<string, number>> = {
  host: new Map(STORED.host.map((m) => [m.metric, m.step])),
  container: new Map(STORED.container.map((m) => [m.metric, m.step])),
};

/**
 * Puts a batch's core values at their stored precision, in place, before anything reads it:
 * so GET /metrics, remote-write, alerts and the store all see the numbers a query gives back.
 */
export function atStoredPrecision(batch: ColumnBatch): ColumnBatch {
  const round = (kind: CoreKind, metrics: Record<string, (number | null)[]>) => {
    for (const name in metrics) {
      const step = STEP_OF[kind].get(name);
      if (step === undefined) continue; // not a core metric: a series, kept as sent
      const col = metrics[name];
      for (let i = 0; i < col.length; i++) if (col[i] !== null) col[i] = atStep(col[i]!, step);
    }
  };
  if (batch.host) round('host', batch.host.metrics);
  for (const c of batch.containers) round('container', c.metrics);
  return batch;
}

/** round(value / step) as stored, or null. */
export function quantize(v: number | null | undefined, step: number): number | null {
  return v === null || v === undefined ? null : stepsOf(v, step);
}

const literal = (x: number) => (Number.isInteger(x) ? `${x}.0` : String(x));

/** A stored integer expression back in the metric's unit. */
export function toPlain(expr: string, step: number): string {
  if (step === 1) return expr;
  return step < 1 ? `(${expr} / ${literal(Math.round(1 / step))})` : `(${expr} * ${literal(step)})`;
}

/** Columns of a rollup table after its key, in order. */
export function rollupValueColumns(kind: Kind): string[] {
  if (kind === 'series') return ['value_avg', 'value_min', 'value_max', 'value_n'];
  return ['n', 'nulls', ...STORED[kind].flatMap((m) => [`${m.column}_sum`, `${m.column}_below`, `${m.column}_above`])];
}

/** Stored columns of a raw row after its key, in order. */
export function rawValueColumns(kind: Kind): string[] {
  return kind === 'series' ? ['value'] : STORED[kind].map((m) => m.column);
}

/**
 * What reading one metric from one row takes, as SQL over the row: the sum of its samples,
 * how many there were, their min and max, all in plain units (a raw row is one sample: count
 * 1, or 0 where it is null).
 */
export interface Reading {
  sum: string;
  cnt: string;
  min: string;
  max: string;
  /** The row's mean (null without samples). */
  avg: string;
}

function storedMetric(kind: CoreKind, metric: string): StoredMetric {
  const m = STORED[kind].find((x) => x.metric === metric);
  if (!m) throw new Error(`unknown column ${metric}`);
  return m;
}

/**
 * The mean a rollup row's min and max distances are measured from: the sum over the count,
 * truncated to an integer. The same expression where rows are written and where they are read
 * (and in migration 0012), so the two always agree, whatever the sum's type.
 */
export function truncatedMean(sum: string, cnt: string): string {
  return `CAST(${sum} * 1.0 / ${cnt} AS INTEGER)`;
}

/** A stored metric's sum, count, truncated mean and min and max of a rollup row, in stored units. */
function rollupParts(m: StoredMetric, a: string) {
  const c = `${a}${m.column}`;
  const cnt = `(CASE WHEN ${c}_sum IS NULL THEN 0 ELSE ${a}n - coalesce(json_extract(${a}nulls, '$.${m.column}'), 0) END)`;
  const mean = truncatedMean(`${c}_sum`, cnt);
  return { sum: `${c}_sum`, cnt, lo: `(${mean} - ${c}_below)`, hi: `(${mean} + ${c}_above)` };
}

/** How to read `metric` of a `kind` row at a raw (`rollup` false) or rollup tier; `a` prefixes columns (`s.`). */
export function reading(kind: Kind, metric: string, rollup: boolean, a = ''): Reading {
  if (kind === 'series') {
    return rollup
      ? {
          sum: `(${a}value_avg * ${a}value_n)`,
          cnt: `${a}value_n`,
          min: `${a}value_min`,
          max: `${a}value_max`,
          avg: `${a}value_avg`,
        }
      : { sum: `${a}value`, cnt: `(${a}value IS NOT NULL)`, min: `${a}value`, max: `${a}value`, avg: `${a}value` };
  }
  const m = storedMetric(kind, metric);
  if (!rollup) {
    const v = toPlain(`${a}${m.column}`, m.step);
    return { sum: v, cnt: `(${a}${m.column} IS NOT NULL)`, min: v, max: v, avg: v };
  }
  const p = rollupParts(m, a);
  return {
    sum: toPlain(p.sum, m.step),
    cnt: p.cnt,
    min: toPlain(p.lo, m.step),
    max: toPlain(p.hi, m.step),
    avg: toPlain(`(${p.sum} * 1.0 / ${p.cnt})`, m.step),
  };
}

/**
 * The SELECT list that computes rollup rows from `source` rows (raw when `fromRaw`) grouped
 * by the caller (GROUP BY entity, bucket), in the order of rollupValueColumns.
 */
export function rollupSelect(kind: Kind, fromRaw: boolean): string {
  if (kind === 'series') {
    return fromRaw
      ? 'avg(value), min(value), max(value), count(value)'
      : 'sum(value_avg * value_n) / sum(value_n), min(value_min), max(value_max), coalesce(sum(value_n), 0)';
  }
  const metrics = STORED[kind];
  const n = fromRaw ? 'count(*)' : 'sum(n)';
  // total(), not sum(): a sum past 64 bits (a hostile value) becomes a REAL instead of an error
  // that would stop the rollups; a whole REAL goes into the INTEGER column as an integer.
  const parts = metrics.map((m) => {
    if (fromRaw) {
      const cnt = `count(${m.column})`;
      return {
        sum: `CASE WHEN ${cnt} > 0 THEN total(${m.column}) END`,
        cnt,
        lo: `min(${m.column})`,
        hi: `max(${m.column})`,
      };
    }
    const p = rollupParts(m, '');
    const cnt = `sum(${p.cnt})`;
    return { sum: `CASE WHEN ${cnt} > 0 THEN total(${p.sum}) END`, cnt, lo: `min(${p.lo})`, hi: `max(${p.hi})` };
  });
  // Only a metric with some samples but fewer than the row's is named (one with none has no sum).
  const named = metrics
    .map(
      (m, i) =>
        `CASE WHEN ${parts[i].cnt} > 0 AND ${parts[i].cnt} < ${n} THEN '"${m.column}":' || (${n} - ${parts[i].cnt}) || ',' ELSE '' END`,
    )
    .join(' || ');
  const nulls = `'{' || nullif(rtrim(${named}, ','), '') || '}'`;
  return [
    n,
    nulls,
    ...parts.flatMap((p) => {
      const mean = truncatedMean(`(${p.sum})`, p.cnt);
      return [p.sum, `${mean} - ${p.lo}`, `${p.hi} - ${mean}`];
    }),
  ].join(', ');
}

// PromQL as Berth's read routes need it, pure: selectors with safely quoted label values,
// the bucket aggregation that matches SQLite's tiers, and answers turned into columns on the
// route's time grid. SQLite's bucket b holds the samples with b <= ts < b + step; PromQL's
// `f(x[step])` evaluated at T covers (T - step, T]. Evaluated at T = b + step with `offset 1ms`
// it covers (b - 1ms, b + step - 1ms]: for samples on whole seconds, exactly [b, b + step).

/** A PromQL string literal: backslash, double quote and line breaks escaped. */
export function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}

/** `name{k="v",…}`: label names must already be valid Prometheus label names. */
export function selector(name: string, matchers: readonly (readonly [string, string])[] = []): string {
  if (matchers.length === 0) return name;
  return `${name}{${matchers.map(([k, v]) => `${k}=${quote(v)}`).join(',')}}`;
}

export type BucketFn = 'avg' | 'min' | 'max';

/** One bucket's aggregate of `sel` at each step, for a query_range evaluated at bucket ends. */
export function bucketQuery(fn: BucketFn, sel: string, step: number): string {
  return `${fn}_over_time(${sel}[${step}s] offset 1ms)`;
}

/**
 * The grid split by `now`: query_range start and end for the buckets that have ended (each
 * evaluated at its end), and the bucket `now` falls in, if the grid holds it. That one is asked
 * on its own at `now` over [b, now] (liveQuery): an engine evaluating at a time still to come
 * may repeat the newest sample there (VictoriaMetrics does), where SQLite's bucket has nothing yet.
 */
export function splitGrid(
  grid: readonly number[],
  step: number,
  now: number,
): { range?: { start: number; end: number }; live?: number } {
  const ended = grid.filter((b) => b + step <= now);
  const live = grid.find((b) => b <= now && now < b + step);
  return {
    range: ended.length ? { start: ended[0] + step, end: ended[ended.length - 1] + step } : undefined,
    live,
  };
}

/**
 * The raw samples of the bucket `now` falls in, from its start `b` (samples on whole seconds:
 * [b, now]), asked at `now`. Raw, not a *_over_time function: over a window shorter than the
 * samples' interval an engine may widen it (VictoriaMetrics does) and repeat an older sample.
 */
export function liveQuery(sel: string, b: number, now: number): string {
  return `${sel}[${now - b + 1}s]`;
}

/** avg, min or max of raw sample values (as the query API sends them) at or after `from`; null when none. */
export function aggregate(fn: BucketFn, values: readonly (readonly [number, string])[], from: number): number | null {
  let n = 0;
  let acc = fn === 'avg' ? 0 : NaN;
  for (const [t, text] of values) {
    const v = sampleValue(text);
    if (t < from || v === null) continue;
    n++;
    if (fn === 'avg') acc += v;
    else if (Number.isNaN(acc) || (fn === 'min' ? v < acc : v > acc)) acc = v;
  }
  if (n === 0) return null;
  return fn === 'avg' ? acc / n : acc;
}

/** A sample value as the query API sends it ("1.5", "NaN", "+Inf"); null for what a chart cannot draw. */
export function sampleValue(text: string): number | null {
  const v = Number(text);
  return Number.isFinite(v) ? v : null;
}

/**
 * A query_range series' points as a column on the grid: the point at T fills bucket T - step;
 * points off the grid are left out.
 */
export function toColumn(
  values: readonly (readonly [number, string])[],
  grid: readonly number[],
  step: number,
  round: (v: number) => number = (v) => v,
): (number | null)[] {
  const col = new Array<number | null>(grid.length).fill(null);
  if (grid.length === 0) return col;
  const first = grid[0];
  for (const [t, text] of values) {
    const idx = Math.round((t - step - first) / step);
    if (idx < 0 || idx >= grid.length || Math.abs(first + idx * step + step - t) > 0.5) continue;
    const v = sampleValue(text);
    col[idx] = v === null ? null : round(v);
  }
  return col;
}

/** A regular expression matching exactly one of the names (for `=~`): metacharacters escaped. */
export function anyOf(names: readonly string[]): string {
  return names.map((n) => n.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')).join('|');
}

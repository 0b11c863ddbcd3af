// Turning API answers into what a chart draws, kept apart from drawing (the uPlot way:
// prepData apart from makeChart): columns picked and scaled per line, mirrored lines negated,
// min–max bands beside them, the y extent over what is shown, the values a readout lists.
// Pure functions, tested in chart-data.test.ts.

export type Column = (number | null)[];

/** Significant digits the charts ask for: exact to the eye (a chart is a few hundred pixels tall), half the JSON. */
export const CHART_DIGITS = 6;

/** Every column a view fetched for one window, merged: all share one time grid. */
export interface DataSet {
  t: number[];
  cols: Record<string, Column>;
  step: number;
  tier: string;
  from: number;
  to: number;
}

export interface LineSpec {
  /** Column key in DataSet.cols. */
  key: string;
  label: string;
  /**
   * The part of `label` it starts with that comes from a host, container or plugin (a name, an
   * address): shown in a <bdi>, so its own writing direction cannot reorder the words after it.
   */
  name?: string;
  color: string;
  width?: number;
  dash?: number[];
  /** Multiplier applied before drawing (8 for bytes/s drawn as bits/s). */
  scale?: number;
  /** Drawn below the axis (out / write), read as a positive value. */
  mirror?: boolean;
  /** Columns holding the bucket's min and max, drawn as a band under the line. */
  band?: { min: string; max: string };
  /** Toggle key: lines sharing it are shown and hidden together (a container's in and out). */
  group?: string;
  /** Stack key: shown lines sharing it are drawn on top of each other (cumulative), in order. */
  stack?: string;
}

export interface Band {
  lo: Column;
  hi: Column;
}

export interface Prepared {
  /** [t, line1, line2, …] as uPlot wants it. */
  data: [number[], ...Column[]];
  /** Per line (index 0 = first line), its band or null. */
  bands: (Band | null)[];
}

function transform(col: Column | undefined, n: number, k: number): Column {
  if (!col) return new Array(n).fill(null);
  if (k === 1) return col;
  const out: Column = new Array(col.length);
  for (let i = 0; i < col.length; i++) {
    const v = col[i];
    out[i] = v === null ? null : v * k;
  }
  return out;
}

export function prepData(lines: readonly LineSpec[], ds: DataSet): Prepared {
  const n = ds.t.length;
  const cols: Column[] = [];
  const bands: (Band | null)[] = [];
  for (const l of lines) {
    const k = (l.scale ?? 1) * (l.mirror ? -1 : 1);
    cols.push(transform(ds.cols[l.key], n, k));
    const lo = l.band && ds.cols[l.band.min];
    const hi = l.band && ds.cols[l.band.max];
    bands.push(lo && hi ? { lo: transform(lo, n, k), hi: transform(hi, n, k) } : null);
  }
  return { data: [ds.t, ...cols], bands };
}

export interface Stacked extends Prepared {
  /** Per line, the column its stacked area starts from (the lines below it), or null. */
  lower: (Column | null)[];
}

/**
 * What a stacked chart draws (the uPlot stacked-series way: cumulative sums, areas filled
 * between neighbours), while readouts keep reading the honest columns of `p`. Within a stack,
 * a line without a value at a point adds nothing there; a point where no line of the stack
 * has a value stays a gap. Hidden lines are left out of the sums. Stacked lines get no
 * min–max band (a band of one line would float on the others).
 */
export function stackData(p: Prepared, lines: readonly LineSpec[], shown: readonly boolean[]): Stacked {
  const n = p.data[0].length;
  const base = new Map<string, Column>();
  lines.forEach((l, i) => {
    if (!l.stack || !shown[i]) return;
    const b = base.get(l.stack) ?? new Array<number | null>(n).fill(null);
    const col = p.data[i + 1];
    for (let j = 0; j < n; j++) if (col[j] !== null) b[j] = 0;
    base.set(l.stack, b);
  });
  const cols: Column[] = [];
  const lower: (Column | null)[] = [];
  lines.forEach((l, i) => {
    const col = p.data[i + 1];
    const below = l.stack && shown[i] ? base.get(l.stack) : undefined;
    if (!below) {
      cols.push(col);
      lower.push(null);
      return;
    }
    const top: Column = below.map((b, j) => (b === null ? null : b + (col[j] ?? 0)));
    base.set(l.stack!, top);
    cols.push(top);
    lower.push(below);
  });
  return { data: [p.data[0], ...cols], bands: p.bands.map((b, i) => (lines[i].stack ? null : b)), lower };
}

/** The areas of a stacked chart as bands (between each line and the one below), to fill. */
export function stackAreas(s: Stacked): Prepared {
  return { data: s.data, bands: s.lower.map((lo, i) => (lo ? { lo, hi: s.data[i + 1] } : null)) };
}

/** Whether any line has a value at all (else the chart says "no data"). */
export function hasData(p: Prepared): boolean {
  for (let s = 1; s < p.data.length; s++) for (const v of p.data[s]) if (v !== null) return true;
  return false;
}

/**
 * The y range covering every shown line and its band (bands hold the peaks the averages
 * hide). Never empty: a flat zero line still gets [0, 1].
 */
export function yExtent(p: Prepared, shown: readonly boolean[]): [number, number] {
  let lo = 0;
  let hi = 0;
  const scan = (col: Column) => {
    for (const v of col) {
      if (v === null) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  };
  for (let s = 1; s < p.data.length; s++) {
    if (!shown[s - 1]) continue;
    scan(p.data[s]);
    const b = p.bands[s - 1];
    if (b) {
      scan(b.lo);
      scan(b.hi);
    }
  }
  if (hi === lo) hi = lo + 1;
  return [lo, hi];
}

/** Index of the newest non-null value of a column, or -1. */
export function lastIndex(col: Column): number {
  for (let i = col.length - 1; i >= 0; i--) if (col[i] !== null) return i;
  return -1;
}

export interface Reading {
  line: number;
  value: number;
}

/** Without a cursor, a line's newest value counts as "latest" only this close to the newest of all. */
const LATEST_SLACK = 2;

/**
 * What a readout lists at the cursor (idx) or, with no cursor, the latest values (a line that
 * stopped earlier, like a removed container, is left out rather than shown with a stale
 * value): shown lines only, largest first, at most `limit`.
 */
export function readings(p: Prepared, shown: readonly boolean[], idx: number | null, limit = Infinity): Reading[] {
  const out: Reading[] = [];
  const last = p.data.map((col, s) => (s === 0 ? -1 : lastIndex(col as Column)));
  const newest = Math.max(-1, ...last);
  for (let s = 1; s < p.data.length; s++) {
    if (!shown[s - 1]) continue;
    const col = p.data[s];
    const i = idx ?? (last[s] >= newest - LATEST_SLACK ? last[s] : -1);
    const v = i >= 0 ? col[i] : null;
    if (v !== null && v !== undefined) out.push({ line: s - 1, value: v });
  }
  if (limit < out.length) {
    out.sort((a, b) => Math.abs(b.value) - Math.abs(a.value));
    out.length = limit;
  }
  return out;
}

/** Merges several answers on one time grid into a DataSet; keys are prefixed by `prefix`. */
export function mergeInto(
  ds: DataSet | undefined,
  answer: { t: number[]; step: number; tier: string; from: number; to: number; series: Record<string, Column> },
  prefix = '',
): DataSet {
  const out = ds ?? { t: answer.t, cols: {}, step: answer.step, tier: answer.tier, from: answer.from, to: answer.to };
  if (answer.t.length > out.t.length) out.t = answer.t;
  for (const [k, v] of Object.entries(answer.series)) out.cols[prefix + k] = v;
  return out;
}

/** Byte axes tick at powers of two (256 MiB, 512 MiB, 1 GiB), not at decimal round numbers. */
export function binaryIncrements(): number[] {
  const out: number[] = [];
  for (let p = 0; p <= 60; p++) out.push(2 ** p);
  return out;
}

/** Line colours for many containers: hues spread by the golden angle, stable by position. */
export function spreadColor(i: number, dark: boolean): string {
  const hue = Math.round((i * 137.508 + 200) % 360);
  return `hsl(${hue} ${dark ? 70 : 65}% ${dark ? 62 : 45}%)`;
}

/** Mean of a column's values, gaps left out; 0 for an empty column (ranking lines by load). */
export function mean(col: Column | undefined): number {
  let sum = 0;
  let n = 0;
  for (const v of col ?? []) if (v !== null) ((sum += v), n++);
  return n ? sum / n : 0;
}

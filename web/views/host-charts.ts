// The host's own charts, as the catalogue lists them (protocol/metrics.ts HOST_CHARTS): what to
// query (their core columns and the labelled series they split by) and how to draw them. A
// split chart shows each interface, disk or mount the agent sends, else the host's totals.
import { seriesColumnKey } from '../../protocol/series-key.ts';
import { HOST_CHARTS, type HostChartDef, type HostMetric, type SeriesName } from '../../protocol/metrics.ts';
import { fetchSeries } from '../api.ts';
import { CHART_DIGITS, mean, mergeInto, type DataSet, type LineSpec } from '../chart-data.ts';
import { chartSpec, lineSpec } from '../chart-lines.ts';
import type { ChartSpec } from '../charts.ts';
import type { Window } from '../state.ts';
import { rethrowFatal, settle, failure } from './view.ts';
import { diskUsedPct } from '../format.ts';

/** The file-system totals the fs chart falls back to (disk use as `df` counts it, diskUsedPct). */
const FS_TOTALS = ['fs_used_bytes', 'fs_total_bytes', 'fs_avail_bytes'] as const satisfies readonly HostMetric[];
/**
 * What the host view asks for in its one /series request: every core metric the charts draw
 * and the totals the fs fallback needs, and every labelled series a chart is split by.
 */
export const HOST_VIEW_QUERY = {
  metrics: [...new Set([...HOST_CHARTS.flatMap((c) => c.lines.map((l) => l.metric)), ...FS_TOTALS])],
  series: HOST_CHARTS.flatMap((c) => c.split?.series ?? []),
};

/** At most this many interfaces, disks or mounts per chart (the busiest). */
const MAX_PER_CHART = 8;

export interface HostData {
  ds: DataSet | undefined;
  labels: Record<string, Record<string, string>>;
  /** Per chart id, why its query failed. */
  errors: Record<string, string>;
}

export async function fetchHostData(
  host: string,
  win: Window,
  maxPoints: number,
  signal: AbortSignal,
): Promise<HostData> {
  // One request for the core columns and every labelled series: the page's first requests
  // share the browser's six connections to the server with the container charts'.
  const r = await settle(
    fetchSeries(
      { host, from: win.from, to: win.to, maxPoints, minmax: true, digits: CHART_DIGITS, ...HOST_VIEW_QUERY },
      signal,
    ),
  );
  rethrowFatal([r]);
  if (!r.ok) {
    const error = failure(r.error);
    return {
      ds: undefined,
      labels: {},
      errors: Object.fromEntries(HOST_CHARTS.map((c) => [c.id, error])),
    };
  }
  return { ds: mergeInto(undefined, r.value), labels: r.value.labels ?? {}, errors: {} };
}

/** The labelled series of one name, by the value of one label. */
function byLabel(data: HostData, name: SeriesName, label: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, labels] of Object.entries(data.labels)) {
    if (key.startsWith(`${name}{`) && labels[label] !== undefined) out.set(labels[label], key);
  }
  return out;
}

/**
 * A chart drawn per value of its split label: for each value, a line per split series (the
 * chart's line of the same place gives its word, stroke and band), each value's lines in the
 * palette's next colour. Pairs (in and out, read and write) come busiest first; a single share
 * (a mount's use) in the label's order. At most MAX_PER_CHART values.
 */
function splitLines(data: HostData, chart: HostChartDef, colors: string[]): LineSpec[] {
  const split = chart.split!;
  const keys = split.series.map((name) => byLabel(data, name, split.label));
  const names = [...new Set(keys.flatMap((k) => [...k.keys()]))];
  if (keys.length > 1) {
    const load = (n: string) => keys.reduce((sum, k) => sum + mean(data.ds?.cols[k.get(n) ?? '']), 0);
    names.sort((x, y) => load(y) - load(x) || x.localeCompare(y));
  } else names.sort((x, y) => x.localeCompare(y));
  return names.slice(0, MAX_PER_CHART).flatMap((n, i) => {
    const color = colors[(split.color + i) % colors.length];
    return split.series.map((name, j): LineSpec => {
      // A side with no series draws nothing: a key no column has.
      const key = keys[j].get(n) ?? seriesColumnKey(name, { [split.label]: n });
      const line = chart.lines[j];
      if (!line) return { key, label: n, name: n, color };
      return lineSpec(chart, line, colors, { key, label: `${n} ${line.label}`, name: n, color });
    });
  });
}

/** File system use of the whole host, for agents that send no per-mount series. */
function addTotalFsPct(ds: DataSet): void {
  const used = ds.cols.fs_used_bytes;
  const total = ds.cols.fs_total_bytes;
  const avail = ds.cols.fs_avail_bytes;
  if (!used || !total) return;
  ds.cols.fs_pct_total = used.map((u, i) => diskUsedPct(u, total[i], avail?.[i]));
}

export function hostSpecs(data: HostData, colors: string[]): ChartSpec[] {
  return HOST_CHARTS.map((chart) => {
    let lines = chart.split ? splitLines(data, chart, colors) : [];
    if (lines.length === 0) lines = chart.lines.map((l) => lineSpec(chart, l, colors));
    if (lines.length === 0 && chart.id === 'fs' && data.ds) {
      addTotalFsPct(data.ds);
      lines = [{ key: 'fs_pct_total', label: 'all file systems', color: colors[chart.split!.color] }];
    }
    return chartSpec(chart, lines);
  });
}

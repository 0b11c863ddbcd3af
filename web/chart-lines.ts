// The catalogue's charts (protocol/metrics.ts) as the page draws them: a line's role becomes
// its stroke, its palette place a colour, its metric's stored unit a scale to the chart's (a
// network rate stored in bytes/s is drawn in bits/s). Pure, tested in chart-lines.test.ts.
import { scaleTo, type ChartDef, type LineDef } from '../protocol/metrics.ts';
import type { LineSpec } from './chart-data.ts';
import type { ChartSpec } from './charts.ts';

/** How each role is drawn. */
const STROKE: Record<NonNullable<LineDef['role']>, Partial<LineSpec>> = {
  main: { width: 2 },
  limit: { dash: [6, 4], width: 1 },
  below: { mirror: true, dash: [4, 2] },
};

/** The columns holding a column's bucket min and max (minmax=1 answers). */
export const bandOf = (key: string): LineSpec['band'] => ({ min: `${key}_min`, max: `${key}_max` });

/**
 * One catalogue line as a LineSpec; `key` is the column it reads (the metric's own by
 * default), `over` what the view sets beside it (a label with a name in it, another colour).
 */
export function lineSpec(
  chart: ChartDef,
  line: LineDef,
  colors: readonly string[],
  { key = line.metric, ...over }: Partial<LineSpec> = {},
): LineSpec {
  const spec: LineSpec = { key, label: line.label, color: colors[line.color % colors.length] };
  const scale = scaleTo(chart.unit, line.metric as Parameters<typeof scaleTo>[1]);
  if (scale !== 1) spec.scale = scale;
  if (line.band) spec.band = bandOf(key);
  return { ...spec, ...(line.role ? STROKE[line.role] : {}), ...over };
}

/** A catalogue chart with the lines a view made of it. */
export function chartSpec(chart: ChartDef, lines: LineSpec[], readout: ChartSpec['readout'] = 'all'): ChartSpec {
  const spec: ChartSpec = { id: chart.id, title: chart.title, unit: chart.unit, readout, lines };
  if (chart.note) spec.note = chart.note;
  if (chart.yMax !== undefined) spec.yMax = chart.yMax;
  return spec;
}

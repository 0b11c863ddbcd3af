// Mackerel plugin charts for the host view: the series a host's `--plugin`s print, one chart
// per plugin graph (the metric name up to its last dot, as mackerel-agent groups them) and
// unit, with the labels and units the plugin's meta declared. Pure, like network-internals.ts.
import type { CatalogSeries } from '../api.ts';
import { seriesColumnKey } from '../../protocol/series-key.ts';
import { lastIndex, spreadColor, type LineSpec } from '../chart-data.ts';
import { bandOf } from '../chart-lines.ts';
import type { ChartSpec } from '../charts.ts';
import { UNITS, type Unit } from '../../protocol/metrics.ts';
import type { ExtraData } from './network-internals.ts';

/** Series names a page fetches for plugins at most (in the host's one request for its extra charts); the rest are named in a note. */
export const MAX_PLUGIN_SERIES = 40;
const MAX_LINES_PER_CHART = 12;
const BAD_LINES = 'plugin_bad_lines';

const isPlugin = (s: CatalogSeries) =>
  s.labels.plugin !== undefined && s.name !== BAD_LINES && s.labels.container === undefined;

/** Series names to fetch for the plugins (each answer holds every plugin's series of that name). */
export function pluginSeries(catalog: readonly CatalogSeries[]): { names: string[]; left: number } {
  const names = [...new Set(catalog.filter(isPlugin).map((s) => s.name))].sort();
  const out = names.slice(0, MAX_PLUGIN_SERIES);
  if (catalog.some((s) => s.name === BAD_LINES)) out.push(BAD_LINES);
  return { names: out, left: names.length - Math.min(names.length, MAX_PLUGIN_SERIES) };
}

/** Lines of one chart that would read alike (same metric, other labels) get those labels beside them. */
function distinctLabels<T extends { label: string; labels: Record<string, string> }>(lines: T[]): T[] {
  const count = new Map<string, number>();
  for (const l of lines) count.set(l.label, (count.get(l.label) ?? 0) + 1);
  return lines.map((l) => {
    if (count.get(l.label)! < 2) return l;
    const extra = Object.entries(l.labels)
      .filter(([k]) => k !== 'plugin')
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    return extra ? { ...l, label: `${l.label} (${extra})` } : l;
  });
}

function graphOf(name: string): { graph: string; metric: string } {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? { graph: name.slice(0, dot), metric: name.slice(dot + 1) } : { graph: name, metric: name };
}

/** The plugin charts for what was fetched, and notes (bad lines, series left out). */
export function pluginSpecs(
  catalog: readonly CatalogSeries[],
  data: ExtraData,
  left: number,
  dark: boolean,
): { specs: ChartSpec[]; notes: string[] } {
  const meta = new Map(catalog.map((s) => [seriesColumnKey(s.name, s.labels), s]));
  const charts = new Map<
    string,
    {
      plugin: string;
      graph: string;
      unit: Unit;
      declared: string | null;
      lines: { key: string; label: string; labels: Record<string, string> }[];
    }
  >();
  const notes: string[] = [];
  for (const [key, labels] of Object.entries(data.labels)) {
    const s = meta.get(key);
    if (!s || !isPlugin(s)) continue;
    const plugin = labels.plugin;
    const { graph, metric } = graphOf(s.name);
    const unit = (UNITS as readonly string[]).includes(s.unit ?? '') ? (s.unit as Unit) : 'count';
    const id = `plugin:${plugin}:${graph}:${s.unit ?? ''}`;
    let c = charts.get(id);
    if (!c)
      charts.set(id, (c = { plugin, graph, unit, declared: unit === s.unit || !s.unit ? null : s.unit, lines: [] }));
    c.lines.push({ key, label: s.title || metric, labels });
  }
  for (const [key, labels] of Object.entries(data.labels)) {
    if (!key.startsWith(`${BAD_LINES}{`)) continue;
    const col = data.cols[key] ?? [];
    const i = lastIndex(col);
    const n = i < 0 ? 0 : (col[i] as number);
    if (n > 0)
      notes.push(
        `Plugin "${labels.plugin}": ${n} line${n === 1 ? '' : 's'} of its last run ${n === 1 ? 'was' : 'were'} not name<TAB>value<TAB>epoch (ignored).`,
      );
  }
  if (left > 0) notes.push(`${left} more plugin series are not charted here (at most ${MAX_PLUGIN_SERIES} per page).`);
  const specs = [...charts.entries()]
    .sort((a, b) => a[1].plugin.localeCompare(b[1].plugin) || a[1].graph.localeCompare(b[1].graph))
    .map(([id, c]): ChartSpec => {
      const lines = distinctLabels(c.lines).sort((a, b) =>
        a.label.localeCompare(b.label, undefined, { numeric: true }),
      );
      const shown = lines.slice(0, MAX_LINES_PER_CHART);
      return {
        id,
        title: c.graph,
        unit: c.unit,
        readout: 'all',
        note: [
          `plugin ${c.plugin}`,
          c.declared && `unit ${c.declared}`,
          shown.length < lines.length && `first ${shown.length} of ${lines.length} metrics`,
        ]
          .filter(Boolean)
          .join(' · '),
        yMax: c.unit === 'pct' ? 100 : undefined,
        // Toggled by their own column, so two lines that still read alike hide one at a time.
        lines: shown.map((l, i): LineSpec => ({
          key: l.key,
          label: l.label,
          name: l.label,
          group: l.key,
          color: spreadColor(i, dark),
          band: bandOf(l.key),
        })),
      };
    });
  return { specs, notes };
}

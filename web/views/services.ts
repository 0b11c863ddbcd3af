// systemd services for the host view, drawn only for hosts that report them (the agent's
// systemd collector): a table of every reported service with its state, restarts and newest
// CPU, memory and tasks (failed ones first), and charts of the busiest services' CPU and
// memory. Pure: from the catalogue to the series to fetch, from the answers to rows and specs.
import type { CatalogSeries } from '../api.ts';
import { lastIndex, mean, spreadColor, type Column } from '../chart-data.ts';
import type { ChartSpec } from '../charts.ts';
import type { ExtraData } from './network-internals.ts';

export const UNIT_SERIES = [
  'unit_active',
  'unit_failed',
  'unit_restarts',
  'unit_cpu_pct',
  'unit_mem_bytes',
  'unit_tasks',
] as const;
/** Services drawn per chart at most: the busiest. */
export const MAX_UNIT_LINES = 10;

export function serviceSeries(catalog: readonly CatalogSeries[]): string[] {
  const names = new Set(catalog.map((s) => s.name));
  return UNIT_SERIES.filter((n) => names.has(n));
}

export interface ServiceRow {
  unit: string;
  active?: number;
  failed?: number;
  restarts?: number;
  cpuPct?: number;
  memBytes?: number;
  tasks?: number;
}

function last(col: Column | undefined): number | undefined {
  if (!col) return undefined;
  const i = lastIndex(col);
  return i < 0 ? undefined : (col[i] as number);
}

const FIELD: Record<(typeof UNIT_SERIES)[number], keyof ServiceRow> = {
  unit_active: 'active',
  unit_failed: 'failed',
  unit_restarts: 'restarts',
  unit_cpu_pct: 'cpuPct',
  unit_mem_bytes: 'memBytes',
  unit_tasks: 'tasks',
};

const nameOf = (key: string) => key.slice(0, key.indexOf('{')) as (typeof UNIT_SERIES)[number];

/** One row per service, each value the newest in the window: failed first, then by CPU. */
export function serviceRows(data: ExtraData): ServiceRow[] {
  const rows = new Map<string, ServiceRow>();
  for (const [key, l] of Object.entries(data.labels)) {
    const name = nameOf(key);
    if (!(UNIT_SERIES as readonly string[]).includes(name) || l.unit === undefined) continue;
    let r = rows.get(l.unit);
    if (!r) rows.set(l.unit, (r = { unit: l.unit }));
    const v = last(data.cols[key]);
    if (v !== undefined) (r as unknown as Record<string, number>)[FIELD[name]] = v;
  }
  return [...rows.values()].sort(
    (a, b) => (b.failed ?? 0) - (a.failed ?? 0) || (b.cpuPct ?? 0) - (a.cpuPct ?? 0) || a.unit.localeCompare(b.unit),
  );
}

function unitChart(data: ExtraData, name: 'unit_cpu_pct' | 'unit_mem_bytes', dark: boolean): ChartSpec | undefined {
  const keys = Object.keys(data.labels).filter((k) => nameOf(k) === name);
  if (keys.length === 0) return undefined;
  const shown = keys.sort((a, b) => mean(data.cols[b]) - mean(data.cols[a])).slice(0, MAX_UNIT_LINES);
  return {
    id: name === 'unit_cpu_pct' ? 'svc:cpu' : 'svc:mem',
    title: name === 'unit_cpu_pct' ? 'Services: CPU' : 'Services: memory',
    unit: name === 'unit_cpu_pct' ? 'pct' : 'bytes',
    lines: shown.map((key, i) => {
      const unit = data.labels[key]!.unit!;
      return { key, label: unit, name: unit, color: spreadColor(i, dark), width: 1.5 };
    }),
    readout: 'top',
    ...(keys.length > shown.length && { note: `the ${shown.length} busiest of ${keys.length}` }),
  };
}

export function serviceSpecs(data: ExtraData, dark: boolean): ChartSpec[] {
  return [unitChart(data, 'unit_cpu_pct', dark), unitChart(data, 'unit_mem_bytes', dark)].filter(
    (s): s is ChartSpec => s !== undefined,
  );
}

// Temperatures, fans and disk health for the host view, drawn only for hosts that report them
// (the agent's sensors and smart collectors): a chart of temperature sensors (the hottest few
// when there are many), a chart of fans, and a table of each disk's S.M.A.R.T. values, newest
// in the window. Pure, like network-internals.ts: from the catalogue to the series to fetch,
// from the answers to specs and rows.
import type { CatalogSeries } from '../api.ts';
import { lastIndex, mean, spreadColor, type Column } from '../chart-data.ts';
import type { ChartSpec } from '../charts.ts';
import type { ExtraData } from './network-internals.ts';

const TEMP = 'temp_celsius';
const FAN = 'fan_rpm';
export const SMART_SERIES = [
  'smart_healthy',
  'smart_temp_celsius',
  'smart_power_on_seconds',
  'smart_reallocated_sectors',
  'smart_nvme_used_pct',
  'smart_nvme_media_errors',
] as const;
/** Lines per chart at most: the hottest sensors, the fastest fans. */
export const MAX_SENSOR_LINES = 16;

export function hardwareSeries(catalog: readonly CatalogSeries[]): string[] {
  const names = new Set(catalog.map((s) => s.name));
  return [TEMP, FAN, ...SMART_SERIES].filter((n) => names.has(n));
}

function last(col: Column | undefined): number | undefined {
  if (!col) return undefined;
  const i = lastIndex(col);
  return i < 0 ? undefined : (col[i] as number);
}

function sensorChart(data: ExtraData, name: string, id: string, title: string, dark: boolean): ChartSpec | undefined {
  const keys = Object.keys(data.labels).filter((k) => k.startsWith(`${name}{`));
  if (keys.length === 0) return undefined;
  const shown = keys
    .sort((a, b) => mean(data.cols[b]) - mean(data.cols[a]))
    .slice(0, MAX_SENSOR_LINES)
    .sort((a, b) => {
      const [x, y] = [data.labels[a]!, data.labels[b]!];
      return x.chip!.localeCompare(y.chip!) || x.sensor!.localeCompare(y.sensor!, undefined, { numeric: true });
    });
  // Chips named once when every line is of one chip, else beside each sensor.
  const chips = new Set(shown.map((k) => data.labels[k]!.chip));
  const lines = shown.map((key, i) => {
    const l = data.labels[key]!;
    const label = chips.size > 1 ? `${l.chip} ${l.sensor}` : l.sensor!;
    return { key, label, name: label, color: spreadColor(i, dark), width: 1.5 };
  });
  const note = [
    chips.size === 1 ? [...chips][0] : '',
    keys.length > shown.length ? `${shown.length} of ${keys.length}, the highest` : '',
  ]
    .filter(Boolean)
    .join('; ');
  return {
    id,
    title,
    unit: name === TEMP ? 'celsius' : 'rpm',
    lines,
    readout: 'all',
    ...(note && { note }),
  };
}

/** The temperature and fan charts for what was fetched. */
export function hardwareSpecs(data: ExtraData, dark: boolean): ChartSpec[] {
  return [
    sensorChart(data, TEMP, 'hw:temp', 'Temperatures', dark),
    sensorChart(data, FAN, 'hw:fan', 'Fans', dark),
  ].filter((s): s is ChartSpec => s !== undefined);
}

export interface DiskRow {
  device: string;
  model: string;
  serial: string;
  healthy?: number;
  tempC?: number;
  powerOnSeconds?: number;
  reallocated?: number;
  nvmeUsedPct?: number;
  mediaErrors?: number;
}

/** One row per disk, each value the newest in the window; failing disks first. */
export function diskRows(data: ExtraData): DiskRow[] {
  const rows = new Map<string, DiskRow>();
  const field: Record<(typeof SMART_SERIES)[number], keyof DiskRow> = {
    smart_healthy: 'healthy',
    smart_temp_celsius: 'tempC',
    smart_power_on_seconds: 'powerOnSeconds',
    smart_reallocated_sectors: 'reallocated',
    smart_nvme_used_pct: 'nvmeUsedPct',
    smart_nvme_media_errors: 'mediaErrors',
  };
  for (const [key, l] of Object.entries(data.labels)) {
    const name = key.slice(0, key.indexOf('{')) as (typeof SMART_SERIES)[number];
    if (!(SMART_SERIES as readonly string[]).includes(name) || l.device === undefined) continue;
    const id = `${l.device}\u0000${l.serial ?? ''}`;
    let r = rows.get(id);
    if (!r) rows.set(id, (r = { device: l.device, model: l.model ?? '', serial: l.serial ?? '' }));
    const v = last(data.cols[key]);
    if (v !== undefined) (r as unknown as Record<string, number>)[field[name]] = v;
  }
  return [...rows.values()].sort(
    (a, b) => (a.healthy ?? 1) - (b.healthy ?? 1) || a.device.localeCompare(b.device, undefined, { numeric: true }),
  );
}

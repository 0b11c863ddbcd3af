// The host's own charts: what to query (core columns plus per-interface, per-disk and
// per-mount series) and how to draw it (CPU split, load, memory and swap, network, disk I/O,
// file systems). Falls back to the host totals when an agent sends no labelled series.
import { seriesColumnKey } from '../../protocol/series-key.ts';
import { fetchSeries } from '../api.ts';
import { mean, mergeInto, type Column, type DataSet, type LineSpec } from '../chart-data.ts';
import type { ChartSpec } from '../charts.ts';
import type { Window } from '../state.ts';
import { rethrowFatal, settle, failure } from './view.ts';
import { diskUsedPct } from '../format.ts';

const CORE = [
  'cpu_pct',
  'cpu_user_pct',
  'cpu_system_pct',
  'cpu_iowait_pct',
  'cpu_steal_pct',
  'load1',
  'load5',
  'load15',
  'mem_used_bytes',
  'mem_total_bytes',
  'mem_cached_bytes',
  'swap_used_bytes',
  'swap_total_bytes',
  'net_rx_bps',
  'net_tx_bps',
  'disk_read_bps',
  'disk_write_bps',
  'fs_used_bytes',
  'fs_total_bytes',
  'fs_avail_bytes',
];
const LABELLED = ['net_rx_bps', 'net_tx_bps', 'disk_read_bps', 'disk_write_bps', 'fs_used_pct'] as const;
type Labelled = (typeof LABELLED)[number];

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
    fetchSeries({ host, from: win.from, to: win.to, maxPoints, minmax: true, metrics: CORE, series: LABELLED }, signal),
  );
  rethrowFatal([r]);
  if (!r.ok) {
    const error = failure(r.error);
    return {
      ds: undefined,
      labels: {},
      errors: Object.fromEntries(['cpu', 'load', 'mem', 'net', 'disk', 'fs'].map((id) => [id, error])),
    };
  }
  return { ds: mergeInto(undefined, r.value), labels: r.value.labels ?? {}, errors: {} };
}

/** The labelled series of one name, by the value of one label, busiest first. */
function byLabel(data: HostData, name: Labelled, label: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, labels] of Object.entries(data.labels)) {
    if (key.startsWith(`${name}{`) && labels[label] !== undefined) out.set(labels[label], key);
  }
  return out;
}

function band(key: string): LineSpec['band'] {
  return { min: `${key}_min`, max: `${key}_max` };
}

/** Paired in/out (or read/write) lines per label value, the out one mirrored below the axis. */
function pairs(
  data: HostData,
  rx: Labelled,
  tx: Labelled,
  label: string,
  words: [string, string],
  colors: string[],
  scale: number,
): LineSpec[] {
  const a = byLabel(data, rx, label);
  const b = byLabel(data, tx, label);
  const names = [...new Set([...a.keys(), ...b.keys()])]
    .map((n) => ({ n, load: mean(data.ds?.cols[a.get(n) ?? '']) + mean(data.ds?.cols[b.get(n) ?? '']) }))
    .sort((x, y) => y.load - x.load || x.n.localeCompare(y.n))
    .slice(0, MAX_PER_CHART)
    .map((x) => x.n);
  return names.flatMap((n, i): LineSpec[] => {
    const color = colors[i % colors.length];
    // A side with no series draws nothing: a key no column has.
    const ka = a.get(n) ?? seriesColumnKey(rx, { [label]: n });
    const kb = b.get(n) ?? seriesColumnKey(tx, { [label]: n });
    return [
      { key: ka, label: `${n} ${words[0]}`, name: n, color, scale, band: band(ka) },
      { key: kb, label: `${n} ${words[1]}`, name: n, color, scale, mirror: true, band: band(kb), dash: [4, 2] },
    ];
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
  const [c1, c2, c3, c4, c5, , c7, c8] = colors;
  let net = pairs(data, 'net_rx_bps', 'net_tx_bps', 'iface', ['in', 'out'], colors, 8);
  if (net.length === 0) {
    net = [
      { key: 'net_rx_bps', label: 'in', color: c1, scale: 8, band: band('net_rx_bps') },
      { key: 'net_tx_bps', label: 'out', color: c1, scale: 8, mirror: true, band: band('net_tx_bps'), dash: [4, 2] },
    ];
  }
  let disk = pairs(
    data,
    'disk_read_bps',
    'disk_write_bps',
    'disk',
    ['read', 'write'],
    colors.slice(2).concat(colors.slice(0, 2)),
    1,
  );
  if (disk.length === 0) {
    disk = [
      { key: 'disk_read_bps', label: 'read', color: c3, band: band('disk_read_bps') },
      { key: 'disk_write_bps', label: 'write', color: c3, mirror: true, band: band('disk_write_bps'), dash: [4, 2] },
    ];
  }
  const mounts = [...byLabel(data, 'fs_used_pct', 'mount').entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .slice(0, MAX_PER_CHART);
  let fs: LineSpec[] = mounts.map(([mount, key], i) => ({
    key,
    label: mount,
    name: mount,
    color: colors[(i + 4) % colors.length],
  }));
  if (fs.length === 0 && data.ds) {
    addTotalFsPct(data.ds);
    fs = [{ key: 'fs_pct_total', label: 'all file systems', color: c5 }];
  }
  return [
    {
      id: 'cpu',
      title: 'CPU',
      unit: 'pct',
      readout: 'all',
      note: '% of all cores',
      lines: [
        { key: 'cpu_pct', label: 'busy', color: c1, width: 2, band: band('cpu_pct') },
        { key: 'cpu_user_pct', label: 'user', color: c2 },
        { key: 'cpu_system_pct', label: 'system', color: c3 },
        { key: 'cpu_iowait_pct', label: 'iowait', color: c4 },
        { key: 'cpu_steal_pct', label: 'steal', color: c7 },
      ],
    },
    {
      id: 'load',
      title: 'Load average',
      unit: 'load',
      readout: 'all',
      lines: [
        { key: 'load1', label: '1 min', color: c1, band: band('load1') },
        { key: 'load5', label: '5 min', color: c2 },
        { key: 'load15', label: '15 min', color: c3 },
      ],
    },
    {
      id: 'mem',
      title: 'Memory and swap',
      unit: 'bytes',
      readout: 'all',
      lines: [
        { key: 'mem_used_bytes', label: 'used', color: c1, width: 2, band: band('mem_used_bytes') },
        { key: 'mem_cached_bytes', label: 'page cache', color: c2 },
        { key: 'swap_used_bytes', label: 'swap used', color: c4, band: band('swap_used_bytes') },
        { key: 'mem_total_bytes', label: 'total', color: c8, dash: [6, 4], width: 1 },
      ],
    },
    {
      id: 'net',
      title: 'Network',
      unit: 'bits_per_s',
      readout: 'all',
      note: 'in above the axis, out below',
      lines: net,
    },
    {
      id: 'disk',
      title: 'Disk I/O',
      unit: 'bytes_per_s',
      readout: 'all',
      note: 'read above the axis, write below',
      lines: disk,
    },
    { id: 'fs', title: 'File systems', unit: 'pct', readout: 'all', note: 'used', yMax: 100, lines: fs },
  ];
}

// The metric catalogue: every core metric Berth stores as a column, with its unit and meaning,
// the labelled series the agent's collectors send, and the charts the page draws of them.
// Agent (names), server (schema, views, validation, rollups, answers) and page (chart lists,
// units, labels) all read it; the README's metrics tables are rendered from it. A core metric
// is added here and by a migration that gives it its columns (see server/db/schema.ts).

/**
 * How a value is measured. `bits_per_s` is never stored by a core metric: the page shows
 * network rates (stored as bytes/s) in it, and a plugin may declare it for its own series.
 */
export type Unit =
  'pct' | 'bytes' | 'bytes_per_s' | 'bits_per_s' | 'per_s' | 'count' | 'load' | 'seconds' | 'celsius' | 'rpm';
export const UNITS = [
  'pct',
  'bytes',
  'bytes_per_s',
  'bits_per_s',
  'per_s',
  'count',
  'load',
  'seconds',
  'celsius',
  'rpm',
] as const satisfies readonly Unit[];

export interface MetricDef {
  readonly name: string;
  readonly unit: Unit;
  readonly help: string;
}

/** Host metrics, one column each in `host_samples` (and its rollups). */
export const HOST_METRICS = [
  { name: 'cpu_pct', unit: 'pct', help: 'CPU busy, 0–100 across all cores (from /proc/stat)' },
  { name: 'cpu_user_pct', unit: 'pct', help: 'CPU in user mode (user + nice), 0–100 across all cores' },
  { name: 'cpu_system_pct', unit: 'pct', help: 'CPU in kernel mode (system + irq + softirq), 0–100 across all cores' },
  { name: 'cpu_iowait_pct', unit: 'pct', help: 'CPU idle waiting for I/O, 0–100 across all cores' },
  { name: 'cpu_steal_pct', unit: 'pct', help: 'CPU stolen by the hypervisor, 0–100 across all cores' },
  {
    name: 'cpu_softirq_pct',
    unit: 'pct',
    help: 'CPU in softirqs (network receive and send, block I/O completion, timers), 0–100 across all cores; a part of cpu_system_pct',
  },
  { name: 'load1', unit: 'load', help: 'Load average over 1 minute' },
  { name: 'load5', unit: 'load', help: 'Load average over 5 minutes' },
  { name: 'load15', unit: 'load', help: 'Load average over 15 minutes' },
  {
    name: 'mem_used_bytes',
    unit: 'bytes',
    help: 'Memory in use: MemTotal − MemAvailable (the "used" column of `free` from procps 4)',
  },
  { name: 'mem_total_bytes', unit: 'bytes', help: 'MemTotal' },
  { name: 'mem_available_bytes', unit: 'bytes', help: 'MemAvailable' },
  { name: 'mem_cached_bytes', unit: 'bytes', help: 'Page cache: Cached' },
  { name: 'swap_used_bytes', unit: 'bytes', help: 'SwapTotal − SwapFree' },
  { name: 'swap_total_bytes', unit: 'bytes', help: 'SwapTotal' },
  { name: 'net_rx_bps', unit: 'bytes_per_s', help: 'Bytes received per second over physical interfaces' },
  { name: 'net_tx_bps', unit: 'bytes_per_s', help: 'Bytes sent per second over physical interfaces' },
  { name: 'disk_read_bps', unit: 'bytes_per_s', help: 'Bytes read per second over whole disks' },
  { name: 'disk_write_bps', unit: 'bytes_per_s', help: 'Bytes written per second over whole disks' },
  { name: 'fs_used_bytes', unit: 'bytes', help: 'Bytes used over real file systems (each device once)' },
  { name: 'fs_total_bytes', unit: 'bytes', help: 'Size of real file systems (each device once)' },
  {
    name: 'fs_avail_bytes',
    unit: 'bytes',
    help: 'Bytes available to unprivileged users over the same file systems; disk use is used / (used + available), as `df` counts it',
  },
  { name: 'uptime_seconds', unit: 'seconds', help: 'Seconds since boot' },
] as const satisfies readonly MetricDef[];

/** Container metrics, one column each in `container_samples` (and its rollups). */
export const CONTAINER_METRICS = [
  { name: 'cpu_pct', unit: 'pct', help: 'CPU, 100 = one full core (the docker CLI formula)' },
  { name: 'mem_bytes', unit: 'bytes', help: 'Memory usage minus inactive file cache (as `docker stats` shows it)' },
  { name: 'mem_limit_bytes', unit: 'bytes', help: 'Memory limit (the host total when unlimited)' },
  { name: 'mem_pct', unit: 'pct', help: 'mem_bytes / mem_limit_bytes × 100' },
  { name: 'net_rx_bps', unit: 'bytes_per_s', help: 'Bytes received per second, all interfaces' },
  { name: 'net_tx_bps', unit: 'bytes_per_s', help: 'Bytes sent per second, all interfaces' },
  { name: 'blk_read_bps', unit: 'bytes_per_s', help: 'Block device bytes read per second' },
  { name: 'blk_write_bps', unit: 'bytes_per_s', help: 'Block device bytes written per second' },
  { name: 'pids', unit: 'count', help: 'Processes and threads in the container' },
] as const satisfies readonly MetricDef[];

/**
 * The precision a core metric is stored at, by unit: the server keeps round(value / step) as an
 * integer (SQLite stores an integer in 0–6 bytes by its size, any REAL in 8) and reads it back
 * in plain units (server/db/sample-layout.ts). Finer than any chart or `docker stats` shows:
 * 0.01 % of CPU, 0.01 of a load average, 1 byte, 1 byte/s. Labelled series are kept as sent.
 */
export const STORED_STEP: Readonly<Record<Unit, number>> = {
  pct: 0.01,
  load: 0.01,
  per_s: 0.01,
  celsius: 0.01,
  bytes: 1,
  bytes_per_s: 1,
  bits_per_s: 1,
  count: 1,
  seconds: 1,
  rpm: 1,
};

/** A value at its metric's stored precision: what the store keeps and every reader sees. */
export function atStep(v: number, step: number): number {
  // A step below 1 divides the rounded multiple (0.29 * 100 is 28.999…; 29 / 100 is 0.29).
  return step < 1 ? stepsOf(v, step) / Math.round(1 / step) : stepsOf(v, step) * step;
}

/**
 * round(value / step): what the store keeps. A value whose multiple is past the largest double
 * (1e308 at a step of 0.01: a hostile sender) is kept as the largest one, finite.
 */
export function stepsOf(v: number, step: number): number {
  const q = step < 1 ? Math.round(v * Math.round(1 / step)) : Math.round(v / step);
  return Number.isFinite(q) ? q : Math.sign(v) * Number.MAX_VALUE;
}

export type HostMetric = (typeof HOST_METRICS)[number]['name'];
export type ContainerMetric = (typeof CONTAINER_METRICS)[number]['name'];

export const HOST_METRIC_NAMES: readonly HostMetric[] = HOST_METRICS.map((m) => m.name);
export const CONTAINER_METRIC_NAMES: readonly ContainerMetric[] = CONTAINER_METRICS.map((m) => m.name);

/** Unit of a core metric or of a labelled series the agent sends; undefined for other names. */
export function unitOf(name: string): Unit | undefined {
  // Built on first use, so a bundle that never asks (the page) leaves the series list out.
  if (!byName) {
    byName = new Map();
    for (const m of [...HOST_METRICS, ...CONTAINER_METRICS, ...SERIES_METRICS])
      if (!byName.has(m.name)) byName.set(m.name, m);
  }
  return byName.get(name)?.unit;
}
let byName: Map<string, MetricDef> | undefined;

/** Metric and series names: a letter or _ first, then letters, digits, _ . : -, at most 128 characters. */
export const METRIC_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/;
/** METRIC_NAME_RE in words, for the messages that refuse a name. */
export const METRIC_NAME_RULE = 'a letter or _ first, then letters, digits, _ . : -, at most 128 characters';

export interface SeriesDef {
  readonly name: string;
  /** Label keys; a trailing `?` marks a label only some values carry (per-CPU rows). */
  readonly labels: readonly string[];
  readonly unit: Unit;
  readonly help: string;
}

/** Labelled series the agent's own collectors send (plugins add their own names). */
export const SERIES_METRICS = [
  { name: 'net_rx_bps', labels: ['iface'], unit: 'bytes_per_s', help: 'Bytes received per second on one interface' },
  { name: 'net_tx_bps', labels: ['iface'], unit: 'bytes_per_s', help: 'Bytes sent per second on one interface' },
  { name: 'net_rx_pps', labels: ['iface'], unit: 'per_s', help: 'Packets received per second on one interface' },
  { name: 'net_tx_pps', labels: ['iface'], unit: 'per_s', help: 'Packets sent per second on one interface' },
  { name: 'disk_read_bps', labels: ['disk'], unit: 'bytes_per_s', help: 'Bytes read per second from one whole disk' },
  { name: 'disk_write_bps', labels: ['disk'], unit: 'bytes_per_s', help: 'Bytes written per second to one whole disk' },
  { name: 'disk_read_iops', labels: ['disk'], unit: 'per_s', help: 'Reads completed per second' },
  { name: 'disk_write_iops', labels: ['disk'], unit: 'per_s', help: 'Writes completed per second' },
  { name: 'disk_busy_pct', labels: ['disk'], unit: 'pct', help: 'Time the disk had I/O in flight (iostat %util)' },
  {
    name: 'fs_used_bytes',
    labels: ['mount', 'device', 'fstype'],
    unit: 'bytes',
    help: 'Bytes used on one file system',
  },
  { name: 'fs_total_bytes', labels: ['mount', 'device', 'fstype'], unit: 'bytes', help: 'Size of one file system' },
  {
    name: 'fs_avail_bytes',
    labels: ['mount', 'device', 'fstype'],
    unit: 'bytes',
    help: 'Bytes available to unprivileged users',
  },
  {
    name: 'fs_used_pct',
    labels: ['mount', 'device', 'fstype'],
    unit: 'pct',
    help: 'Used % as `df` computes it: used / (used + avail)',
  },
  { name: 'arp_entries', labels: ['dev'], unit: 'count', help: 'ARP table entries on one device' },
  { name: 'arp_incomplete', labels: ['dev'], unit: 'count', help: 'Incomplete ARP entries (flags 0x0) on one device' },
  { name: 'arp_entries_total', labels: [], unit: 'count', help: 'ARP table entries in total' },
  { name: 'arp_incomplete_total', labels: [], unit: 'count', help: 'Incomplete ARP entries in total' },
  {
    name: 'arp_gc_thresh3',
    labels: [],
    unit: 'count',
    help: 'net.ipv4.neigh.default.gc_thresh3: the hard limit of the ARP table',
  },
  { name: 'ipvs_services', labels: [], unit: 'count', help: 'Virtual services defined' },
  {
    name: 'ipvs_service_active_conns',
    labels: ['service', 'scheduler'],
    unit: 'count',
    help: "ActiveConn summed over the service's real servers",
  },
  {
    name: 'ipvs_service_inactive_conns',
    labels: ['service', 'scheduler'],
    unit: 'count',
    help: "InActConn summed over the service's real servers",
  },
  {
    name: 'ipvs_service_real_servers',
    labels: ['service', 'scheduler'],
    unit: 'count',
    help: 'Real servers behind the service',
  },
  {
    name: 'ipvs_rs_active_conns',
    labels: ['service', 'scheduler', 'real_server', 'method'],
    unit: 'count',
    help: 'ActiveConn of one real server',
  },
  {
    name: 'ipvs_rs_inactive_conns',
    labels: ['service', 'scheduler', 'real_server', 'method'],
    unit: 'count',
    help: 'InActConn of one real server',
  },
  {
    name: 'ipvs_rs_weight',
    labels: ['service', 'scheduler', 'real_server', 'method'],
    unit: 'count',
    help: 'Weight of one real server (0 = drained)',
  },
  { name: 'ipvs_conns_per_s', labels: ['cpu?'], unit: 'per_s', help: 'New connections per second (total, or per CPU)' },
  { name: 'ipvs_in_packets_per_s', labels: ['cpu?'], unit: 'per_s', help: 'Incoming packets per second' },
  { name: 'ipvs_out_packets_per_s', labels: ['cpu?'], unit: 'per_s', help: 'Outgoing packets per second' },
  { name: 'ipvs_in_bps', labels: ['cpu?'], unit: 'bytes_per_s', help: 'Incoming bytes per second' },
  { name: 'ipvs_out_bps', labels: ['cpu?'], unit: 'bytes_per_s', help: 'Outgoing bytes per second' },
  { name: 'unit_cpu_pct', labels: ['unit'], unit: 'pct', help: "A systemd service's CPU, 100 = one core (its cgroup)" },
  {
    name: 'unit_mem_bytes',
    labels: ['unit'],
    unit: 'bytes',
    help: "A systemd service's memory, page cache included, as `systemctl status` shows it (its cgroup)",
  },
  {
    name: 'unit_io_read_bps',
    labels: ['unit'],
    unit: 'bytes_per_s',
    help: 'Bytes a systemd service read from block devices per second (its cgroup)',
  },
  {
    name: 'unit_io_write_bps',
    labels: ['unit'],
    unit: 'bytes_per_s',
    help: 'Bytes a systemd service wrote to block devices per second (its cgroup)',
  },
  { name: 'unit_tasks', labels: ['unit'], unit: 'count', help: "A systemd service's processes and threads" },
  {
    name: 'unit_active',
    labels: ['unit'],
    unit: 'count',
    help: '1 while a systemd service is active (or reloading), else 0 (from systemctl show)',
  },
  { name: 'unit_failed', labels: ['unit'], unit: 'count', help: '1 while a systemd service is in the failed state' },
  {
    name: 'unit_restarts',
    labels: ['unit'],
    unit: 'count',
    help: 'Times systemd restarted a service by itself (Restart=) since it was loaded (NRestarts)',
  },
  {
    name: 'temp_celsius',
    labels: ['chip', 'sensor'],
    unit: 'celsius',
    help: 'A hardware temperature sensor (/sys/class/hwmon), chip and sensor named as `sensors` names them',
  },
  { name: 'fan_rpm', labels: ['chip', 'sensor'], unit: 'rpm', help: 'A fan speed (/sys/class/hwmon)' },
  {
    name: 'smart_healthy',
    labels: ['device', 'model', 'serial'],
    unit: 'count',
    help: '1 when the disk passes its own S.M.A.R.T. health check, 0 when it says it is failing (`smartctl -H`)',
  },
  {
    name: 'smart_temp_celsius',
    labels: ['device', 'model', 'serial'],
    unit: 'celsius',
    help: 'Disk temperature reported by S.M.A.R.T.',
  },
  {
    name: 'smart_power_on_seconds',
    labels: ['device', 'model', 'serial'],
    unit: 'seconds',
    help: 'Power-on time reported by S.M.A.R.T. (counted in hours by the disk)',
  },
  {
    name: 'smart_reallocated_sectors',
    labels: ['device', 'model', 'serial'],
    unit: 'count',
    help: 'ATA attribute 5 (Reallocated_Sector_Ct), raw value: sectors the disk replaced',
  },
  {
    name: 'smart_nvme_used_pct',
    labels: ['device', 'model', 'serial'],
    unit: 'pct',
    help: "NVMe: share of the disk's rated endurance used (Percentage Used; can pass 100)",
  },
  {
    name: 'smart_nvme_media_errors',
    labels: ['device', 'model', 'serial'],
    unit: 'count',
    help: 'NVMe: media and data integrity errors',
  },
  {
    name: 'plugin_bad_lines',
    labels: ['plugin'],
    unit: 'count',
    help: 'Lines a Mackerel plugin printed that were not `name<TAB>value<TAB>epoch` (not stored)',
  },
] as const satisfies readonly SeriesDef[];

export type SeriesName = (typeof SERIES_METRICS)[number]['name'];

// The page's charts. A chart's lines are core metrics of one kind; how a line looks follows
// from its role (the page's palette and strokes are its own).

export interface LineDef<M extends string = string> {
  readonly metric: M;
  /** Its name in the chart's legend and readout ("user", "1 min", "in"); a toggle in the URL (off=cpu:user). */
  readonly label: string;
  /** Its colour: a place in the page's palette of eight. */
  readonly color: number;
  /**
   * 'main': the chart's headline, drawn bold; 'limit': a total or limit to read the others
   * against, thin and dashed; 'below': the outgoing half of a pair (out, write), drawn below
   * the axis.
   */
  readonly role?: 'main' | 'limit' | 'below';
  /** The min–max band of each point under the line (rollup tiers keep min and max). */
  readonly band?: boolean;
  /** Containers can be ranked by it (the host view's top table), under this name. */
  readonly rank?: string;
}

export interface ChartDef<M extends string = string> {
  /** Names the chart on the page (data-chart) and in the URL's toggles. */
  readonly id: string;
  readonly title: string;
  /** How its values read; a line whose metric is stored in bytes/s is scaled to bits/s here. */
  readonly unit: Unit;
  /** Words under the title. */
  readonly note?: string;
  /** A fixed top (100 for a share of a whole). */
  readonly yMax?: number;
  readonly lines: readonly LineDef<M>[];
}

export interface HostChartDef extends ChartDef<HostMetric> {
  /**
   * Drawn per value of `label` (per interface, disk, mount) when the host sends these
   * labelled series, the n-th standing for the n-th line, instead of the host's totals; the
   * first value's lines take the palette's `color`, the next the colour after it.
   */
  readonly split?: { readonly label: string; readonly series: readonly SeriesName[]; readonly color: number };
}

export interface ContainerChartDef extends ChartDef<ContainerMetric> {
  /** The note for a container without a memory limit (Docker then reports the host's memory). */
  readonly unlimitedNote?: string;
  /** Also drawn on the host view, a line per container, with this title and note (limit lines left out). */
  readonly perContainer?: { readonly title: string; readonly note?: string };
}

/** The host view's own charts, in page order. */
export const HOST_CHARTS: readonly HostChartDef[] = [
  {
    id: 'cpu',
    title: 'CPU',
    unit: 'pct',
    note: '% of all cores',
    lines: [
      { metric: 'cpu_pct', label: 'busy', color: 0, role: 'main', band: true },
      { metric: 'cpu_user_pct', label: 'user', color: 1 },
      { metric: 'cpu_system_pct', label: 'system', color: 2 },
      { metric: 'cpu_iowait_pct', label: 'iowait', color: 3 },
      { metric: 'cpu_steal_pct', label: 'steal', color: 6 },
      { metric: 'cpu_softirq_pct', label: 'softirq', color: 5 },
    ],
  },
  {
    id: 'load',
    title: 'Load average',
    unit: 'load',
    lines: [
      { metric: 'load1', label: '1 min', color: 0, band: true },
      { metric: 'load5', label: '5 min', color: 1 },
      { metric: 'load15', label: '15 min', color: 2 },
    ],
  },
  {
    id: 'mem',
    title: 'Memory and swap',
    unit: 'bytes',
    lines: [
      { metric: 'mem_used_bytes', label: 'used', color: 0, role: 'main', band: true },
      { metric: 'mem_cached_bytes', label: 'page cache', color: 1 },
      { metric: 'swap_used_bytes', label: 'swap used', color: 3, band: true },
      { metric: 'mem_total_bytes', label: 'total', color: 7, role: 'limit' },
    ],
  },
  {
    id: 'net',
    title: 'Network',
    unit: 'bits_per_s',
    note: 'in above the axis, out below',
    split: { label: 'iface', series: ['net_rx_bps', 'net_tx_bps'], color: 0 },
    lines: [
      { metric: 'net_rx_bps', label: 'in', color: 0, band: true },
      { metric: 'net_tx_bps', label: 'out', color: 0, role: 'below', band: true },
    ],
  },
  {
    id: 'disk',
    title: 'Disk I/O',
    unit: 'bytes_per_s',
    note: 'read above the axis, write below',
    split: { label: 'disk', series: ['disk_read_bps', 'disk_write_bps'], color: 2 },
    lines: [
      { metric: 'disk_read_bps', label: 'read', color: 2, band: true },
      { metric: 'disk_write_bps', label: 'write', color: 2, role: 'below', band: true },
    ],
  },
  {
    // Use as `df` counts it: per mount from the agent's fs_used_pct; for an agent that sends
    // none, of all file systems from the host's fs_* totals (the page's diskUsedPct).
    id: 'fs',
    title: 'File systems',
    unit: 'pct',
    note: 'used',
    yMax: 100,
    split: { label: 'mount', series: ['fs_used_pct'], color: 4 },
    lines: [],
  },
];

const containerCharts = [
  {
    id: 'cpu',
    title: 'CPU',
    unit: 'pct',
    note: '100 % = one core',
    perContainer: { title: 'Container CPU', note: '100 % = one core' },
    lines: [{ metric: 'cpu_pct', label: 'cpu', color: 0, role: 'main', band: true, rank: 'CPU' }],
  },
  {
    id: 'mem',
    title: 'Memory',
    unit: 'bytes',
    note: 'as docker stats shows it',
    unlimitedNote: 'no limit set',
    perContainer: { title: 'Container memory' },
    lines: [
      { metric: 'mem_bytes', label: 'used', color: 1, role: 'main', band: true, rank: 'Memory' },
      { metric: 'mem_limit_bytes', label: 'limit', color: 7, role: 'limit' },
    ],
  },
  {
    id: 'net',
    title: 'Network',
    unit: 'bits_per_s',
    note: 'in above the axis, out below',
    perContainer: { title: 'Container network', note: 'in above, out below' },
    lines: [
      { metric: 'net_rx_bps', label: 'in', color: 2, band: true, rank: 'Network in' },
      { metric: 'net_tx_bps', label: 'out', color: 2, role: 'below', band: true, rank: 'Network out' },
    ],
  },
  {
    id: 'blk',
    title: 'Block I/O',
    unit: 'bytes_per_s',
    note: 'read above the axis, write below',
    perContainer: { title: 'Container block I/O', note: 'read above, write below' },
    lines: [
      { metric: 'blk_read_bps', label: 'read', color: 3, band: true, rank: 'Disk read' },
      { metric: 'blk_write_bps', label: 'write', color: 3, role: 'below', band: true, rank: 'Disk write' },
    ],
  },
  {
    id: 'mempct',
    title: 'Memory of limit',
    unit: 'pct',
    yMax: 100,
    unlimitedNote: 'of the host (no limit set)',
    lines: [{ metric: 'mem_pct', label: 'used', color: 4, band: true }],
  },
  {
    id: 'pids',
    title: 'Processes and threads',
    unit: 'count',
    lines: [{ metric: 'pids', label: 'pids', color: 5, band: true, rank: 'Processes' }],
  },
] as const satisfies readonly ContainerChartDef[];

/** The container view's charts, in page order; some are on the host view too, per container. */
export const CONTAINER_CHARTS: readonly ContainerChartDef[] = containerCharts;

/** Container metrics the host view can rank containers by (lines with a `rank`). */
export type RankMetric = Extract<(typeof containerCharts)[number]['lines'][number], { rank: string }>['metric'];

/** The factor from a core metric's stored unit to the unit a chart shows it in (bytes/s as bits/s: 8). */
export function scaleTo(chartUnit: Unit, metric: HostMetric | ContainerMetric): number {
  const def: MetricDef | undefined = [...HOST_METRICS, ...CONTAINER_METRICS].find((m) => m.name === metric);
  return chartUnit === 'bits_per_s' && def?.unit === 'bytes_per_s' ? 8 : 1;
}

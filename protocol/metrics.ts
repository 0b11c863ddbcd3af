// The metric catalogue: every core metric Berth stores as a column, with its unit and meaning.
// Agent, server (schema, validation, rollups) and web (units, labels) all read this one list;
// the README's metrics table is rendered from it.

export type Unit = 'pct' | 'bytes' | 'bytes_per_s' | 'per_s' | 'count' | 'load' | 'seconds';

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

export type HostMetric = (typeof HOST_METRICS)[number]['name'];
export type ContainerMetric = (typeof CONTAINER_METRICS)[number]['name'];

export const HOST_METRIC_NAMES: readonly HostMetric[] = HOST_METRICS.map((m) => m.name);
export const CONTAINER_METRIC_NAMES: readonly ContainerMetric[] = CONTAINER_METRICS.map((m) => m.name);

const byName = new Map<string, MetricDef>();
for (const m of [...HOST_METRICS, ...CONTAINER_METRICS]) byName.set(m.name, m);

/** Unit of a core metric, or undefined for a series name the catalogue does not know. */
export function unitOf(name: string): Unit | undefined {
  return byName.get(name)?.unit;
}

/** Metric names are snake_case, start with a letter, at most 128 characters. */
export const METRIC_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}$/;

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
  {
    name: 'plugin_bad_lines',
    labels: ['plugin'],
    unit: 'count',
    help: 'Lines a Mackerel plugin printed that were not `name<TAB>value<TAB>epoch` (not stored)',
  },
] as const satisfies readonly SeriesDef[];

for (const s of SERIES_METRICS) if (!byName.has(s.name)) byName.set(s.name, s);

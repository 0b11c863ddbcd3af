// What one live agent sends every tick, for bench/fleet.ts: a protocol-v2 batch of one tick
// with the host's core metrics, 40 containers of Compose projects (some busy, most idle) and
// 20 labelled series (two interfaces, one disk, two mounts, ARP totals), with values shaped the
// way the agent computes them: rates from counter deltas over a monotonic 10.0xx s (doubles),
// byte counts as whole numbers, load averages with two decimals. Pure and deterministic.
import { HOST_METRIC_NAMES, CONTAINER_METRIC_NAMES } from '../../protocol/metrics.ts';
import { COLUMNS_VERSION } from '../../protocol/constants.ts';
import type { ColumnBatch } from '../../protocol/batch.ts';
import { noise } from '../synthetic.ts';

export const GIB = 1024 ** 3;

/** The host name of live host `i` (and of churned host `i`, a name no live host uses). */
export const liveHost = (i: number) => `fleet-${String(i).padStart(5, '0')}`;
export const churnedHost = (i: number) => `gone-${String(i).padStart(5, '0')}`;

export interface FleetShape {
  containers: number;
  series: number;
  interval: number;
}

const PROJECTS = ['shop', 'billing', 'search', 'auth', 'media', 'ops'];

export interface FleetContainer {
  id: string;
  name: string;
  image: string;
  project: string;
  service: string;
  busy: boolean;
}

/** A host's containers: a few Compose projects, about one in four busy. */
export function fleetContainers(host: string, seed: number, n: number): FleetContainer[] {
  return Array.from({ length: n }, (_, c) => {
    const project = PROJECTS[(seed + c) % PROJECTS.length];
    const service = `svc${c}`;
    const hex = (x: number) => (x >>> 0).toString(16).padStart(8, '0');
    return {
      id: Array.from({ length: 8 }, (_, k) => hex(Math.floor(noise(seed, c, k) * 2 ** 32))).join(''),
      name: `${project}-${service}-1`,
      image: `registry.internal/${project}/${service}:2.${c % 7}.${seed % 13}`,
      project,
      service,
      busy: noise(seed, c, 999) < 0.25,
    };
  });
}

/** A rate as the agent computes it: a counter delta over a monotonic interval a little off 10 s. */
const rate = (bytes: number, interval: number, r: number) => bytes / (interval + 0.0001 + r * 0.004);

function hostValues(seed: number, ts: number, interval: number): Record<string, number> {
  const r = (k: number) => noise(seed, k, ts);
  const busy = 5 + 60 * r(1);
  const user = busy * (0.6 + 0.2 * r(2));
  const total = 16 * GIB;
  const used = Math.round((4 + 6 * noise(seed, 3, Math.floor(ts / 600))) * GIB * (0.98 + 0.04 * r(3)));
  const values: Record<string, number> = {
    cpu_pct: busy,
    cpu_user_pct: user,
    cpu_system_pct: busy - user - 0.3 * r(4),
    cpu_iowait_pct: 0.4 * r(5),
    cpu_steal_pct: 0.05 * r(6),
    load1: Math.round(100 * (0.5 + 3 * r(7))) / 100,
    load5: Math.round(100 * (0.5 + 2 * r(8))) / 100,
    load15: Math.round(100 * (0.8 + r(9))) / 100,
    mem_used_bytes: used,
    mem_total_bytes: total,
    mem_available_bytes: total - used,
    mem_cached_bytes: Math.round(3 * GIB * (1 + r(10) * 0.01)),
    swap_used_bytes: 0,
    swap_total_bytes: 0,
    net_rx_bps: rate(Math.round(2e6 * r(11) * interval), interval, r(12)),
    net_tx_bps: rate(Math.round(1e6 * r(13) * interval), interval, r(12)),
    disk_read_bps: rate(4096 * Math.round(50 * r(14) * interval), interval, r(12)),
    disk_write_bps: rate(4096 * Math.round(200 * r(15) * interval), interval, r(12)),
    fs_used_bytes: 120 * GIB + Math.round(ts / 10) * 4096,
    fs_total_bytes: 500 * GIB,
    fs_avail_bytes: 380 * GIB - Math.round(ts / 10) * 4096,
    uptime_seconds: Math.round(100 * (ts - 1_700_000_000 + 123.45)) / 100,
  };
  return values;
}

/** Container `k` of host `seed` at ts: the core metrics as the agent computes them. */
export function containerValues(c: FleetContainer, seed: number, k: number, ts: number, interval: number) {
  const e = seed * 1000 + k;
  const r = (m: number) => noise(e, m, ts);
  const limit = k % 3 === 0 ? 512 * 1024 ** 2 : 16 * GIB;
  // Memory moves by pages, and an idle container's hardly at all.
  const mem =
    4096 *
    Math.round(
      ((c.busy ? 300e6 : 40e6) * (1 + noise(e, 20, Math.floor(ts / 300))) * (c.busy ? 0.99 + 0.02 * r(2) : 1)) / 4096,
    );
  // An idle container mostly reads zero: no packet, no block I/O, under a CPU tick in 10 s.
  const idleRate = (m: number, bytes: number) => (r(m) < 0.7 ? 0 : rate(Math.round(bytes * r(m + 10)), interval, r(9)));
  const out: Record<string, number> = {
    cpu_pct: c.busy ? 5 + 120 * r(1) : r(1) < 0.5 ? 0 : 0.1 * Math.ceil(3 * r(11)),
    mem_bytes: mem,
    mem_limit_bytes: limit,
    mem_pct: (mem / limit) * 100,
    net_rx_bps: c.busy ? rate(Math.round(5e5 * r(3) * interval), interval, r(9)) : idleRate(3, 2000),
    net_tx_bps: c.busy ? rate(Math.round(8e5 * r(4) * interval), interval, r(9)) : idleRate(4, 1500),
    blk_read_bps: c.busy && r(5) < 0.3 ? rate(4096 * Math.round(100 * r(6)), interval, r(9)) : 0,
    blk_write_bps: c.busy && r(7) < 0.8 ? rate(4096 * Math.round(40 * r(8)), interval, r(9)) : 0,
    pids: c.busy ? 20 + Math.round(30 * noise(e, 21, Math.floor(ts / 600))) : 1 + (k % 4),
  };
  return out;
}

const SERIES: { name: string; labels: Record<string, string> }[] = [
  ...['eth0', 'docker0'].flatMap((iface) =>
    ['net_rx_bps', 'net_tx_bps', 'net_rx_pps', 'net_tx_pps'].map((name) => ({ name, labels: { iface } })),
  ),
  ...['disk_read_bps', 'disk_write_bps', 'disk_read_iops', 'disk_write_iops', 'disk_busy_pct'].map((name) => ({
    name,
    labels: { disk: 'nvme0n1' },
  })),
  ...[
    { mount: '/', device: '/dev/nvme0n1p1', fstype: 'ext4' },
    { mount: '/var/lib/docker', device: '/dev/nvme0n1p2', fstype: 'xfs' },
  ].flatMap((labels) => ['fs_used_bytes', 'fs_avail_bytes'].map((name) => ({ name, labels }))),
  { name: 'arp_entries_total', labels: {} },
  { name: 'arp_incomplete_total', labels: {} },
  { name: 'arp_gc_thresh3', labels: {} },
];

function seriesValue(name: string, seed: number, k: number, ts: number, interval: number): number {
  const r = noise(seed, 500 + k, ts);
  if (name.endsWith('_bps')) return rate(Math.round(1e6 * r * interval), interval, r);
  if (name.endsWith('_pps') || name.endsWith('_iops')) return rate(Math.round(800 * r * interval), interval, r);
  if (name.endsWith('_pct')) return 100 * r * 0.3;
  if (name.endsWith('_bytes')) return 100 * GIB + Math.round(ts / 10) * 4096 * (k + 1);
  if (name === 'arp_gc_thresh3') return 1024;
  return Math.round(8 + 4 * r);
}

/** The labelled series one tick carries (at most SERIES.length; more repeat the shapes per extra interface). */
function seriesOf(n: number): { name: string; labels: Record<string, string> }[] {
  return Array.from({ length: n }, (_, k) => {
    const s = SERIES[k % SERIES.length];
    const round = Math.floor(k / SERIES.length);
    return round === 0 ? s : { name: s.name, labels: { ...s.labels, extra: String(round) } };
  });
}

/** One tick of host `name` (seed: its index) at ts, as the agent sends it (v2 columns, one tick). */
export function fleetTick(
  name: string,
  seed: number,
  containers: readonly FleetContainer[],
  ts: number,
  batchId: string,
  shape: FleetShape,
): ColumnBatch {
  const host = hostValues(seed, ts, shape.interval);
  const b: ColumnBatch = {
    v: COLUMNS_VERSION,
    batch_id: batchId,
    agent: { host: name, machine_id: `machine-${name}`, version: 'fleet-bench', interval: shape.interval },
    host: { ts: [ts], metrics: Object.fromEntries(HOST_METRIC_NAMES.map((m) => [m, [host[m]]])) },
    containers: containers.map((c, k) => {
      const v = containerValues(c, seed, k, ts, shape.interval);
      return {
        id: c.id,
        name: c.name,
        image: c.image,
        state: 'running',
        compose_project: c.project,
        compose_service: c.service,
        ts: [ts],
        metrics: Object.fromEntries(CONTAINER_METRIC_NAMES.map((m) => [m, [v[m]]])),
      };
    }),
    series: seriesOf(shape.series).map((s, k) => ({
      name: s.name,
      labels: s.labels,
      ts: [ts],
      values: [seriesValue(s.name, seed, k, ts, shape.interval)],
    })),
  };
  return b;
}

/** Rows one tick stores: the host's, one per container, one per series. */
export const rowsPerTick = (shape: FleetShape) => 1 + shape.containers + shape.series;

// Container metrics from one Docker Engine stats response plus the counters we kept from the
// previous one. Pure maths, exact to the docker CLI (cli/command/container/stats_helpers.go):
// cpu_pct, mem_bytes (usage without inactive file cache), mem_pct, and rates for network and
// block I/O; and to `podman stats` for CPU when Podman's compat API answers. One-shot responses
// carry no usable precpu_stats, so the caller keeps the previous counters per container (the
// `Counters` returned here) and passes them back next time.
import type { ContainerMetric } from '../../protocol/metrics.ts';

/** The parts of GET /containers/{id}/stats that Berth reads; every field may be absent. */
export interface StatsResponse {
  read?: string;
  name?: string;
  id?: string;
  pids_stats?: { current?: number; limit?: number };
  blkio_stats?: { io_service_bytes_recursive?: BlkioEntry[] | null };
  cpu_stats?: CpuStats;
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
}

export interface CpuStats {
  cpu_usage?: { total_usage?: number; percpu_usage?: number[] | null };
  system_cpu_usage?: number;
  online_cpus?: number;
}

export interface BlkioEntry {
  major?: number;
  minor?: number;
  op?: string;
  value?: number;
}

/** Cumulative counters of one reading, kept per container to compute the next reading's rates. */
export interface Counters {
  /** The engine's `read` time of this reading, epoch seconds with the nanoseconds kept. */
  readonly at?: number;
  /** Our monotonic clock (seconds) when we got it: the fallback when `at` cannot be trusted. */
  readonly mono: number;
  readonly cpuTotal?: number;
  readonly systemCpu?: number;
  readonly rx?: number;
  readonly tx?: number;
  readonly blkRead?: number;
  readonly blkWrite?: number;
}

export type ContainerMetrics = Partial<Record<ContainerMetric, number>>;

/**
 * Every number Berth reads from a stats answer is a uint64 in the engine's types: a negative
 * one (`memory_stats.usage: -1`) does not decode in the docker CLI, which then shows `--`.
 * Berth likewise takes no value from it, and keeps the fields of the answer that are sound.
 */
const count = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Epoch seconds of an RFC 3339 time with up to nanosecond digits (Date.parse keeps only
 * milliseconds). The Go zero time "0001-01-01T00:00:00Z", which the engine sends for a
 * container that is not running, and anything unparsable give undefined.
 */
export function parseReadTime(read: unknown): number | undefined {
  if (typeof read !== 'string') return undefined;
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(read);
  if (!m) return undefined;
  const whole = Date.parse(`${m[1]}${m[3]}`);
  if (!Number.isFinite(whole) || whole <= 0) return undefined;
  return whole / 1000 + (m[2] ? Number(`0.${m[2]}`) : 0);
}

/** False for the empty stats the engine returns for a container that stopped after we listed it. */
export function isLiveReading(s: StatsResponse): boolean {
  return parseReadTime(s.read) !== undefined;
}

/**
 * Memory in use without inactive file cache, as the docker CLI's calculateMemUsageUnixNoCache:
 * cgroup v1 subtracts `total_inactive_file` when it is present and below usage; otherwise
 * (cgroup v2, or v1 where it is not below usage) `inactive_file` when below usage; else usage.
 */
export function memUsageNoCache(mem: StatsResponse['memory_stats']): number | undefined {
  const usage = count(mem?.usage);
  if (usage === undefined) return undefined;
  const stats = isObject(mem?.stats) ? mem.stats : {};
  const v1 = count(stats.total_inactive_file);
  if (v1 !== undefined && v1 < usage) return usage - v1;
  const v2 = count(stats.inactive_file) ?? 0;
  if (v2 < usage) return usage - v2;
  return usage;
}

/** Online CPUs as the CLI counts them: `online_cpus`, or len(percpu_usage) from engines before API 1.27. */
export function onlineCpus(cpu: CpuStats | undefined): number | undefined {
  const online = count(cpu?.online_cpus);
  if (online !== undefined && online > 0) return online;
  const per = cpu?.cpu_usage?.percpu_usage;
  return Array.isArray(per) && per.length > 0 ? per.length : undefined;
}

/** Which engine answered: Podman's compat API fills `system_cpu_usage` differently (see cpuPercentOfWall). */
export type Engine = 'docker' | 'podman';

/**
 * CPU % for Podman, as `podman stats` computes it: container CPU time over wall time, times 100
 * (100 = one full core, as with Docker). Podman's compat API puts the CPU time used by all
 * top-level cgroups in `system_cpu_usage` (busy time, not capacity), so the docker CLI's
 * formula would overstate it, and Podman before 4.x sends no `online_cpus` on cgroup v2.
 */
export function cpuPercentOfWall(
  prevTotal: number | undefined,
  curTotal: number | undefined,
  seconds: number | undefined,
): number | undefined {
  if (prevTotal === undefined || curTotal === undefined || seconds === undefined || !(seconds > 0)) return undefined;
  const cpuDelta = curTotal - prevTotal;
  if (cpuDelta < 0) return undefined;
  return (cpuDelta / (seconds * 1e9)) * 100;
}

/**
 * The docker CLI's calculateCPUPercentUnix between two readings: container CPU time over host
 * CPU time, times online CPUs, times 100 (so 100 = one full core). Undefined when host time did
 * not advance, or the container's counter went down (restart: no value rather than a bogus one).
 */
export function cpuPercent(
  prev: Pick<Counters, 'cpuTotal' | 'systemCpu'>,
  cur: Pick<Counters, 'cpuTotal' | 'systemCpu'>,
  cpus: number | undefined,
): number | undefined {
  if (prev.cpuTotal === undefined || cur.cpuTotal === undefined) return undefined;
  if (prev.systemCpu === undefined || cur.systemCpu === undefined || cpus === undefined) return undefined;
  const cpuDelta = cur.cpuTotal - prev.cpuTotal;
  const systemDelta = cur.systemCpu - prev.systemCpu;
  if (!(systemDelta > 0) || cpuDelta < 0) return undefined;
  return (cpuDelta / systemDelta) * cpus * 100;
}

/**
 * Bytes read and written summed over devices; ops matched case-insensitively (cgroup v1 "Read",
 * v2 "read"; v1's "Sync", "Async", "Total" are not added). An empty list (v1) or null (v2) means
 * no block I/O yet: 0, as the CLI shows it.
 */
export function blkioBytes(blkio: StatsResponse['blkio_stats']): { read?: number; write?: number } {
  if (!isObject(blkio)) return {};
  let read = 0;
  let write = 0;
  const entries = blkio.io_service_bytes_recursive;
  for (const e of Array.isArray(entries) ? entries : []) {
    if (!isObject(e) || typeof e.op !== 'string') continue;
    const value = count(e.value);
    if (value === undefined) continue;
    const op = e.op.toLowerCase();
    if (op === 'read') read += value;
    else if (op === 'write') write += value;
  }
  return { read, write };
}

/** Bytes received and sent summed over every interface in `networks` (absent: host/none network). */
export function networkBytes(networks: StatsResponse['networks']): { rx?: number; tx?: number } {
  if (!isObject(networks)) return {};
  let rx: number | undefined;
  let tx: number | undefined;
  for (const iface of Object.values(networks)) {
    if (!isObject(iface)) continue;
    const r = count(iface.rx_bytes);
    const t = count(iface.tx_bytes);
    if (r !== undefined) rx = (rx ?? 0) + r;
    if (t !== undefined) tx = (tx ?? 0) + t;
  }
  return { rx, tx };
}

/** The counters of one reading, to keep for the next. */
export function countersOf(s: StatsResponse, mono: number): Counters {
  const net = networkBytes(s.networks);
  const blk = blkioBytes(s.blkio_stats);
  return {
    at: parseReadTime(s.read),
    mono,
    cpuTotal: count(s.cpu_stats?.cpu_usage?.total_usage),
    systemCpu: count(s.cpu_stats?.system_cpu_usage),
    rx: net.rx,
    tx: net.tx,
    blkRead: blk.read,
    blkWrite: blk.write,
  };
}

/**
 * Seconds between two readings, for rates. The engine's `read` time is when it sampled the
 * counters; a one-shot call waits for the engine's next one-second tick, so containers of one
 * sweep are sampled up to a second apart and our own clock would be off by that much (10 % at a
 * 10 s interval). So the engine's time is used, unless it disagrees with our monotonic clock by
 * more than a couple of ticks (the host's wall clock was stepped), in which case ours is used.
 */
export function elapsedSeconds(prev: Counters, cur: Counters): number | undefined {
  const mono = cur.mono - prev.mono;
  if (prev.at !== undefined && cur.at !== undefined) {
    const engine = cur.at - prev.at;
    if (engine > 0 && Math.abs(engine - mono) <= Math.max(2, mono / 2)) return engine;
  }
  return mono > 0 ? mono : undefined;
}

/** Per-second rate of a counter; undefined for a missing value or a counter that went down (restart). */
function rate(prev: number | undefined, cur: number | undefined, dt: number | undefined): number | undefined {
  if (prev === undefined || cur === undefined || dt === undefined || cur < prev) return undefined;
  return (cur - prev) / dt;
}

/**
 * The container restarted in between: its CPU time went down (a new cgroup starts from zero).
 * Network and block sums alone can go down without a restart (a network disconnected), and a
 * rate is never taken from a counter that went down anyway.
 */
export function restartedBetween(prev: Counters, cur: Counters): boolean {
  return prev.cpuTotal !== undefined && cur.cpuTotal !== undefined && cur.cpuTotal < prev.cpuTotal;
}

/**
 * Metrics for one reading. Without `prev` (first sight of the container) only the gauges come
 * out (memory, pids); rates and cpu_pct need two readings. After a restart (the CPU counter went
 * down) none come out for that step: a counter that started again from zero may have passed
 * its old value already, so a rate from it would be too low.
 */
export function containerMetrics(
  s: StatsResponse,
  prev: Counters | undefined,
  mono: number,
  engine: Engine = 'docker',
): { metrics: ContainerMetrics; counters: Counters } {
  const counters = countersOf(s, mono);
  const metrics: ContainerMetrics = {};
  const put = (name: ContainerMetric, v: number | undefined) => {
    if (v !== undefined && Number.isFinite(v)) metrics[name] = v;
  };

  const used = memUsageNoCache(s.memory_stats);
  const limit = count(s.memory_stats?.limit);
  put('mem_bytes', used);
  put('mem_limit_bytes', limit);
  if (used !== undefined && limit !== undefined && limit > 0) put('mem_pct', (used / limit) * 100);
  put('pids', count(s.pids_stats?.current));

  if (prev && !restartedBetween(prev, counters)) {
    const dt = elapsedSeconds(prev, counters);
    put(
      'cpu_pct',
      engine === 'podman'
        ? cpuPercentOfWall(prev.cpuTotal, counters.cpuTotal, dt)
        : cpuPercent(prev, counters, onlineCpus(s.cpu_stats)),
    );
    put('net_rx_bps', rate(prev.rx, counters.rx, dt));
    put('net_tx_bps', rate(prev.tx, counters.tx, dt));
    put('blk_read_bps', rate(prev.blkRead, counters.blkRead, dt));
    put('blk_write_bps', rate(prev.blkWrite, counters.blkWrite, dt));
  }
  return { metrics, counters };
}

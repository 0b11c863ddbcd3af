// What the engine's stats API would answer for a container, made from its cgroup and its
// network namespace, so that agent/docker/stats.ts computes the very numbers `docker stats`
// shows from either source. The fields are filled as Docker's daemon fills them
// (daemon/stats_unix.go, from containerd's cgroup readers):
//  - cpu_stats.cpu_usage.total_usage: v1 cpuacct.usage; v2 cpu.stat usage_usec × 1000.
//  - cpu_stats.system_cpu_usage: the first seven /proc/stat "cpu" fields (user … softirq, not
//    steal) × 10^9 / 100; online_cpus: the cpuN lines (getSystemCPUUsage).
//  - memory_stats.usage: v1 memory.usage_in_bytes, v2 memory.current; stats: memory.stat (the
//    CLI subtracts total_inactive_file on v1, inactive_file on v2); limit: the cgroup's, or
//    the machine's MemTotal when that is lower (no limit: v1's huge number, v2's "max").
//  - blkio_stats.io_service_bytes_recursive: v1 per device and op; v2 io.stat rbytes/wbytes as
//    "read"/"write".
//  - pids_stats.current: pids.current.
//  - networks: per interface of the container's network namespace, loopback left out
//    (libnetwork reports the sandbox's interfaces, which lo is not).
import type { CgroupCounters } from '../cgroup/read.ts';
import type { NetDevBytes } from '../procfs/net-dev.ts';
import type { CpuTimes } from '../procfs/stat.ts';
import type { StatsResponse } from './stats.ts';

/** /proc/stat as the engine sums it: nanoseconds of CPU time, and CPUs online. */
export interface HostCpu {
  systemNs: number;
  onlineCpus: number;
}

const MEMORY_STAT_KEYS = ['total_inactive_file', 'inactive_file'] as const;

/** Docker hard-codes USER_HZ: it is 100 on every Linux architecture Docker runs on. */
const CLOCK_TICKS = 100;

export function hostCpu(cpu: CpuTimes, cpus: number): HostCpu {
  const ticks = cpu.user + cpu.nice + cpu.system + cpu.idle + cpu.iowait + cpu.irq + cpu.softirq;
  return { systemNs: (ticks * 1e9) / CLOCK_TICKS, onlineCpus: cpus };
}

export interface CgroupStatsInput {
  counters: CgroupCounters;
  cpu: HostCpu;
  /** MemTotal in bytes: the limit shown for a container without one. */
  memTotal: number;
  /** Interfaces of the container's network namespace; undefined for host networking. */
  net?: readonly NetDevBytes[];
  /** RFC 3339 time of the reading. */
  read: string;
}

export function statsFromCgroup({ counters: c, cpu, memTotal, net, read }: CgroupStatsInput): StatsResponse {
  const s: StatsResponse = { read };
  s.cpu_stats = { system_cpu_usage: cpu.systemNs, online_cpus: cpu.onlineCpus };
  if (c.cpuNs !== undefined) s.cpu_stats.cpu_usage = { total_usage: c.cpuNs };
  if (c.memUsage !== undefined) {
    const limit = c.memLimit === undefined || c.memLimit === 'max' || c.memLimit > memTotal ? memTotal : c.memLimit;
    // Of memory.stat, what the CLI reads: total_inactive_file (v1) and inactive_file.
    const stats: Record<string, number> = {};
    for (const k of MEMORY_STAT_KEYS) {
      const v = c.memStat?.[k];
      if (v !== undefined) stats[k] = v;
    }
    s.memory_stats = { usage: c.memUsage, limit, stats };
  }
  if (c.io !== undefined) s.blkio_stats = { io_service_bytes_recursive: c.io };
  if (c.pids !== undefined) s.pids_stats = { current: c.pids };
  if (net !== undefined) {
    const networks: NonNullable<StatsResponse['networks']> = {};
    for (const i of net) if (i.iface !== 'lo') networks[i.iface] = { rx_bytes: i.rxBytes, tx_bytes: i.txBytes };
    // Like the engine's `omitempty`: a namespace with loopback only has no networks.
    if (Object.keys(networks).length > 0) s.networks = networks;
  }
  return s;
}

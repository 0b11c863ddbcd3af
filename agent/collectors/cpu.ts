// Host CPU from the aggregate `cpu` line of /proc/stat, as `top` shows it in its %Cpu(s) line:
// shares of the CPU time that passed between two reads, 0–100 across all cores.
//   total  = user + nice + system + idle + iowait + irq + softirq + steal
//            (guest and guest_nice are left out: the kernel already counts them in user/nice)
//   cpu_pct        = 100 × (1 − Δ(idle + iowait) / Δtotal)   (steal counts as busy)
//   cpu_user_pct   = 100 × Δ(user + nice) / Δtotal
//   cpu_system_pct = 100 × Δ(system + irq + softirq) / Δtotal
//   cpu_iowait_pct, cpu_steal_pct, cpu_softirq_pct likewise (softirq is also part of system:
//   a host busy receiving packets shows it there).
// A kernel without the softirq column (before 2.6.0) reads it as 0.
// The first read yields nothing. If the counters went backwards as a whole (a reset), the step
// yields nothing. A single column stepping back while the total advances is a known kernel
// quirk (proc(5): iowait "can decrease"), so that column's delta counts as 0, as `top` does.
import type { Collector } from './collector.ts';
import { readStat, type CpuTimes } from '../procfs/stat.ts';

export interface CpuPercent {
  busy: number;
  user: number;
  system: number;
  iowait: number;
  steal: number;
  softirq: number;
}

const COUNTED = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;

/** Percentages of the CPU time between two readings, or undefined if none can be given. */
export function cpuPercent(prev: CpuTimes, cur: CpuTimes): CpuPercent | undefined {
  let rawTotal = 0;
  const d = {} as Record<(typeof COUNTED)[number], number>;
  for (const k of COUNTED) {
    rawTotal += cur[k] - prev[k];
    d[k] = Math.max(0, cur[k] - prev[k]);
  }
  if (rawTotal <= 0) return undefined;
  const total = COUNTED.reduce((s, k) => s + d[k], 0);
  const pct = (x: number) => (100 * x) / total;
  return {
    busy: Math.min(100, Math.max(0, 100 - pct(d.idle + d.iowait))),
    user: pct(d.user + d.nice),
    system: pct(d.system + d.irq + d.softirq),
    iowait: pct(d.iowait),
    steal: pct(d.steal),
    softirq: pct(d.softirq),
  };
}

export interface CpuOptions {
  /** Where procfs is mounted: `/proc`, or `/host/proc` for an agent in a container. */
  procRoot: string;
}

export function cpuCollector(opts: CpuOptions): Collector {
  let prev: CpuTimes | undefined;
  return {
    name: 'cpu',
    async collect(out) {
      const cur = (await readStat(opts.procRoot)).cpu;
      const last = prev;
      prev = cur;
      if (!last) return;
      const p = cpuPercent(last, cur);
      if (!p) return;
      out.hostMetric('cpu_pct', p.busy);
      out.hostMetric('cpu_user_pct', p.user);
      out.hostMetric('cpu_system_pct', p.system);
      out.hostMetric('cpu_iowait_pct', p.iowait);
      out.hostMetric('cpu_steal_pct', p.steal);
      out.hostMetric('cpu_softirq_pct', p.softirq);
    },
  };
}

// IPVS (Linux Virtual Server) from procfs, without ipvsadm: every virtual service and its real
// servers from /proc/net/ip_vs (labelled the way `ipvsadm -Ln` prints them), and connection,
// packet and byte rates in total (/proc/net/ip_vs_stats) and per CPU (/proc/net/ip_vs_stats_percpu).
//
// Counter width: before Linux 4.1 ("ipvs: use 64-bit rates in stats") conns and packets were
// __u32 and wrap at 2^32; bytes were always 64-bit. The text cannot tell the two apart, so the
// width comes from the kernel release (<procRoot>/sys/kernel/osrelease) unless `counterWidth`
// says otherwise, and a value above 2^32 − 1 proves 64 bits whatever the release said (backports).
// With 32-bit counters a step down is a wrap only when the unwrapped step is at most 2^30;
// a bigger drop is `ipvsadm -Z` zeroing the counters, and gives no rate for that step.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ipVsPath, readIpVs, type IpvsTable } from '../procfs/ip-vs.ts';
import { readIpVsStats, type IpvsCounters, type IpvsStats } from '../procfs/ip-vs-stats.ts';
import { readIpVsStatsPerCpu, type IpvsStatsPerCpu } from '../procfs/ip-vs-stats-percpu.ts';
import { readCpuOnline, sysRootBeside } from '../procfs/cpu-online.ts';
import type { SnapshotBuilder } from '../snapshot.ts';
import type { CollectContext, Collector } from './collector.ts';
import { SourceMissing } from '../source-missing.ts';
import { hostNetRoot } from '../procfs/procfile.ts';

/** The series this collector writes; labels 'cpu?' = none on the total, {cpu} on per-CPU rows. */
// Series names, labels and units are catalogued in protocol/metrics.ts (SERIES_METRICS).

export interface IpvsCollectorOptions {
  procRoot: string;
  /** Where `net/ip_vs*` are; default: hostNetRoot(procRoot) (the host's namespace in a container). */
  netRoot?: string;
  /** Where devices/system/cpu/online lives; default: 'sys' beside procRoot ('/host/proc' → '/host/sys'). */
  sysRoot?: string;
  /** Keep per-CPU rows 0..N−1 only, instead of the online CPUs (hosts that list phantom CPUs). */
  ipvsCpus?: number;
  /** Width of the conns and packets counters; default: 32 on kernels before 4.1, else 64. */
  counterWidth?: 32 | 64;
}

/** The biggest step across a 32-bit wrap that is believed (see the module comment). */
export const WRAP_MAX_STEP = 2 ** 30;

const FIELDS = [
  ['conns', 'ipvs_conns_per_s', true],
  ['inPackets', 'ipvs_in_packets_per_s', true],
  ['outPackets', 'ipvs_out_packets_per_s', true],
  ['inBytes', 'ipvs_in_bps', false],
  ['outBytes', 'ipvs_out_bps', false],
] as const satisfies readonly (readonly [keyof IpvsCounters, string, boolean])[];

/** 32 for kernels before 4.1, 64 after; undefined when the release string is not recognisable. */
export function counterWidthFor(release: string): 32 | 64 | undefined {
  const m = /^(\d+)\.(\d+)/.exec(release.trim());
  if (!m) return undefined;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major < 4 || (major === 4 && minor < 1) ? 32 : 64;
}

/**
 * The width to hand RateTracker for one step of a 32-bit counter: 32 when the drop from `prev`
 * to `value` is a believable wrap, undefined (a reset, or no drop at all) otherwise.
 */
export function wrapWidth(prev: number | undefined, value: number): 32 | undefined {
  if (prev === undefined || value >= prev) return undefined;
  return value + 2 ** 32 - prev <= WRAP_MAX_STEP ? 32 : undefined;
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}

async function optional<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export function emitServices(out: SnapshotBuilder, table: IpvsTable): void {
  out.seriesValue('ipvs_services', {}, table.services.length);
  for (const svc of table.services) {
    const base = { service: svc.label, scheduler: svc.scheduler };
    let active = 0;
    let inactive = 0;
    for (const rs of svc.realServers) {
      const labels = { ...base, real_server: rs.label, method: rs.method };
      out.seriesValue('ipvs_rs_active_conns', labels, rs.activeConns);
      out.seriesValue('ipvs_rs_inactive_conns', labels, rs.inactiveConns);
      out.seriesValue('ipvs_rs_weight', labels, rs.weight);
      active += rs.activeConns;
      inactive += rs.inactiveConns;
    }
    out.seriesValue('ipvs_service_active_conns', base, active);
    out.seriesValue('ipvs_service_inactive_conns', base, inactive);
    out.seriesValue('ipvs_service_real_servers', base, svc.realServers.length);
  }
}

export function ipvsCollector(opts: IpvsCollectorOptions): Collector {
  const sysRoot = opts.sysRoot ?? sysRootBeside(opts.procRoot);
  const netRoot = opts.netRoot ?? hostNetRoot(opts.procRoot);
  /** Last raw value of each 32-bit counter, to tell a wrap from a reset. */
  const last = new Map<string, number>();
  let width: 32 | 64 | undefined = opts.counterWidth;
  let widthKnown = opts.counterWidth !== undefined;

  async function detectWidth(ctx: CollectContext): Promise<void> {
    widthKnown = true;
    const file = path.join(opts.procRoot, 'sys/kernel/osrelease');
    const release = await optional(readFile(file, 'utf8'));
    width = release === undefined ? undefined : counterWidthFor(release);
    if (width === 32) {
      ctx.log.info(
        `ipvs: kernel ${release?.trim()} keeps 32-bit connection and packet counters; treating drops near 2^32 as wraps`,
      );
    }
  }

  function emitRates(
    out: SnapshotBuilder,
    ctx: CollectContext,
    key: string,
    labels: Record<string, string>,
    c: IpvsCounters,
  ): void {
    for (const [field, name, narrow] of FIELDS) {
      const v = c[field];
      const k = `ipvs:${key}:${field}`;
      let w: 32 | undefined;
      if (narrow && width === 32) {
        if (v > 0xffffffff) {
          width = 64; // only a 64-bit counter can print this; the release string misled us
        } else {
          w = wrapWidth(last.get(k), v);
          last.set(k, v);
        }
      }
      out.seriesValue(name, labels, ctx.rates.rate(k, v, ctx.mono, w));
    }
  }

  async function keptCpus(): Promise<((cpu: number) => boolean) | undefined> {
    const n = opts.ipvsCpus;
    if (n !== undefined) return (cpu) => cpu < n;
    const online = await optional(readCpuOnline(sysRoot));
    if (online === undefined) return undefined;
    const set = new Set(online);
    return (cpu) => set.has(cpu);
  }

  return {
    name: 'ipvs',
    async collect(out, ctx) {
      let table: IpvsTable;
      try {
        table = await readIpVs(netRoot);
      } catch (err) {
        if (isNotFound(err))
          throw new SourceMissing(
            `${ipVsPath(netRoot)} not found (IPVS not in this kernel, or the ip_vs module is not loaded)`,
          );
        throw err;
      }
      emitServices(out, table);
      if (!widthKnown) await detectWidth(ctx);
      const [stats, perCpu, keep] = await Promise.all([
        optional<IpvsStats>(readIpVsStats(netRoot)),
        optional<IpvsStatsPerCpu>(readIpVsStatsPerCpu(netRoot)),
        keptCpus(),
      ]);
      const totals = stats?.totals ?? perCpu?.total;
      if (totals) emitRates(out, ctx, 'total', {}, totals);
      for (const c of perCpu?.cpus ?? []) {
        if (keep && !keep(c.cpu)) continue;
        emitRates(out, ctx, `cpu${c.cpu}`, { cpu: String(c.cpu) }, c);
      }
    },
  };
}

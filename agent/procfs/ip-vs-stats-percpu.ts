// Parser for /proc/net/ip_vs_stats_percpu, IPVS counters per CPU, written by
// ip_vs_stats_percpu_show() in net/netfilter/ipvs/ip_vs_ctl.c:
//   "       Total Incoming Outgoing         Incoming         Outgoing"
//   "CPU    Conns  Packets  Packets            Bytes            Bytes"
//   "%3X %8LX %8LX %8LX %16LX %16LX"     one per *possible* CPU; the CPU number is hex too
//   "  ~ %8LX %8LX %8LX %16LX %16LX"     the sum
//   ""
//   "     Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s"
//   "    %8LX %8LX %8LX %16LX %16LX"
// As in ip_vs_stats, kernels before 4.1 print conns and packets from 32-bit counters ("%8X").
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCounterFields, type IpvsCounters } from './ip-vs-stats.ts';

export interface IpvsCpuCounters extends IpvsCounters {
  cpu: number;
}

export interface IpvsStatsPerCpu {
  cpus: IpvsCpuCounters[];
  total: IpvsCounters;
  rates?: IpvsCounters;
}

function malformed(file: string, n: number, line: string, why: string): Error {
  return new Error(`${file}: line ${n}: ${why}: "${line.slice(0, 200)}"`);
}

export function parseIpVsStatsPerCpu(text: string, file = '/proc/net/ip_vs_stats_percpu'): IpvsStatsPerCpu {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 3) throw new Error(`${file}: too short (expected two header lines, CPU rows and a total)`);
  if (!/^\s*Total\s+Incoming\s+Outgoing\s+Incoming\s+Outgoing\s*$/.test(lines[0])) {
    throw malformed(file, 1, lines[0], 'unexpected header');
  }
  if (!/^CPU\s+Conns\s+Packets\s+Packets\s+Bytes\s+Bytes\s*$/.test(lines[1].trim())) {
    throw malformed(file, 2, lines[1], 'unexpected header');
  }
  const cpus: IpvsCpuCounters[] = [];
  let total: IpvsCounters | undefined;
  let i = 2;
  for (; i < lines.length; i++) {
    const line = lines[i];
    const f = line.trim().split(/\s+/);
    if (f[0] === '~') {
      total = parseCounterFields(f.slice(1), file, i + 1, line);
      i++;
      break;
    }
    if (line.trim() === '' || !/^[0-9A-Fa-f]{1,4}$/.test(f[0])) {
      throw malformed(file, i + 1, line, 'expected a CPU row ("%3X" then 5 hex counters) or the "~" total');
    }
    const cpu = parseInt(f[0], 16);
    if (cpus.some((c) => c.cpu === cpu)) throw malformed(file, i + 1, line, `CPU ${cpu} listed twice`);
    cpus.push({ cpu, ...parseCounterFields(f.slice(1), file, i + 1, line) });
  }
  if (!total) throw new Error(`${file}: no "~" total line (file truncated?)`);
  // Then a blank line, the rate header, and the rates.
  const rateIdx = i + 2;
  const rateLine = lines[rateIdx];
  if (rateLine === undefined || rateLine.trim() === '') return { cpus, total };
  return { cpus, total, rates: parseCounterFields(rateLine.trim().split(/\s+/), file, rateIdx + 1, rateLine) };
}

export function ipVsStatsPerCpuPath(procRoot: string): string {
  return path.join(procRoot, 'net/ip_vs_stats_percpu');
}

export async function readIpVsStatsPerCpu(procRoot: string): Promise<IpvsStatsPerCpu> {
  const file = ipVsStatsPerCpuPath(procRoot);
  return parseIpVsStatsPerCpu(await readFile(file, 'utf8'), file);
}

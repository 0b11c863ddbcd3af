// Parser for /proc/net/ip_vs_stats, IPVS totals since the module loaded (or the last
// `ipvsadm -Z`), written by ip_vs_stats_show() in net/netfilter/ipvs/ip_vs_ctl.c:
//   "   Total Incoming Outgoing         Incoming         Outgoing"
//   "   Conns  Packets  Packets            Bytes            Bytes"
//   "%8LX %8LX %8LX %16LX %16LX"            conns, in packets, out packets, in bytes, out bytes
//   ""
//   " Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s"
//   "%8LX %8LX %8LX %16LX %16LX"            the kernel's own 2-second estimator
// Before Linux 4.1 the first three counters were 32-bit ("%8X" of a __u32) and wrap at 2^32;
// the text looks the same until a value needs a ninth digit, so the width cannot be read off it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface IpvsCounters {
  conns: number;
  inPackets: number;
  outPackets: number;
  inBytes: number;
  outBytes: number;
}

export interface IpvsStats {
  totals: IpvsCounters;
  /** The kernel's estimator (per second); absent if the file stops after the totals. */
  rates?: IpvsCounters;
}

const HEX_RE = /^[0-9A-Fa-f]{1,16}$/;

function malformed(file: string, n: number, line: string, why: string): Error {
  return new Error(`${file}: line ${n}: ${why}: "${line.slice(0, 200)}"`);
}

/** Hex counters up to 64 bits. Above 2^53 a JS number is approximate, which rates tolerate. */
export function parseHexCounter(s: string): number | undefined {
  return HEX_RE.test(s) ? Number(BigInt(`0x${s}`)) : undefined;
}

/** Five hex fields in the kernel's order, from already-split tokens. */
export function parseCounterFields(fields: string[], file: string, n: number, line: string): IpvsCounters {
  if (fields.length !== 5) throw malformed(file, n, line, `expected 5 hex counters, got ${fields.length}`);
  const v = fields.map(parseHexCounter);
  if (v.some((x) => x === undefined)) throw malformed(file, n, line, 'bad hex counter');
  const [conns, inPackets, outPackets, inBytes, outBytes] = v as number[];
  return { conns, inPackets, outPackets, inBytes, outBytes };
}

export function parseIpVsStats(text: string, file = '/proc/net/ip_vs_stats'): IpvsStats {
  const lines = text.split('\n');
  if (lines.length < 3 || lines[2].trim() === '') {
    throw new Error(`${file}: too short (expected two header lines and a line of totals)`);
  }
  if (!/^\s*Total\s+Incoming\s+Outgoing\s+Incoming\s+Outgoing\s*$/.test(lines[0])) {
    throw malformed(file, 1, lines[0], 'unexpected header');
  }
  if (!/^\s*Conns\s+Packets\s+Packets\s+Bytes\s+Bytes\s*$/.test(lines[1])) {
    throw malformed(file, 2, lines[1], 'unexpected header');
  }
  const totals = parseCounterFields(lines[2].trim().split(/\s+/), file, 3, lines[2]);
  // Line 4 is blank; 5 is the rate header; 6 the rates.
  const rateLine = lines[5];
  if (rateLine === undefined || rateLine.trim() === '') return { totals };
  return { totals, rates: parseCounterFields(rateLine.trim().split(/\s+/), file, 6, rateLine) };
}

export function ipVsStatsPath(procRoot: string): string {
  return path.join(procRoot, 'net/ip_vs_stats');
}

export async function readIpVsStats(procRoot: string): Promise<IpvsStats> {
  const file = ipVsStatsPath(procRoot);
  return parseIpVsStats(await readFile(file, 'utf8'), file);
}

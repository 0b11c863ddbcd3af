// Parser for /proc/net/ip_vs, the IPVS virtual service table, written by ip_vs_info_seq_show()
// in net/netfilter/ipvs/ip_vs_ctl.c:
//   "IP Virtual Server version %d.%d.%d (size=%d)"
//   "Prot LocalAddress:Port Scheduler Flags"
//   "  -> RemoteAddress:Port Forward Weight ActiveConn InActConn"
// then per service one of
//   "%s  %08X:%04X %s %s "     protocol, IPv4 address, port, scheduler, "ops " or ""
//   "%s  [%pI6]:%04X %s "      protocol, IPv6 address (full form), port, scheduler
//   "FWM  %08X %s %s"          firewall mark, scheduler, "ops " or ""
// followed by "persistent %d %08X" (timeout, netmask) or nothing, and per real server
//   "  -> %08X:%04X      %-7s %-6d %-10d %-10d"   (or "  -> [%pI6]:%04X      …")
// Addresses and ports are hex in network order as printed by ntohl/ntohs, i.e. big-endian text.
// Labels are rendered the way `ipvsadm -Ln` prints them: "TCP 10.0.0.1:80", "[2001:db8::1]:80".
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export interface IpvsEndpoint {
  family: 'inet' | 'inet6';
  /** Dotted quad, or compressed IPv6 as inet_ntop writes it. */
  address: string;
  port: number;
  /** "10.0.0.1:80" or "[2001:db8::1]:80", as ipvsadm -Ln shows it. */
  label: string;
}

export interface IpvsRealServer extends IpvsEndpoint {
  /** Forwarding method as the kernel names it: Masq, Local, Tunnel or Route. */
  method: string;
  weight: number;
  activeConns: number;
  inactiveConns: number;
}

export interface IpvsService {
  /** TCP, UDP, SCTP… or FWM for a firewall-mark service. */
  protocol: string;
  /** Absent for FWM services. */
  endpoint?: IpvsEndpoint;
  fwmark?: number;
  scheduler: string;
  /** One-packet scheduling (ipvsadm -o). */
  ops: boolean;
  /**
   * Persistence as the kernel prints it: the timeout in jiffies (ipvsadm's seconds × the
   * kernel's HZ, which /proc does not tell), and the netmask field (an IPv4 mask; for IPv6
   * the prefix length, which the kernel passes through ntohl: 0x40000000 for /64 on x86).
   * `prefix` is that prefix length, for IPv6 services.
   */
  persistent?: { timeoutJiffies: number; netmask: number; prefix?: number };
  /** "TCP 10.0.0.1:80", "UDP [2001:db8::1]:53", "FWM 1", "FWM 1 IPv6". */
  label: string;
  realServers: IpvsRealServer[];
}

export interface IpvsTable {
  version: string;
  connTableSize: number;
  services: IpvsService[];
}

const VERSION_RE = /^IP Virtual Server version (\d+\.\d+\.\d+) \(size=(\d+)\)$/;
const HEADER2 = 'Prot LocalAddress:Port Scheduler Flags';
const HEADER3 = '-> RemoteAddress:Port Forward Weight ActiveConn InActConn';
const V4_RE = /^([0-9A-Fa-f]{8}):([0-9A-Fa-f]{4})$/;
const V6_RE = /^\[([0-9A-Fa-f]{4}(?::[0-9A-Fa-f]{4}){7})\]:([0-9A-Fa-f]{4})$/;
const RS_RE = /^\s+->\s+(\S+)\s+(\S+)\s+(-?\d+)\s+(-?\d+)\s+(-?\d+)\s*$/;

/** 8 hex digits, big-endian (ntohl printed with %08X), to a dotted quad. */
export function hexToIpv4(hex: string): string {
  const n = parseInt(hex, 16);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/**
 * Eight 16-bit words to text the way glibc's inet_ntop() does, which is what ipvsadm prints:
 * lowercase, no leading zeros, the longest run of two or more zero words (the first one on a
 * tie) as "::", and IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) tails dotted.
 */
export function formatIpv6(words: readonly number[]): string {
  let bestBase = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestBase = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (bestLen < 2) bestBase = -1;
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase !== -1 && i >= bestBase && i < bestBase + bestLen) {
      if (i === bestBase) out += ':';
      continue;
    }
    if (i !== 0) out += ':';
    if (i === 6 && bestBase === 0 && (bestLen === 6 || (bestLen === 5 && words[5] === 0xffff))) {
      out += `${words[6] >>> 8}.${words[6] & 255}.${words[7] >>> 8}.${words[7] & 255}`;
      return out;
    }
    out += words[i].toString(16);
  }
  if (bestBase !== -1 && bestBase + bestLen === 8) out += ':';
  return out;
}

/** "0A000001:0050" or "[2001:0db8:…:0001]:0050" as the kernel prints it; undefined if neither. */
export function parseEndpoint(text: string): IpvsEndpoint | undefined {
  let m = V4_RE.exec(text);
  if (m) {
    const address = hexToIpv4(m[1]);
    const port = parseInt(m[2], 16);
    return { family: 'inet', address, port, label: `${address}:${port}` };
  }
  m = V6_RE.exec(text);
  if (m) {
    const address = formatIpv6(m[1].split(':').map((w) => parseInt(w, 16)));
    const port = parseInt(m[2], 16);
    return { family: 'inet6', address, port, label: `[${address}]:${port}` };
  }
  return undefined;
}

function malformed(file: string, n: number, line: string, why: string): Error {
  return new Error(`${file}: line ${n}: ${why}: "${line.slice(0, 200)}"`);
}

/** What follows the scheduler: "ops" and/or "persistent TIMEOUT NETMASK", in that order. */
function parseFlags(tokens: string[], file: string, n: number, line: string): Pick<IpvsService, 'ops' | 'persistent'> {
  let i = 0;
  let ops = false;
  let persistent: IpvsService['persistent'];
  if (tokens[i] === 'ops') {
    ops = true;
    i++;
  }
  if (tokens[i] === 'persistent') {
    const timeout = tokens[i + 1];
    const mask = tokens[i + 2];
    if (timeout === undefined || !/^\d+$/.test(timeout) || mask === undefined || !/^[0-9A-Fa-f]{1,8}$/.test(mask)) {
      throw malformed(file, n, line, 'bad persistence flags');
    }
    persistent = { timeoutJiffies: Number(timeout), netmask: parseInt(mask, 16) };
    i += 3;
  }
  if (i !== tokens.length) throw malformed(file, n, line, `unknown service flag "${tokens[i]}"`);
  return persistent ? { ops, persistent } : { ops };
}

function parseService(line: string, file: string, n: number): IpvsService {
  const t = line.trim().split(/\s+/);
  if (t.length < 3) throw malformed(file, n, line, 'service line needs protocol, address and scheduler');
  const [protocol, where, scheduler, ...rest] = t;
  const flags = parseFlags(rest, file, n, line);
  if (protocol === 'FWM') {
    if (!/^[0-9A-Fa-f]{8}$/.test(where)) throw malformed(file, n, line, 'bad firewall mark');
    const fwmark = parseInt(where, 16);
    return { protocol, fwmark, scheduler, ...flags, label: `FWM ${fwmark}`, realServers: [] };
  }
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(protocol)) throw malformed(file, n, line, 'bad protocol name');
  const endpoint = parseEndpoint(where);
  if (!endpoint) throw malformed(file, n, line, 'bad service address (want HEX:PORT or [IPv6]:PORT)');
  if (endpoint.family === 'inet6' && flags.persistent) {
    // A prefix length in a 32-bit field through ntohl: as printed on a big-endian host, byte-swapped on a little-endian one.
    const m = flags.persistent.netmask;
    flags.persistent.prefix = m <= 128 ? m : m >>> 24;
  }
  return { protocol, endpoint, scheduler, ...flags, label: `${protocol} ${endpoint.label}`, realServers: [] };
}

function parseRealServer(line: string, file: string, n: number): IpvsRealServer {
  const m = RS_RE.exec(line);
  if (!m) throw malformed(file, n, line, 'real server line needs address, method, weight, active and inactive conns');
  const endpoint = parseEndpoint(m[1]);
  if (!endpoint) throw malformed(file, n, line, 'bad real server address');
  return {
    ...endpoint,
    method: m[2],
    weight: Number(m[3]),
    activeConns: Number(m[4]),
    inactiveConns: Number(m[5]),
  };
}

export function parseIpVs(text: string, file = '/proc/net/ip_vs'): IpvsTable {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length < 3) throw new Error(`${file}: too short (${lines.length} lines; expected 3 header lines)`);
  const v = VERSION_RE.exec(lines[0].trim());
  if (!v) throw malformed(file, 1, lines[0], 'unexpected version line');
  if (lines[1].trim() !== HEADER2) throw malformed(file, 2, lines[1], 'unexpected header');
  if (lines[2].trim().replace(/\s+/g, ' ') !== HEADER3) throw malformed(file, 3, lines[2], 'unexpected header');
  const services: IpvsService[] = [];
  for (let i = 3; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    if (/^\s+->/.test(line)) {
      const svc = services[services.length - 1];
      if (!svc) throw malformed(file, i + 1, line, 'real server before any service');
      svc.realServers.push(parseRealServer(line, file, i + 1));
    } else {
      services.push(parseService(line, file, i + 1));
    }
  }
  // /proc prints an IPv6 firewall-mark service exactly like an IPv4 one; only its real servers
  // tell them apart, and since Linux 3.18 a tunnel real server may be of the other family. So a
  // service counts as IPv6 (ipvsadm -Ln writes "FWM  1 IPv6") when all its real servers are.
  for (const s of services) {
    if (s.fwmark !== undefined && s.realServers.length > 0 && s.realServers.every((r) => r.family === 'inet6'))
      s.label += ' IPv6';
  }
  // Two services /proc cannot tell apart (an IPv6 and an IPv4 one on a mark, without telling
  // real servers) keep apart by order: "FWM 2", "FWM 2 #2", so no two series share a label.
  const seen = new Map<string, number>();
  for (const s of services) {
    const n = (seen.get(s.label) ?? 0) + 1;
    seen.set(s.label, n);
    if (n > 1) s.label += ` #${n}`;
  }
  return { version: v[1], connTableSize: Number(v[2]), services };
}

export function ipVsPath(procRoot: string): string {
  return path.join(procRoot, 'net/ip_vs');
}

export async function readIpVs(procRoot: string): Promise<IpvsTable> {
  const file = ipVsPath(procRoot);
  return parseIpVs(await readFile(file, 'utf8'), file);
}

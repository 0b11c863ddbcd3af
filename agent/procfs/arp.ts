// Parser for /proc/net/arp, the IPv4 neighbour table as `arp -an` shows it, written by
// arp_seq_show() in net/ipv4/arp.c:
//   header  "IP address       HW type     Flags       HW address            Mask     Device"
//   entry   "%-16s 0x%-10x0x%-10x%-17s     *        %s"  (address, hw type, flags, lladdr, dev)
// Also the sysctl the table is measured against: net.ipv4.neigh.default.gc_thresh3, the hard
// limit past which the kernel refuses new entries ("neighbour table overflow").
import path from 'node:path';
import { readSmallFileSync } from './procfile.ts';

export const ARP_HEADER = 'IP address       HW type     Flags       HW address            Mask     Device';

/** Flag bits from include/uapi/linux/if_arp.h as arp_state_to_flags() sets them. */
export const ATF_COM = 0x02; // completed entry (hardware address known)
export const ATF_PERM = 0x04; // permanent (static) entry
export const ATF_PUBL = 0x08; // published: a proxy-ARP entry, not in the neighbour table

export interface ArpEntry {
  ip: string;
  hwType: number;
  flags: number;
  /** Empty for devices without a link-layer address. */
  hwAddress: string;
  mask: string;
  device: string;
}

const IPV4_RE = /^(?:\d{1,3}\.){3}\d{1,3}$/;
const HEX_RE = /^0x[0-9a-f]+$/i;

function malformed(file: string, n: number, line: string, why: string): Error {
  return new Error(`${file}: line ${n}: ${why}: "${line.slice(0, 200)}"`);
}

export function parseArp(text: string, file = '/proc/net/arp'): ArpEntry[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length === 0) throw new Error(`${file}: empty (expected the header line)`);
  if (lines[0].trim().replace(/\s+/g, ' ') !== ARP_HEADER.replace(/\s+/g, ' ')) {
    throw malformed(file, 1, lines[0], 'unexpected header');
  }
  const entries: ArpEntry[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const f = line.trim().split(/\s+/);
    // A device with no link-layer address (addr_len 0) prints an empty, space-padded HW address,
    // so such rows have five fields instead of six.
    if (f.length !== 6 && f.length !== 5) throw malformed(file, i + 1, line, `expected 6 fields, got ${f.length}`);
    const [ip, hwType, flags] = f;
    const hwAddress = f.length === 6 ? f[3] : '';
    const mask = f[f.length - 2];
    const device = f[f.length - 1];
    if (!IPV4_RE.test(ip)) throw malformed(file, i + 1, line, 'bad IPv4 address');
    if (!HEX_RE.test(hwType) || !HEX_RE.test(flags)) throw malformed(file, i + 1, line, 'bad hex HW type or flags');
    entries.push({ ip, hwType: parseInt(hwType, 16), flags: parseInt(flags, 16), hwAddress, mask, device });
  }
  return entries;
}

export function arpPath(procRoot: string): string {
  return path.join(procRoot, 'net/arp');
}

/**
 * A file read whole and synchronously (procfile.ts: a tenth of fs.promises' CPU); a missing one
 * throws ENOENT, as fs does.
 */
function readText(file: string): string {
  const text = readSmallFileSync(file, 'utf8');
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
  return text;
}

export async function readArp(procRoot: string): Promise<ArpEntry[]> {
  const file = arpPath(procRoot);
  return parseArp(readText(file), file);
}

export function gcThresh3Path(procRoot: string): string {
  return path.join(procRoot, 'sys/net/ipv4/neigh/default/gc_thresh3');
}

/** A single-integer sysctl file such as gc_thresh3. */
export function parseSysctlInt(text: string, file = 'sysctl'): number {
  const s = text.trim();
  if (!/^-?\d+$/.test(s)) throw new Error(`${file}: expected an integer, got "${s.slice(0, 80)}"`);
  return Number(s);
}

export async function readGcThresh3(procRoot: string): Promise<number> {
  const file = gcThresh3Path(procRoot);
  return parseSysctlInt(readText(file), file);
}

// /proc/net/dev: per-interface counters since the interface was created, two header lines then
// `  eth0: rx(8 columns) tx(8 columns)`. The name is right-aligned in 6 columns and followed by
// a colon; a long name (`br-97ebade92297:`) or an old 2.4 kernel (`eth0:1234567890`) leaves no
// space after the colon, so the line is split at the first colon (Linux forbids ':' in names).
// The file is per network namespace: /proc/net/dev is the reader's, /proc/<pid>/net/dev a
// process's, which is how an agent in a container reads the host's (pid 1 of a host /proc).
import { ProcParseError, numberedLines, parseUint, readProcFile, underRoot } from './procfile.ts';

const FILE = '/proc/net/dev';

export interface NetDevStats {
  iface: string;
  rxBytes: number;
  rxPackets: number;
  rxErrs: number;
  rxDrop: number;
  rxFifo: number;
  rxFrame: number;
  rxCompressed: number;
  rxMulticast: number;
  txBytes: number;
  txPackets: number;
  txErrs: number;
  txDrop: number;
  txFifo: number;
  txColls: number;
  txCarrier: number;
  txCompressed: number;
}

const COLUMNS = [
  'rxBytes',
  'rxPackets',
  'rxErrs',
  'rxDrop',
  'rxFifo',
  'rxFrame',
  'rxCompressed',
  'rxMulticast',
  'txBytes',
  'txPackets',
  'txErrs',
  'txDrop',
  'txFifo',
  'txColls',
  'txCarrier',
  'txCompressed',
] as const;

export function parseNetDev(text: string): NetDevStats[] {
  const lines = numberedLines(text);
  if (lines.length < 2 || !lines[0].line.startsWith('Inter-|') || !lines[1].line.includes('face |')) {
    throw new ProcParseError(FILE, 1, lines[0]?.line ?? '', 'missing the two header lines');
  }
  const out: NetDevStats[] = [];
  for (const { no, line } of lines.slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) throw new ProcParseError(FILE, no, line, 'no "name:" prefix');
    const iface = line.slice(0, colon).trim();
    if (iface === '' || /\s/.test(iface)) throw new ProcParseError(FILE, no, line, 'bad interface name');
    // Kernels before 2.6.29 print a device without statistics this way: no counters to read.
    if (line.slice(colon + 1).trim() === 'No statistics available.') continue;
    const values = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/);
    if (values.length < COLUMNS.length) {
      throw new ProcParseError(FILE, no, line, `expected ${COLUMNS.length} counters, got ${values.length}`);
    }
    const s = { iface } as NetDevStats;
    COLUMNS.forEach((col, i) => {
      const v = parseUint(values[i]);
      if (v === undefined) throw new ProcParseError(FILE, no, line, `${col} is not a counter`);
      s[col] = v;
    });
    out.push(s);
  }
  return out;
}

/** An interface's byte counters: what a container's network numbers are made of. */
export type NetDevBytes = Pick<NetDevStats, 'iface' | 'rxBytes' | 'txBytes'>;

/** A data line of the usual shape: name, colon, 16 counters; bytes received are the 1st, sent the 9th. */
const USUAL_LINE = /^\s*([^\s:]+):\s*(\d+)(?:\s+\d+){7}\s+(\d+)(?:\s+\d+){7}\s*$/;

/**
 * Each interface's bytes received and sent, as parseNetDev reads them, for the container
 * namespaces read every tick: one native regular-expression match per line instead of sixteen
 * numbers parsed one by one. A file with any line of another shape (an old kernel's, a
 * malformed one) goes through parseNetDev, which reads it or says what is wrong with it.
 */
export function parseNetDevBytes(text: string): NetDevBytes[] {
  const lines = text.split('\n');
  if (lines.length >= 2 && lines[0]!.startsWith('Inter-|') && lines[1]!.includes('face |')) {
    const out: NetDevBytes[] = [];
    let usual = true;
    for (let i = 2; i < lines.length && usual; i++) {
      const line = lines[i]!;
      if (line === '') continue;
      const m = USUAL_LINE.exec(line);
      if (m) out.push({ iface: m[1]!, rxBytes: Number(m[2]), txBytes: Number(m[3]) });
      else usual = false;
    }
    if (usual) return out;
  }
  return parseNetDev(text).map((i) => ({ iface: i.iface, rxBytes: i.rxBytes, txBytes: i.txBytes }));
}

/** Reads `<procRoot>/net/dev`, or `<procRoot>/<pid>/net/dev` for another network namespace. */
export async function readNetDev(procRoot: string, pid?: string): Promise<NetDevStats[]> {
  const rel = pid === undefined ? 'net/dev' : `${pid}/net/dev`;
  return parseNetDev(await readProcFile(underRoot(procRoot, rel)));
}

// Parser for sysfs CPU lists such as /sys/devices/system/cpu/online ("0-3,5,8-11"): which CPUs
// exist right now. IPVS prints a row for every *possible* CPU, which on virtualized hosts can be
// far more than the ones that are online; this is what lets the IPVS collector drop the extras.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const LIST_RE = /^\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*$/;

/** The kernel's cpulist format (bitmap_print_to_pagebuf with list=true), expanded and sorted. */
export function parseCpuList(text: string, file = 'cpu list'): number[] {
  const s = text.trim();
  // An empty list is legitimate (e.g. /sys/devices/system/cpu/offline with nothing offline).
  if (s === '') return [];
  if (!LIST_RE.test(s)) throw new Error(`${file}: malformed CPU list: "${s.slice(0, 80)}"`);
  const cpus = new Set<number>();
  for (const part of s.split(',')) {
    const [a, b] = part.split('-');
    const from = Number(a);
    const to = b === undefined ? from : Number(b);
    if (to < from) throw new Error(`${file}: malformed CPU list: range "${part}" goes backwards`);
    // 8192 is the largest NR_CPUS any architecture configures; more means garbage, not CPUs.
    if (to > 8191) throw new Error(`${file}: malformed CPU list: CPU ${to} is out of range`);
    for (let c = from; c <= to; c++) cpus.add(c);
  }
  return [...cpus].sort((x, y) => x - y);
}

export function cpuOnlinePath(sysRoot: string): string {
  return path.join(sysRoot, 'devices/system/cpu/online');
}

/** Online CPUs, read whole from `${sysRoot}/devices/system/cpu/online`. */
export async function readCpuOnline(sysRoot: string): Promise<number[]> {
  const file = cpuOnlinePath(sysRoot);
  return parseCpuList(await readFile(file, 'utf8'), file);
}

/**
 * The sysfs root that sits beside a procfs root: '/proc' → '/sys', '/host/proc' → '/host/sys'
 * (the usual bind mounts when the agent runs in a container). A root not named 'proc' gives '/sys'.
 */
export function sysRootBeside(procRoot: string): string {
  const norm = path.resolve(procRoot);
  return path.basename(norm) === 'proc' ? path.join(path.dirname(norm), 'sys') : '/sys';
}

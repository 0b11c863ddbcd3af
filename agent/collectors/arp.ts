// ARP table size from /proc/net/arp, per device and in total, with incomplete entries (no
// reply yet, flags 0x0) counted apart and the kernel's hard limit gc_thresh3 beside them, so a
// table filling up toward "neighbour table overflow" shows before it happens.
import { ATF_COM, ATF_PUBL, arpPath, readArp, readGcThresh3, type ArpEntry } from '../procfs/arp.ts';
import type { Collector } from './collector.ts';
import { SourceMissing } from '../source-missing.ts';
import { hostNetRoot } from '../procfs/procfile.ts';

/** The series this collector writes, for docs/metrics.md and the metric catalogue. */
// Series names, labels and units are catalogued in protocol/metrics.ts (SERIES_METRICS).

export interface ArpSummary {
  byDevice: Map<string, { entries: number; incomplete: number }>;
  entries: number;
  incomplete: number;
}

/**
 * Counts what the neighbour table holds. Proxy-ARP entries (flag ATF_PUBL) are listed in the
 * same file but live in a separate table that gc_thresh3 does not limit, so they are left out.
 */
export function summarizeArp(entries: readonly ArpEntry[]): ArpSummary {
  const byDevice = new Map<string, { entries: number; incomplete: number }>();
  let total = 0;
  let incomplete = 0;
  for (const e of entries) {
    if (e.flags & ATF_PUBL) continue;
    const d = byDevice.get(e.device) ?? { entries: 0, incomplete: 0 };
    byDevice.set(e.device, d);
    d.entries++;
    total++;
    if (!(e.flags & ATF_COM)) {
      d.incomplete++;
      incomplete++;
    }
  }
  return { byDevice, entries: total, incomplete };
}

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/** `netRoot` holds `net/arp` (default: hostNetRoot(procRoot)). */
export function arpCollector(opts: { procRoot: string; netRoot?: string }): Collector {
  const netRoot = opts.netRoot ?? hostNetRoot(opts.procRoot);
  return {
    name: 'arp',
    async collect(out) {
      let entries: ArpEntry[];
      try {
        entries = await readArp(netRoot);
      } catch (err) {
        if (isNotFound(err))
          throw new SourceMissing(`${arpPath(netRoot)} not found (no IPv4 in this network namespace?)`);
        throw err;
      }
      const s = summarizeArp(entries);
      for (const [dev, d] of s.byDevice) {
        out.seriesValue('arp_entries', { dev }, d.entries);
        out.seriesValue('arp_incomplete', { dev }, d.incomplete);
      }
      out.seriesValue('arp_entries_total', {}, s.entries);
      out.seriesValue('arp_incomplete_total', {}, s.incomplete);
      // The limit is optional context: a missing sysctl (some containers hide /proc/sys) is not an error.
      try {
        out.seriesValue('arp_gc_thresh3', {}, await readGcThresh3(opts.procRoot));
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    },
  };
}

// Host memory and swap from /proc/meminfo, matching `free` (procps-ng 4.0.x, whose "used" is
// total − available; 3.3.x printed total − free − buff/cache there):
//   mem_used_bytes      = MemTotal − MemAvailable
//   mem_available_bytes = MemAvailable
//   mem_cached_bytes    = Cached (page cache; free's buff/cache adds Buffers and SReclaimable)
//   swap_used_bytes     = SwapTotal − SwapFree
// Kernels before 3.14 have no MemAvailable; there it is estimated as MemFree + Buffers + Cached,
// the "-/+ buffers/cache" free column of the procps 3.2 era: an overestimate, since not all
// cache can be dropped, but the number users of those kernels were used to.
import type { Collector } from './collector.ts';
import { readMeminfo, type Meminfo } from '../procfs/meminfo.ts';

export interface Memory {
  total: number;
  available: number;
  used: number;
  cached: number | undefined;
  swapTotal: number | undefined;
  swapUsed: number | undefined;
}

export function memoryFromMeminfo(m: Meminfo): Memory {
  const total = m.get('MemTotal');
  if (total === undefined) throw new Error('/proc/meminfo: no MemTotal');
  let available = m.get('MemAvailable');
  if (available === undefined) {
    const free = m.get('MemFree');
    if (free === undefined) throw new Error('/proc/meminfo: neither MemAvailable nor MemFree');
    available = free + (m.get('Buffers') ?? 0) + (m.get('Cached') ?? 0);
  }
  available = Math.min(available, total);
  const swapTotal = m.get('SwapTotal');
  const swapFree = m.get('SwapFree');
  return {
    total,
    available,
    used: total - available,
    cached: m.get('Cached'),
    swapTotal,
    swapUsed: swapTotal !== undefined && swapFree !== undefined ? Math.max(0, swapTotal - swapFree) : undefined,
  };
}

export interface MemoryOptions {
  procRoot: string;
}

export function memoryCollector(opts: MemoryOptions): Collector {
  return {
    name: 'memory',
    async collect(out) {
      const mem = memoryFromMeminfo(await readMeminfo(opts.procRoot));
      out.hostMetric('mem_used_bytes', mem.used);
      out.hostMetric('mem_total_bytes', mem.total);
      out.hostMetric('mem_available_bytes', mem.available);
      out.hostMetric('mem_cached_bytes', mem.cached);
      out.hostMetric('swap_used_bytes', mem.swapUsed);
      out.hostMetric('swap_total_bytes', mem.swapTotal);
    },
  };
}

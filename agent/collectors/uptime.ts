// Host uptime (seconds since boot) from /proc/uptime. In a container with its own /proc this is
// still the host's: the kernel does not namespace uptime (time namespaces aside).
import type { Collector } from './collector.ts';
import { readUptime } from '../procfs/uptime.ts';

export interface UptimeOptions {
  procRoot: string;
}

export function uptimeCollector(opts: UptimeOptions): Collector {
  return {
    name: 'uptime',
    async collect(out) {
      out.hostMetric('uptime_seconds', (await readUptime(opts.procRoot)).uptimeSeconds);
    },
  };
}

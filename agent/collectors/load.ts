// Host load averages from /proc/loadavg, the three numbers `uptime` and `top` print.
import type { Collector } from './collector.ts';
import { readLoadavg } from '../procfs/loadavg.ts';

export interface LoadOptions {
  procRoot: string;
}

export function loadCollector(opts: LoadOptions): Collector {
  return {
    name: 'load',
    async collect(out) {
      const l = await readLoadavg(opts.procRoot);
      out.hostMetric('load1', l.load1);
      out.hostMetric('load5', l.load5);
      out.hostMetric('load15', l.load15);
    },
  };
}

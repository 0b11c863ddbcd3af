// The explicit list of collectors, in the order they are listed in logs, and the --collectors
// selection ("cpu,memory" runs only those; "-docker" runs all but docker).
import type { AgentConfig } from '../config.ts';
import type { Logger } from '../../lib/log.ts';
import type { Collector } from './collector.ts';
import { cpuCollector } from './cpu.ts';
import { memoryCollector } from './memory.ts';
import { loadCollector } from './load.ts';
import { networkCollector } from './network.ts';
import { diskCollector } from './disk.ts';
import { filesystemCollector } from './filesystem.ts';
import { uptimeCollector } from './uptime.ts';
import { dockerCollector } from './docker.ts';
import { arpCollector } from './arp.ts';
import { ipvsCollector } from './ipvs.ts';
import { pluginsCollector } from './plugins.ts';

type Factory = (config: AgentConfig, log: Logger) => Collector;

export const COLLECTORS: Record<string, Factory> = {
  cpu: (c) => cpuCollector({ procRoot: c.procRoot }),
  memory: (c) => memoryCollector({ procRoot: c.procRoot }),
  load: (c) => loadCollector({ procRoot: c.procRoot }),
  network: (c) => networkCollector({ procRoot: c.procRoot, includeIfaces: c.includeIfaces }),
  disk: (c) => diskCollector({ procRoot: c.procRoot, sysRoot: c.sysRoot }),
  filesystem: (c) => filesystemCollector({ procRoot: c.procRoot, rootfs: c.rootfs }),
  uptime: (c) => uptimeCollector({ procRoot: c.procRoot }),
  docker: (c, log) => dockerCollector({ socketPath: c.dockerSocket, concurrency: c.dockerConcurrency, log }),
  arp: (c) => arpCollector({ procRoot: c.procRoot }),
  ipvs: (c) =>
    ipvsCollector({ procRoot: c.procRoot, sysRoot: c.sysRoot, ipvsCpus: c.ipvsCpus, counterWidth: c.ipvsCounterWidth }),
  plugins: (c, log) => pluginsCollector({ plugins: c.plugins, timeoutMs: c.pluginTimeout * 1000, log }),
};

/** Names the user can give to --collectors. */
export const COLLECTOR_NAMES = Object.keys(COLLECTORS);

export function selectCollectorNames(sel: AgentConfig['collectors']): string[] {
  // Looked up in the list, not with `in`: every object has "toString" and "__proto__".
  const unknown = [...sel.enable, ...sel.disable].filter((n) => !COLLECTOR_NAMES.includes(n));
  if (unknown.length)
    throw new Error(`--collectors: unknown collector "${unknown[0]}" (known: ${COLLECTOR_NAMES.join(', ')})`);
  const base = sel.enable.length ? sel.enable : COLLECTOR_NAMES;
  return base.filter((n) => !sel.disable.includes(n));
}

export function createCollectors(config: AgentConfig, log: Logger): Collector[] {
  return selectCollectorNames(config.collectors)
    .filter((n) => n !== 'plugins' || config.plugins.length > 0)
    .map((n) => COLLECTORS[n](config, log));
}

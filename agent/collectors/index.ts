// The explicit list of collectors, built from the config (their names and the --collectors
// selection are in names.ts).
import type { AgentConfig } from '../config.ts';
import type { Logger } from '../../lib/log.ts';
import { selectCollectorNames, type CollectorName } from './names.ts';
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
import { eventsCollector, eventsPerTick } from './events.ts';
import { DockerEventFollower } from '../docker/event-follower.ts';
import { systemdCollector } from './systemd.ts';
import { sensorsCollector } from './sensors.ts';
import { smartCollector } from './smart.ts';
import { processesCollector } from './processes.ts';
import { ContainerNames } from '../docker/names.ts';

/** Sources that several collectors (or the agent itself) share, made once per agent. */
export interface SharedSources {
  /** The engine's event stream (the agent keeps where it left it across restarts). */
  dockerEvents?: DockerEventFollower;
  /** The containers the docker collector listed, named for the others. */
  containerNames?: ContainerNames;
}

type Factory = (config: AgentConfig, log: Logger, shared: SharedSources) => Collector;

export const COLLECTORS: Record<CollectorName, Factory> = {
  cpu: (c) => cpuCollector({ procRoot: c.procRoot }),
  memory: (c) => memoryCollector({ procRoot: c.procRoot }),
  load: (c) => loadCollector({ procRoot: c.procRoot }),
  network: (c) => networkCollector({ procRoot: c.procRoot, includeIfaces: c.includeIfaces }),
  disk: (c) => diskCollector({ procRoot: c.procRoot, sysRoot: c.sysRoot }),
  filesystem: (c) => filesystemCollector({ procRoot: c.procRoot, rootfs: c.rootfs }),
  uptime: (c) => uptimeCollector({ procRoot: c.procRoot }),
  docker: (c, log, shared) =>
    dockerCollector({
      socketPath: c.dockerSocket,
      concurrency: c.dockerConcurrency,
      statsMode: c.containerStats,
      procRoot: c.procRoot,
      sysRoot: c.sysRoot,
      names: shared.containerNames,
      events: shared.dockerEvents,
      log,
    }),
  processes: (c, log, shared) =>
    processesCollector({ procRoot: c.procRoot, rootfs: c.rootfs, top: c.top, names: shared.containerNames, log }),
  arp: (c) => arpCollector({ procRoot: c.procRoot }),
  ipvs: (c) =>
    ipvsCollector({ procRoot: c.procRoot, sysRoot: c.sysRoot, ipvsCpus: c.ipvsCpus, counterWidth: c.ipvsCounterWidth }),
  systemd: (c, log) => systemdCollector({ rootfs: c.rootfs, sysRoot: c.sysRoot, log }),
  sensors: (c) => sensorsCollector({ sysRoot: c.sysRoot }),
  smart: (c, log) => smartCollector({ smartctl: c.smartctl, intervalSeconds: c.smartInterval, log }),
  plugins: (c, log) => pluginsCollector({ plugins: c.plugins, timeoutMs: c.pluginTimeout * 1000, log }),
  events: (c, log, shared) =>
    eventsCollector({
      follower: shared.dockerEvents ?? new DockerEventFollower({ socketPath: c.dockerSocket, log }),
      perTick: eventsPerTick(c.interval, c.flush),
      log,
    }),
};

export function createCollectors(config: AgentConfig, log: Logger, given: SharedSources = {}): Collector[] {
  const shared: SharedSources = { ...given, containerNames: given.containerNames ?? new ContainerNames() };
  return selectCollectorNames(config.collectors)
    .filter((n) => n !== 'plugins' || config.plugins.length > 0)
    .filter((n) => n !== 'processes' || config.top > 0)
    .map((n) => COLLECTORS[n](config, log, shared));
}

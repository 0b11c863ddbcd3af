// The Docker collector: every tick, read each running container's numbers from the source
// chosen at the first tick (docker/stats-source.ts: the containers' cgroups, or the engine's
// one-shot stats calls), and emit one container sample each (agent/docker/stats.ts does the
// maths, the same for both sources). Which containers run comes from the engine's list, asked
// again only when its event stream says a container came, went or changed (container-list.ts
// decides when). The previous reading's counters are kept per container id; containers that
// left are forgotten.
import type { Collector, CollectContext } from './collector.ts';
import { SourceMissing } from '../source-missing.ts';
import type { Logger } from '../../lib/log.ts';
import type { SnapshotBuilder } from '../snapshot.ts';
import { DockerClient, type EngineInfo, type StatsResult } from '../docker/client.ts';

import { containerMetrics, isLiveReading, type Counters } from '../docker/stats.ts';
import { CgroupStatsSource } from '../docker/cgroup-source.ts';
import { chooseStatsSource, type ContainerStatsMode } from '../docker/stats-source.ts';
import { detectHierarchy } from '../cgroup/hierarchy.ts';
import { readProcFile, underRoot } from '../procfs/procfile.ts';
import { parseMeminfo } from '../procfs/meminfo.ts';
import type { ContainerNames } from '../docker/names.ts';
import { containerIdentity, containerName, type ContainerSummary } from '../docker/labels.ts';
import { ListPolicy, type ContainerChanges } from '../docker/container-list.ts';

export interface DockerCollectorOptions {
  /** Path of the engine's unix socket (see resolveDockerSocket in agent/docker/client.ts). */
  socketPath: string;
  /** Stats calls in flight at once (default DEFAULT_CONCURRENCY in docker/client.ts). */
  concurrency?: number;
  /** Deadline of one engine call in ms (default 10,000). */
  timeoutMs?: number;
  /** Container labels to send along with each sample (default none; Compose's are always used). */
  labelKeys?: readonly string[];
  /** Where container numbers come from (default auto: cgroups when readable). */
  statsMode?: ContainerStatsMode;
  /** procfs and sysfs roots, for cgroups and network namespaces (default /proc and /sys). */
  procRoot?: string;
  sysRoot?: string;
  /** Filled with the containers listed each tick, for other collectors to name them. */
  names?: ContainerNames;
  /**
   * The engine's event stream: while it is followed, the list is asked for only after an event
   * that changes it (and at each (re)connection); without it, by the fallback in ListPolicy.
   */
  events?: ContainerChanges;
  log: Logger;
}

type StatsSource = {
  statsAll(containers: readonly ContainerSummary[]): Promise<StatsResult[]>;
  close?(): void;
  /** Cgroups only: the ids of the containers whose cgroups are there, sorted, space-separated. */
  membership?(): string | undefined;
};

export function dockerCollector(opts: DockerCollectorOptions): Collector {
  const client = new DockerClient({
    socketPath: opts.socketPath,
    concurrency: opts.concurrency,
    timeoutMs: opts.timeoutMs,
  });
  const procRoot = opts.procRoot ?? '/proc';
  const sysRoot = opts.sysRoot ?? '/sys';
  const previous = new Map<string, Counters>();
  let source: StatsSource | undefined;
  let lastWarning: string | undefined;
  /** Who each listed container is, worked out once per list rather than every tick. */
  const identities = new WeakMap<ContainerSummary, ReturnType<typeof containerIdentity>>();
  const identityOf = (c: ContainerSummary) => {
    let id = identities.get(c);
    if (id === undefined) identities.set(c, (id = containerIdentity(c, opts.labelKeys)));
    return id;
  };
  const policy = new ListPolicy();
  let listed: ContainerSummary[] | undefined;
  opts.events?.subscribe(policy.subscriber);
  opts.events?.start();

  /** The engine's list: the last one while it stands (ListPolicy), else asked for anew. */
  async function containersNow(mono: number): Promise<ContainerSummary[]> {
    // The directory listing is only looked at when the events cannot tell.
    const ask = policy.ask(mono, () => source?.membership?.());
    if (ask === undefined && listed !== undefined) return listed;
    const containers = await client.listContainers();
    if (ask)
      policy.listed(
        ask,
        mono,
        containers.map((c) => c.Id),
      );
    listed = containers;
    opts.names?.set(containers.map((c) => ({ id: c.Id, name: containerName(c.Names, c.Id) })));
    return containers;
  }

  const engineSource: StatsSource = { statsAll: (cs) => client.statsAll(cs.map((c) => c.Id)) };

  /** Chosen once, at the first tick the engine answers, and logged. */
  async function choose(): Promise<StatsSource> {
    const mode = opts.statsMode ?? 'auto';
    if (mode === 'engine') {
      opts.log.info("docker: container stats from the engine's stats API (--container-stats engine)");
      return engineSource;
    }
    let info: EngineInfo = { rootless: false };
    try {
      info = await client.info();
    } catch (err) {
      if (err instanceof SourceMissing) throw err;
      // An engine without GET /info (or refusing it): the hierarchy alone decides.
    }
    const hierarchy = detectHierarchy(sysRoot);
    const choice = chooseStatsSource(mode, hierarchy, info, sysRoot);
    if (choice.kind === 'engine') {
      opts.log.info(`docker: container stats from the engine's stats API (${choice.reason})`);
      return engineSource;
    }
    if (!hierarchy) throw new SourceMissing(`container stats: ${choice.reason}`);
    const memTotal = parseMeminfo(await readProcFile(underRoot(procRoot, 'meminfo'))).get('MemTotal');
    if (memTotal === undefined) throw new Error(`${underRoot(procRoot, 'meminfo')}: no MemTotal`);
    opts.log.info(
      `docker: container stats from cgroups (${choice.reason}); the engine is asked only for the list of containers and their init processes`,
    );
    return new CgroupStatsSource({
      client,
      hierarchy,
      procRoot,
      runtime: client.engine,
      driver: info.cgroupDriver,
      memTotal,
      engineFallback: mode === 'auto',
      concurrency: opts.concurrency,
      log: opts.log,
    });
  }

  return {
    name: 'docker',

    async collect(out: SnapshotBuilder, ctx: CollectContext): Promise<void> {
      const containers = await containersNow(ctx.mono);
      source ??= await choose();
      const results = await source.statsAll(containers);
      // Answered after the tick's deadline: these readings are not of its time. The counters of
      // the last reading in time stay, so the next rates span the whole gap exactly.
      if (out.sealed) return;

      const failures: string[] = [];
      containers.forEach((c, i) => {
        const r = results[i]!;
        if ('error' in r) {
          failures.push(`${c.Id.slice(0, 12)}: ${r.error.message}`);
          return;
        }
        // Removed (404/409) or stopped (empty reading) between the list and the stats call.
        if ('gone' in r || !isLiveReading(r.stats)) {
          previous.delete(c.Id);
          return;
        }
        const { metrics, counters } = containerMetrics(r.stats, previous.get(c.Id), r.mono ?? ctx.mono, client.engine);
        previous.set(c.Id, counters);
        out.container({ ...identityOf(c), metrics });
      });

      const present = new Set(containers.map((c) => c.Id));
      for (const id of previous.keys()) if (!present.has(id)) previous.delete(id);

      if (failures.length > 0 && failures.length === containers.length) {
        // Nothing came back: let the runner report it (once per distinct error).
        throw new Error(`stats failed for all ${containers.length} containers; first: ${failures[0]}`);
      }
      const warning = failures.length
        ? `docker: stats failed for ${failures.length} of ${containers.length} containers; first: ${failures[0]}`
        : undefined;
      if (warning !== undefined && warning !== lastWarning) opts.log.warn(warning);
      lastWarning = warning;
    },

    close(): void {
      source?.close?.();
      client.close();
    },
  };
}

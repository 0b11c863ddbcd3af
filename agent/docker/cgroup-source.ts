// Container stats read from the containers' cgroups and network namespaces: the engine is
// asked once where it puts containers (GET /info, in stats-source.ts) and once per container
// for its init process (GET /containers/{id}/json); CPU, memory, block I/O, tasks and network
// come from files here. A container whose cgroup cannot be found (placed by an unknown
// layout) is read through the engine's stats call instead, or left out with --container-stats
// cgroups; either way it is logged once.
import { readdirSync } from 'node:fs';
import type { Logger } from '../../lib/log.ts';
import type { CgroupHierarchy } from '../cgroup/hierarchy.ts';
import { containerCgroupCandidates, containerIdOfCgroup, type CgroupDriver, type Runtime } from '../cgroup/layout.ts';
import {
  cgroupDir,
  cgroupExists,
  cgroupFiles,
  readCgroup,
  type CgroupFiles,
  type ReadOptions,
} from '../cgroup/read.ts';
import { readSmallFileSync, underRoot } from '../procfs/procfile.ts';
import { OpenFiles } from '../procfs/open-files.ts';
import { cgroupPathFor, parsePidCgroup } from '../procfs/pid-cgroup.ts';
import { parseNetDevBytes, type NetDevBytes } from '../procfs/net-dev.ts';
import { parseStat } from '../procfs/stat.ts';
import { hostCpu, statsFromCgroup } from './cgroup-stats.ts';
import { mapPool, type DockerClient, type StatsResult } from './client.ts';
import { containerName, type ContainerSummary } from './labels.ts';

interface Placement {
  /** The cgroup's path under the hierarchy; undefined: not found, read through the engine. */
  path?: string;
  /** Host pid of the init process, for /proc/<pid>/net/dev; undefined until known. */
  pid?: number;
  hostNet: boolean;
  /** CPU time of the last reading: a lower one is a new cgroup (the container restarted). */
  lastCpu?: number;
  /** When the engine did not say: when to ask again (monotonic seconds). */
  askAgainAt?: number;
  /** Its cgroup's files, worked out once. */
  files?: CgroupFiles;
  /** <procRoot>/<pid>/net/dev of the pid it was made for. */
  netFile?: { pid: number; path: string };
  /** The last net/dev text and its interfaces: an idle namespace's file reads the same. */
  netText?: string;
  net?: NetDevBytes[];
}

/** Seconds between asks for an init process the engine did not give. */
const ASK_AGAIN_SECONDS = 60;

export interface CgroupSourceOptions {
  client: Pick<DockerClient, 'inspect' | 'containerStats'>;
  hierarchy: CgroupHierarchy;
  procRoot: string;
  runtime: Runtime;
  driver?: CgroupDriver;
  /** MemTotal, bytes: what a container without a memory limit shows as its limit. */
  memTotal: number;
  /** Containers without a cgroup found: through the engine (true) or left out (false). */
  engineFallback: boolean;
  /** Inspect calls in flight at once (a first sweep of many containers). */
  concurrency?: number;
  log: Logger;
  /** Monotonic seconds (tests pass their own). */
  now?: () => number;
}

export class CgroupStatsSource {
  readonly kind = 'cgroups';
  private places = new Map<string, Placement>();
  /** Every container's cgroup files, kept open between ticks. */
  private files = new OpenFiles();
  private readonly now: () => number;
  /** How readCgroup reads a container's files: kept open, parsed only when they changed. */
  private readonly readOpts: ReadOptions;

  constructor(private readonly o: CgroupSourceOptions) {
    this.now = o.now ?? (() => performance.now() / 1000);
    this.readOpts = {
      readAs: (f, parse) => this.files.readAs(f, parse),
      memTotal: o.memTotal,
    };
  }

  /** Readings in the order of `containers`. */
  async statsAll(containers: readonly ContainerSummary[]): Promise<StatsResult[]> {
    const listed = new Set(containers.map((c) => c.Id));
    for (const id of this.places.keys()) if (!listed.has(id)) this.places.delete(id);
    const fresh = containers.filter((c) => !this.places.has(c.Id));
    await mapPool(fresh, this.o.concurrency ?? 16, (c) => this.place(c));

    const stat = readSmallFileSync(underRoot(this.o.procRoot, 'stat'));
    if (stat === undefined) throw new Error(`${underRoot(this.o.procRoot, 'stat')} cannot be read`);
    const parsed = parseStat(stat);
    const cpu = hostCpu(parsed.cpu, parsed.cpus.length);

    const results: StatsResult[] = new Array(containers.length);
    const viaEngine: number[] = [];
    const restarted: number[] = [];
    containers.forEach((c, i) => {
      const p = this.places.get(c.Id);
      if (p === undefined) {
        results[i] = { id: c.Id, gone: true };
        return;
      }
      if (p.path === undefined) {
        if (this.o.engineFallback) viaEngine.push(i);
        else results[i] = { id: c.Id, gone: true };
        return;
      }
      const r = this.read(c, p, cpu, true);
      if (r === 'restarted') restarted.push(i);
      else results[i] = r;
    });
    // A restarted container has a new init process: asked for again, then read.
    await mapPool(restarted, this.o.concurrency ?? 16, async (i) => {
      const c = containers[i]!;
      const p = this.places.get(c.Id)!;
      await this.askProcess(c, p);
      p.lastCpu = undefined;
      results[i] = this.read(c, p, cpu, false) as StatsResult;
    });
    await mapPool(viaEngine, this.o.concurrency ?? 16, async (i) => {
      results[i] = await this.o.client.containerStats(containers[i]!.Id);
    });
    this.files.sweep();
    return results;
  }

  close(): void {
    this.files.close();
  }

  /**
   * The containers whose cgroups are in the directories where this engine's containers live
   * (the layout's own and the parents of those placed), sorted and space-separated. A directory
   * listing or two per tick tells when the engine must be asked for its list again: while these
   * are the ids it listed, the last list stands. Undefined when a listing cannot tell: a
   * container placed where no layout puts them (read through the engine), or no such
   * directory readable; the list is then asked for every tick, as with the engine's stats.
   */
  membership(): string | undefined {
    const parentOf = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';
    const parents = new Set(containerCgroupCandidates('<id>', this.o.runtime, this.o.driver).map(parentOf));
    for (const p of this.places.values()) {
      if (p.path === undefined) return undefined;
      parents.add(parentOf(p.path));
    }
    const ids: string[] = [];
    let seen = 0;
    for (const parent of parents) {
      const dir = cgroupDir(this.o.hierarchy, parent, 'memory') ?? cgroupDir(this.o.hierarchy, parent, 'pids');
      if (dir === undefined) continue;
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      seen++;
      for (const n of names) {
        const id = containerIdOfCgroup(`/${n}`);
        if (id !== undefined) ids.push(id);
      }
    }
    return seen ? ids.sort().join(' ') : undefined;
  }

  /**
   * One container's reading, or 'restarted' when its init process must be asked for again: it
   * is gone (the container restarted: a new process, a new network namespace), its CPU time
   * went down (a new cgroup), or it was never known (asked again at most once a minute).
   */
  private read(
    c: ContainerSummary,
    p: Placement,
    cpu: ReturnType<typeof hostCpu>,
    mayAskAgain: boolean,
  ): StatsResult | 'restarted' {
    let counters;
    try {
      p.files ??= cgroupFiles(this.o.hierarchy, p.path!);
      counters = readCgroup(this.o.hierarchy, p.path!, this.readOpts, p.files);
    } catch (err) {
      return { id: c.Id, error: err as Error };
    }
    if (counters === undefined) return { id: c.Id, gone: true };
    const mono = this.now();
    if (p.pid !== undefined && p.netFile?.pid !== p.pid)
      p.netFile = { pid: p.pid, path: underRoot(this.o.procRoot, `${p.pid}/net/dev`) };
    const netFile = p.pid === undefined ? undefined : p.netFile!.path;
    const netText = p.hostNet || netFile === undefined ? undefined : readSmallFileSync(netFile);
    if (mayAskAgain && !p.hostNet) {
      const cpuDown = p.lastCpu !== undefined && counters.cpuNs !== undefined && counters.cpuNs < p.lastCpu;
      const pidGone = p.pid !== undefined && netText === undefined;
      const pidUnknown = p.pid === undefined && mono >= (p.askAgainAt ?? 0);
      if (cpuDown || pidGone || pidUnknown) return 'restarted';
    }
    let net;
    try {
      if (netText !== undefined && netText !== p.netText) {
        p.net = parseNetDevBytes(netText);
        p.netText = netText;
      }
      net = netText === undefined ? undefined : p.net;
    } catch (err) {
      return { id: c.Id, error: err as Error };
    }
    p.lastCpu = counters.cpuNs;
    return {
      id: c.Id,
      mono,
      stats: statsFromCgroup({ counters, cpu, memTotal: this.o.memTotal, net, read: new Date().toISOString() }),
    };
  }

  private async askProcess(c: ContainerSummary, p: Placement): Promise<void> {
    const proc = await this.o.client.inspect(c.Id).catch(() => undefined);
    p.pid = proc?.pid;
    if (proc?.networkMode === 'host') p.hostNet = true;
    p.askAgainAt = p.pid === undefined ? this.now() + ASK_AGAIN_SECONDS : undefined;
  }

  private async place(c: ContainerSummary): Promise<void> {
    const p: Placement = { hostNet: c.HostConfig?.NetworkMode === 'host' };
    this.places.set(c.Id, p);
    await this.askProcess(c, p);
    const tried = containerCgroupCandidates(c.Id, this.o.runtime, this.o.driver);
    p.path = tried.find((path) => cgroupExists(this.o.hierarchy, path));
    if (p.path === undefined && p.pid !== undefined) {
      // A parent of its own (--cgroup-parent) or a layout not listed: where its init process is.
      const text = readSmallFileSync(underRoot(this.o.procRoot, `${p.pid}/cgroup`));
      const own = text === undefined ? undefined : cgroupPathFor(parsePidCgroup(text), 'memory');
      // "/.." : the agent sits in a cgroup namespace below the container's; not reachable. The
      // path must name the container, so a pid reused by another process is not believed.
      const usable = own !== undefined && !own.startsWith('/..') && containerIdOfCgroup(own) === c.Id;
      if (usable && cgroupExists(this.o.hierarchy, own)) p.path = own;
      else if (own !== undefined) tried.push(own);
    }
    if (p.path === undefined) {
      // A container that stopped or went between the list and this look has no cgroup any more:
      // that is churn, not a layout this agent cannot read. The engine is asked once more to tell
      // them apart; one that went reads as gone and is placed afresh if it is listed again.
      const again = p.pid === undefined ? undefined : await this.o.client.inspect(c.Id).catch(() => undefined);
      if (again?.pid === undefined || again.pid !== p.pid) {
        this.places.delete(c.Id);
        return;
      }
      const how = this.o.engineFallback
        ? 'its stats come from the engine'
        : 'it is left out (--container-stats cgroups)';
      this.o.log.warn(
        `docker: no cgroup found for ${containerName(c.Names, c.Id)} (tried ${tried.join(', ')}); ${how}`,
      );
    }
  }
}

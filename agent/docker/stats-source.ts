// Where container numbers come from, chosen once per agent run and logged: the containers'
// cgroups (the engine then only lists containers and names their init processes) or the
// engine's stats API (one call per container per interval, each waiting for the engine's
// next one-second tick). --container-stats auto picks cgroups whenever this agent can read
// the ones the engine uses.
import type { CgroupHierarchy } from '../cgroup/hierarchy.ts';
import { describeHierarchy } from '../cgroup/hierarchy.ts';
import type { EngineInfo } from './client.ts';

export const CONTAINER_STATS_MODES = ['auto', 'cgroups', 'engine'] as const;
export type ContainerStatsMode = (typeof CONTAINER_STATS_MODES)[number];

export interface SourceChoice {
  kind: 'cgroups' | 'engine';
  /** Said in the log line: why this source. */
  reason: string;
}

/** The pure decision, from the flag, the hierarchy seen under --sys and the engine's GET /info. */
export function chooseStatsSource(
  mode: ContainerStatsMode,
  hierarchy: CgroupHierarchy | undefined,
  info: EngineInfo,
  sysRoot: string,
): SourceChoice {
  if (mode === 'engine') return { kind: 'engine', reason: '--container-stats engine' };
  const where = `${sysRoot.replace(/\/+$/, '')}/fs/cgroup`;
  const why = (reason: string): SourceChoice =>
    mode === 'cgroups'
      ? { kind: 'cgroups', reason: `--container-stats cgroups, although ${reason}` }
      : { kind: 'engine', reason };
  if (!hierarchy) return why(`no cgroup hierarchy with a memory controller under ${where}`);
  if (info.rootless) return why("the engine is rootless: its containers' processes live in its own namespaces");
  if (info.cgroupVersion !== undefined && info.cgroupVersion !== hierarchy.version)
    return why(`the engine uses cgroup v${info.cgroupVersion} but ${where} holds v${hierarchy.version}`);
  const driver = info.cgroupDriver ? `, ${info.cgroupDriver} driver` : '';
  return { kind: 'cgroups', reason: `${describeHierarchy(hierarchy)}${driver}` };
}

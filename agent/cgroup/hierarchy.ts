// Which cgroup hierarchy the host has mounted under <sys>/fs/cgroup, and where each controller
// Berth reads lives:
//   v2 (unified): one tree; <root>/cgroup.controllers lists the controllers ("cpu io memory pids").
//   v1 (legacy, and hybrid: v1 controllers plus an empty v2 tree at ./unified): a tree per
//   controller, named after it (memory, pids, blkio) or after the controllers mounted together
//   ("cpu,cpuacct", usually with cpu and cpuacct symlinks beside it).
// A v2 tree without the memory controller (hybrid's ./unified, or a root with none enabled)
// holds no numbers worth reading, so v1 wins then.
import { readdirSync } from 'node:fs';
import { readSmallFileSync } from '../procfs/procfile.ts';

export type V1Controller = 'cpuacct' | 'memory' | 'blkio' | 'pids';
const V1_CONTROLLERS: readonly V1Controller[] = ['cpuacct', 'memory', 'blkio', 'pids'];

export type CgroupHierarchy =
  { version: 2; root: string } | { version: 1; root: string; controllers: Partial<Record<V1Controller, string>> };

/**
 * The pure decision: `entries` are the names in the cgroup mount point, `controllers` the
 * contents of its cgroup.controllers (undefined when there is no such file: not a v2 root).
 */
export function pickHierarchy(
  root: string,
  entries: readonly string[],
  controllers: string | undefined,
): CgroupHierarchy | undefined {
  if (controllers !== undefined && controllers.trim().split(/\s+/).includes('memory')) return { version: 2, root };
  const found: Partial<Record<V1Controller, string>> = {};
  for (const c of V1_CONTROLLERS) {
    // The controller's own name first (a symlink to a co-mounted tree works as well), then a
    // co-mount such as "cpu,cpuacct".
    const dir = entries.includes(c) ? c : entries.find((e) => e.split(',').includes(c));
    if (dir) found[c] = `${root}/${dir}`;
  }
  return found.memory || found.cpuacct ? { version: 1, root, controllers: found } : undefined;
}

/** Looks at <sysRoot>/fs/cgroup; undefined when no cgroup hierarchy with numbers is there. */
export function detectHierarchy(sysRoot: string): CgroupHierarchy | undefined {
  const root = `${sysRoot.replace(/\/+$/, '')}/fs/cgroup`;
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return undefined;
  }
  return pickHierarchy(root, entries, readSmallFileSync(`${root}/cgroup.controllers`));
}

/** Describes a hierarchy for a log line. */
export function describeHierarchy(h: CgroupHierarchy): string {
  return h.version === 2 ? `cgroup v2 at ${h.root}` : `cgroup v1 at ${h.root}`;
}

// Where container runtimes put a container's cgroup, relative to the cgroup root (or, on
// cgroup v1, to each controller's root), and the reverse: which container a cgroup path
// belongs to (for a process's /proc/<pid>/cgroup).
//   Docker, cgroupfs driver:  /docker/<id>                      (v1 and v2; --cgroup-parent moves it)
//   Docker, systemd driver:   /system.slice/docker-<id>.scope
//   Podman, cgroupfs manager: /libpod_parent/libpod-<id>
//   Podman, systemd manager:  /machine.slice/libpod-<id>.scope  (conmon in libpod-conmon-<id>.scope)
// (containerd's CRI and CRI-O scopes are recognised in paths too: cri-containerd-<id>.scope,
// crio-<id>.scope.) A container placed elsewhere is found through its init process instead.

export type Runtime = 'docker' | 'podman';
export type CgroupDriver = 'cgroupfs' | 'systemd';

/** Paths to try for a container, most likely first. `driver` unknown: both drivers' paths. */
export function containerCgroupCandidates(id: string, runtime: Runtime, driver?: CgroupDriver): string[] {
  const byDriver: Record<CgroupDriver, string> =
    runtime === 'docker'
      ? { cgroupfs: `/docker/${id}`, systemd: `/system.slice/docker-${id}.scope` }
      : { cgroupfs: `/libpod_parent/libpod-${id}`, systemd: `/machine.slice/libpod-${id}.scope` };
  if (driver) return [byDriver[driver], byDriver[driver === 'systemd' ? 'cgroupfs' : 'systemd']];
  return [byDriver.systemd, byDriver.cgroupfs];
}

// A 64-hex id as the last part of a path, in one of the runtimes' spellings.
const CONTAINER_IN_PATH =
  /(?:^|\/)(?:docker-|libpod-(?!conmon-)|cri-containerd-|crio-(?!conmon-))?([0-9a-f]{64})(?:\.scope)?(?=\/|$)/g;

/**
 * The id of the container a cgroup path belongs to: the innermost 64-hex id in a runtime's
 * spelling (a container started inside another is the inner one). Undefined for host
 * processes, and for conmon, Podman's monitor, which runs beside its container, not in it.
 */
export function containerIdOfCgroup(path: string): string | undefined {
  let id: string | undefined;
  for (const m of path.matchAll(CONTAINER_IN_PATH)) id = m[1];
  return id;
}

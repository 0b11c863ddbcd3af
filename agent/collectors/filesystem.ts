// Host file-system usage, as `df` shows it: the mount table from mountinfo, real file systems
// only, each device once, then statfs(2) on each mount point.
//   fs_used_bytes  = (blocks − bfree) × bsize        fs_total_bytes = blocks × bsize
//   fs_avail_bytes = bavail × bsize (what non-root users may still write)
//   fs_used_pct    = used / (used + avail) × 100     (df's Use%, which it rounds up)
// Host totals fs_used_bytes / fs_total_bytes / fs_avail_bytes add up the same file systems.
//
// Whose mount table: with rootfs `/` our own (`<procRoot>/self/mountinfo`). An agent in a
// container that sees the host's / at rootfs (e.g. `-v /:/host/root:ro`) and the host's /proc at
// procRoot reads the host's init (`<procRoot>/1/mountinfo`) and statfs's rootfs + mount point;
// labels keep the host's own paths.
//
// Which file systems: not pseudo ones (proc, tmpfs, cgroup…), not images or layers (overlay,
// squashfs: always full or counted on the disk below), not network ones (nfs, cifs…: a hung
// server would block statfs, and their space is not this host's), not fuse.* (remote or views of
// other file systems; fuseblk, a local block device, stays), and nothing under /dev, /proc, /sys
// or container runtimes' private trees. Bind mounts and btrfs subvolumes share their device's
// major:minor; the one with the shortest mount point is kept.
import { statfs as nodeStatfs } from 'node:fs/promises';
import type { CollectContext, Collector } from './collector.ts';
import type { SnapshotBuilder } from '../snapshot.ts';
import { readMountinfo, type Mount } from '../procfs/mountinfo.ts';

export const DEFAULT_SKIPPED_FSTYPES: readonly string[] = [
  // Pseudo and memory-backed.
  'autofs',
  'binfmt_misc',
  'binder',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'debugfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'fusectl',
  'hugetlbfs',
  'mqueue',
  'nfsd',
  'nsfs',
  'proc',
  'pstore',
  'ramfs',
  'rpc_pipefs',
  'securityfs',
  'selinuxfs',
  'sysfs',
  'tmpfs',
  'tracefs',
  // Layers and read-only images.
  'overlay',
  'aufs',
  'shiftfs',
  'squashfs',
  'erofs',
  'iso9660',
  'fuse.*',
  // Network.
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'smbfs',
  'ceph',
  'glusterfs',
  '9p',
  'afs',
  'lustre',
];

const SKIPPED_MOUNT_POINTS =
  /^\/(?:dev|proc|sys)(?:\/|$)|^\/(?:run\/credentials|run\/docker|run\/containerd|var\/lib\/docker|var\/lib\/containers\/storage|var\/lib\/kubelet\/pods)\/./;

function globToRegExp(glob: string): RegExp {
  return new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
}

/**
 * Real file systems, one mount per device (pure). excludeFsTypes wins, then includeFsTypes, then
 * the default list; patterns may use `*` (`fuse.*`).
 */
export function selectFilesystems(
  mounts: readonly Mount[],
  includeFsTypes: readonly string[] = [],
  excludeFsTypes: readonly string[] = [],
): Mount[] {
  const inc = includeFsTypes.map(globToRegExp);
  const exc = excludeFsTypes.map(globToRegExp);
  const def = DEFAULT_SKIPPED_FSTYPES.map(globToRegExp);
  const wanted = (t: string) =>
    !exc.some((r) => r.test(t)) && (inc.some((r) => r.test(t)) || !def.some((r) => r.test(t)));
  const byDevice = new Map<string, Mount>();
  for (const m of mounts) {
    if (!wanted(m.fstype) || SKIPPED_MOUNT_POINTS.test(m.mountPoint)) continue;
    const key = `${m.major}:${m.minor}`;
    const seen = byDevice.get(key);
    const shorter =
      !seen ||
      m.mountPoint.length < seen.mountPoint.length ||
      (m.mountPoint.length === seen.mountPoint.length && m.mountPoint < seen.mountPoint);
    if (shorter) byDevice.set(key, m);
  }
  return [...byDevice.values()].sort((a, b) =>
    a.mountPoint < b.mountPoint ? -1 : a.mountPoint > b.mountPoint ? 1 : 0,
  );
}

/** The statfs(2) fields used; blocks are counted in units of bsize. */
export interface FsStat {
  bsize: number;
  blocks: number;
  bfree: number;
  bavail: number;
}

export interface FsUsage {
  used: number;
  total: number;
  avail: number;
  /** undefined when used + avail is 0, where df prints "-". */
  usedPct: number | undefined;
}

export function fsUsage(st: FsStat): FsUsage {
  const used = (st.blocks - st.bfree) * st.bsize;
  const avail = st.bavail * st.bsize;
  return {
    used,
    total: st.blocks * st.bsize,
    avail,
    usedPct: used + avail > 0 ? (100 * used) / (used + avail) : undefined,
  };
}

export interface FilesystemOptions {
  /** Where procfs is mounted: `/proc`, or `/host/proc` for an agent in a container. */
  procRoot: string;
  /** Where the host's / is visible (default `/`); prefixed to mount points for statfs. */
  rootfs?: string;
  /** Whose mount table, as a pid in procRoot: default `self` when rootfs is `/`, else `1`. */
  mountinfoPid?: string;
  /** fs types (globs) to measure although the default list skips them, e.g. `nfs4`. */
  includeFsTypes?: readonly string[];
  /** fs types (globs) to skip besides the default list; wins over includeFsTypes. */
  excludeFsTypes?: readonly string[];
  /** Give up on a statfs after this long (default 5000 ms); it is not retried while stuck. */
  statfsTimeoutMs?: number;
  /** For tests: replaces fs.promises.statfs. */
  statfs?: (path: string) => Promise<FsStat>;
}

export function filesystemCollector(opts: FilesystemOptions): Collector {
  const rootfs = (opts.rootfs ?? '/').replace(/\/+$/, '');
  const pid = opts.mountinfoPid ?? (rootfs === '' ? 'self' : '1');
  const timeoutMs = opts.statfsTimeoutMs ?? 5000;
  const statfs = opts.statfs ?? nodeStatfs;
  // A statfs on a hung mount blocks a libuv thread until it returns; never start a second one.
  const inFlight = new Set<string>();

  async function measure(path: string, ctx: CollectContext): Promise<FsStat | undefined> {
    if (inFlight.has(path)) return undefined;
    inFlight.add(path);
    const call = statfs(path)
      .then(
        (st) => ({ st }),
        (err: unknown) => ({ err }),
      )
      .finally(() => inFlight.delete(path));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const r = await Promise.race([call, timeout]);
    clearTimeout(timer);
    if (r === 'timeout') {
      ctx.log.debug(`filesystem: statfs ${path} still running after ${timeoutMs} ms`);
      return undefined;
    }
    if ('err' in r) {
      ctx.log.debug(`filesystem: statfs ${path}: ${r.err instanceof Error ? r.err.message : String(r.err)}`);
      return undefined;
    }
    return r.st;
  }

  return {
    name: 'filesystem',
    async collect(out, ctx) {
      const mounts = selectFilesystems(
        await readMountinfo(opts.procRoot, pid),
        opts.includeFsTypes,
        opts.excludeFsTypes,
      );
      const stats = await Promise.all(mounts.map((m) => measure(rootfs + m.mountPoint, ctx)));
      emitFilesystems(
        out,
        mounts.map((m, i) => ({ mount: m, stat: stats[i] })),
      );
    },
  };
}

/** Series per file system and host totals over those that answered. */
export function emitFilesystems(
  out: SnapshotBuilder,
  measured: readonly { mount: Mount; stat: FsStat | undefined }[],
): void {
  let used = 0;
  let total = 0;
  let avail = 0;
  let any = false;
  for (const { mount, stat } of measured) {
    if (!stat) continue;
    const u = fsUsage(stat);
    const labels = { mount: mount.mountPoint, device: mount.source, fstype: mount.fstype };
    out.seriesValue('fs_used_bytes', labels, u.used);
    out.seriesValue('fs_total_bytes', labels, u.total);
    out.seriesValue('fs_avail_bytes', labels, u.avail);
    out.seriesValue('fs_used_pct', labels, u.usedPct);
    used += u.used;
    total += u.total;
    avail += u.avail;
    any = true;
  }
  if (any) {
    out.hostMetric('fs_used_bytes', used);
    out.hostMetric('fs_total_bytes', total);
    out.hostMetric('fs_avail_bytes', avail);
  }
}

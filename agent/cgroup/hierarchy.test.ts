import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pickHierarchy } from './hierarchy.ts';

const R = '/sys/fs/cgroup';

test('pickHierarchy: a hybrid host (this machine: v1 controllers, an empty v2 tree at unified)', () => {
  // ls /sys/fs/cgroup here; the mount point itself is a tmpfs without cgroup.controllers.
  const entries = ['blkio', 'cpu', 'cpuacct', 'cpuset', 'devices', 'freezer', 'memory', 'pids', 'systemd', 'unified'];
  assert.deepEqual(pickHierarchy(R, entries, undefined), {
    version: 1,
    root: R,
    controllers: { cpuacct: `${R}/cpuacct`, memory: `${R}/memory`, blkio: `${R}/blkio`, pids: `${R}/pids` },
  });
});

test('pickHierarchy: v1 with co-mounted controllers and no symlinks', () => {
  const entries = ['blkio', 'cpu,cpuacct', 'memory', 'net_cls,net_prio', 'systemd'];
  const h = pickHierarchy(R, entries, undefined);
  assert.equal(h?.version, 1);
  assert.equal(h?.version === 1 && h.controllers.cpuacct, `${R}/cpu,cpuacct`);
  assert.equal(h?.version === 1 && h.controllers.pids, undefined);
});

test('pickHierarchy: v2 when the root lists the memory controller', () => {
  const entries = ['cgroup.controllers', 'cgroup.procs', 'init.scope', 'system.slice', 'user.slice'];
  assert.deepEqual(pickHierarchy(R, entries, 'cpuset cpu io memory hugetlb pids rdma misc\n'), { version: 2, root: R });
});

test('pickHierarchy: nothing to read', () => {
  // A v2 root with no controllers enabled, and an empty directory.
  assert.equal(pickHierarchy(R, ['cgroup.controllers', 'cgroup.procs'], '\n'), undefined);
  assert.equal(pickHierarchy(R, [], undefined), undefined);
});

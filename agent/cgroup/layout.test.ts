import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { containerCgroupCandidates, containerIdOfCgroup } from './layout.ts';
import { cgroupPathFor, parsePidCgroup } from '../procfs/pid-cgroup.ts';

const ID = 'ddbe6f33d679a387b9ce4c2cde1dc3539cd53fdcb9d3c9802316da6dd0cdfd82';

test('containerCgroupCandidates: each runtime and driver, the named driver first', () => {
  assert.deepEqual(containerCgroupCandidates(ID, 'docker', 'cgroupfs'), [
    `/docker/${ID}`,
    `/system.slice/docker-${ID}.scope`,
  ]);
  assert.deepEqual(containerCgroupCandidates(ID, 'docker', 'systemd')[0], `/system.slice/docker-${ID}.scope`);
  assert.deepEqual(containerCgroupCandidates(ID, 'podman', 'cgroupfs')[0], `/libpod_parent/libpod-${ID}`);
  assert.deepEqual(containerCgroupCandidates(ID, 'podman', 'systemd')[0], `/machine.slice/libpod-${ID}.scope`);
  assert.equal(containerCgroupCandidates(ID, 'podman').length, 2);
});

test('containerIdOfCgroup: every layout, and what is not a container', () => {
  const cases: [string, string | undefined][] = [
    [`/docker/${ID}`, ID],
    [`/system.slice/docker-${ID}.scope`, ID],
    [`/machine.slice/libpod-${ID}.scope`, ID],
    [`/machine.slice/libpod-${ID}.scope/container`, ID],
    [`/libpod_parent/libpod-${ID}`, ID],
    [`/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-${ID}.scope`, ID],
    [`/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/cri-containerd-${ID}.scope`, ID],
    [`/machine.slice/libpod-conmon-${ID}.scope`, undefined],
    ['/system.slice/docker.service', undefined],
    ['/', undefined],
    [`/docker/${ID.slice(0, 63)}`, undefined],
    // Docker in Docker: the inner container is the process's own.
    [`/docker/${ID}/docker/${'a'.repeat(64)}`, 'a'.repeat(64)],
  ];
  for (const [path, want] of cases) assert.equal(containerIdOfCgroup(path), want, path);
});

test("containerIdOfCgroup: a container process's /proc/<pid>/cgroup (this machine)", () => {
  const text = readFileSync(new URL('../procfs/testdata/pid-cgroup-v1-docker', import.meta.url), 'latin1');
  assert.equal(
    containerIdOfCgroup(cgroupPathFor(parsePidCgroup(text), 'memory')!),
    '8a920ad4552fe99c4052162b155e400ac1e025cb8a791d7462a1bd21389f51bb',
  );
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cgroupPathFor, parsePidCgroup } from './pid-cgroup.ts';

const fixture = (name: string) => readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'latin1');
const ID = '8a920ad4552fe99c4052162b155e400ac1e025cb8a791d7462a1bd21389f51bb';

test('parsePidCgroup: a container process on a cgroup v1 host (this machine)', () => {
  const e = parsePidCgroup(fixture('pid-cgroup-v1-docker'));
  assert.equal(e.length, 10);
  assert.deepEqual(e[0], { hierarchy: 9, controllers: ['name=systemd'], path: `/docker/${ID}` });
  assert.equal(cgroupPathFor(e, 'memory'), `/docker/${ID}`);
  assert.equal(cgroupPathFor(e, 'cpuacct'), `/docker/${ID}`);
  // The hybrid layout's empty v2 hierarchy is listed too (0::).
  assert.deepEqual(e[e.length - 1], { hierarchy: 0, controllers: [], path: `/docker/${ID}` });
  assert.equal(cgroupPathFor(parsePidCgroup(fixture('pid-cgroup-v1-host')), 'memory'), '/');
});

test('parsePidCgroup: cgroup v2 has one line; paths may hold colons', () => {
  const e = parsePidCgroup(`0::/system.slice/docker-${ID}.scope\n`);
  assert.equal(cgroupPathFor(e, 'memory'), `/system.slice/docker-${ID}.scope`);
  assert.equal(parsePidCgroup('0::/a:b.slice/x.service\n')[0]!.path, '/a:b.slice/x.service');
});

test('parsePidCgroup: malformed lines', () => {
  assert.throws(() => parsePidCgroup('0:/x\n'), /\/proc\/<pid>\/cgroup: line 1: expected "ID:CONTROLLERS:PATH"/);
  assert.throws(() => parsePidCgroup('x::/\n'), /hierarchy id is not a number/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chooseStatsSource } from './stats-source.ts';
import { engineInfoOf } from './client.ts';
import type { CgroupHierarchy } from '../cgroup/hierarchy.ts';

const info = (name: string) =>
  engineInfoOf(JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8')));
const V1: CgroupHierarchy = { version: 1, root: '/sys/fs/cgroup', controllers: { memory: '/sys/fs/cgroup/memory' } };
const V2: CgroupHierarchy = { version: 2, root: '/sys/fs/cgroup' };

test("engineInfoOf: this machine's engine and a rootless one", () => {
  assert.deepEqual(info('info-v1.41.json'), { cgroupDriver: 'cgroupfs', cgroupVersion: 1, rootless: false });
  assert.deepEqual(info('info-rootless-v2.json'), { cgroupDriver: 'systemd', cgroupVersion: 2, rootless: true });
  assert.deepEqual(engineInfoOf(null), { rootless: false });
});

test('chooseStatsSource: cgroups when readable, the engine otherwise, and why', () => {
  const local = info('info-v1.41.json');
  const cases: [Parameters<typeof chooseStatsSource>, string, RegExp][] = [
    [['auto', V1, local, '/sys'], 'cgroups', /^cgroup v1 at \/sys\/fs\/cgroup, cgroupfs driver$/],
    [['auto', V2, { rootless: false }, '/sys'], 'cgroups', /^cgroup v2 at \/sys\/fs\/cgroup$/],
    [['engine', V1, local, '/sys'], 'engine', /--container-stats engine/],
    [
      ['auto', undefined, local, '/host/sys'],
      'engine',
      /no cgroup hierarchy with a memory controller under \/host\/sys\/fs\/cgroup/,
    ],
    [['auto', V2, info('info-rootless-v2.json'), '/sys'], 'engine', /rootless/],
    // The agent sees another hierarchy than the engine's (its own /sys in a container).
    [
      ['auto', V1, { rootless: false, cgroupVersion: 2 }, '/sys'],
      'engine',
      /engine uses cgroup v2 but \/sys\/fs\/cgroup holds v1/,
    ],
    // Forced: cgroups anyway, the reason said.
    [
      ['cgroups', V2, info('info-rootless-v2.json'), '/sys'],
      'cgroups',
      /--container-stats cgroups, although the engine is rootless/,
    ],
  ];
  for (const [args, kind, reason] of cases) {
    const got = chooseStatsSource(...args);
    assert.equal(got.kind, kind, JSON.stringify(args.slice(0, 1)));
    assert.match(got.reason, reason);
  }
});

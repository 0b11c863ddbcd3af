// Containers read from their cgroups: against the engine's own answers captured on this
// machine between two copies of the files, and in every layout Docker and Podman use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CgroupStatsSource, type CgroupSourceOptions } from './cgroup-source.ts';
import { detectHierarchy } from '../cgroup/hierarchy.ts';
import { containerMetrics, type StatsResponse } from './stats.ts';
import { containerProcessOf, type StatsResult } from './client.ts';
import type { ContainerSummary } from './labels.ts';
import { memoryLogger } from '../../lib/log.ts';

const dir = (name: string) => fileURLToPath(new URL(`./testdata/${name}`, import.meta.url));
const json = (name: string): unknown => JSON.parse(readFileSync(`${dir(name)}`, 'utf8'));

const LIM = 'ddbe6f33d679a387b9ce4c2cde1dc3539cd53fdcb9d3c9802316da6dd0cdfd82';
const NET = '18178c5794670b5964d2be10bb741d2b705d6d7fdc147ec153e9dbe102112347';

/** The engine's side as recorded: inspect answers by id; stats calls are counted, not expected. */
function recordedEngine(inspects: Record<string, unknown>) {
  const calls: string[] = [];
  const client: CgroupSourceOptions['client'] = {
    inspect: async (id) => {
      calls.push(`inspect ${id.slice(0, 6)}`);
      return containerProcessOf(inspects[id]);
    },
    containerStats: async (id) => {
      calls.push(`stats ${id.slice(0, 6)}`);
      return { id, error: new Error('the engine should not be asked') };
    },
  };
  return { client, calls };
}

function source(root: string, client: CgroupSourceOptions['client'], extra: Partial<CgroupSourceOptions> = {}) {
  const log = memoryLogger();
  const s = new CgroupStatsSource({
    client,
    hierarchy: detectHierarchy(`${root}/sys`)!,
    procRoot: `${root}/proc`,
    runtime: 'docker',
    driver: 'cgroupfs',
    memTotal: 24 * 2 ** 30,
    engineFallback: true,
    log,
    now: () => 100,
    ...extra,
  });
  return { s, log };
}

const statsOf = (r: StatsResult): StatsResponse => {
  assert.ok('stats' in r, JSON.stringify(r));
  return r.stats;
};

test("cgroup readings agree with the engine's stats answer taken between them (this machine)", async () => {
  const base = dir('cgroup-v1-cgroupfs');
  const list = json('cgroup-v1-cgroupfs/engine/containers.json') as ContainerSummary[];
  const engine: Record<string, StatsResponse> = {
    [LIM]: json('cgroup-v1-cgroupfs/engine/stats-lim.json') as StatsResponse,
    [NET]: json('cgroup-v1-cgroupfs/engine/stats-net.json') as StatsResponse,
  };
  const inspects = {
    [LIM]: json('cgroup-v1-cgroupfs/engine/inspect-lim.json'),
    [NET]: json('cgroup-v1-cgroupfs/engine/inspect-net.json'),
  };
  const memTotal = 24 * 2 ** 30;
  const read = async (phase: string) => {
    const { client, calls } = recordedEngine(inspects);
    const { s } = source(`${base}/${phase}`, client, { memTotal });
    const results = await s.statsAll(list);
    assert.deepEqual(calls.sort(), [`inspect ${NET.slice(0, 6)}`, `inspect ${LIM.slice(0, 6)}`], 'only inspects');
    return new Map(results.map((r) => [r.id, statsOf(r)]));
  };
  const before = await read('before');
  const after = await read('after');
  for (const id of [LIM, NET]) {
    const [b, e, a] = [before.get(id)!, engine[id], after.get(id)!];
    const between = (what: string, get: (s: StatsResponse) => number | undefined) => {
      const [x, y, z] = [get(b)!, get(e)!, get(a)!];
      assert.ok(x <= y && y <= z, `${id.slice(0, 6)} ${what}: ${x} <= ${y} <= ${z}`);
    };
    between('cpu total_usage', (s) => s.cpu_stats?.cpu_usage?.total_usage);
    between('system_cpu_usage', (s) => s.cpu_stats?.system_cpu_usage);
    between('rx_bytes', (s) => s.networks?.eth0?.rx_bytes);
    between('tx_bytes', (s) => s.networks?.eth0?.tx_bytes);
    assert.equal(b.cpu_stats?.online_cpus, e.cpu_stats?.online_cpus);
    assert.deepEqual(Object.keys(b.networks!), Object.keys(e.networks!), 'interfaces: eth0, not lo');
  }
  // The limited container holds still: its gauges are the engine's, to the byte.
  const [b, e] = [before.get(LIM)!, engine[LIM]];
  assert.equal(b.memory_stats?.usage, e.memory_stats?.usage);
  assert.equal(b.memory_stats?.limit, 64 * 2 ** 20);
  assert.equal(b.memory_stats?.limit, e.memory_stats?.limit);
  assert.equal(b.memory_stats?.stats?.total_inactive_file, e.memory_stats?.stats?.total_inactive_file);
  assert.equal(b.pids_stats?.current, e.pids_stats?.current);
  assert.deepEqual(b.blkio_stats?.io_service_bytes_recursive, e.blkio_stats?.io_service_bytes_recursive);
  // So are the numbers `docker stats` prints from them.
  const m = (s: StatsResponse) => containerMetrics(s, undefined, 0).metrics;
  assert.deepEqual(m(b), m(e));
  // Without a limit the engine shows the machine's memory; so does the cgroup reading.
  assert.equal(before.get(NET)!.memory_stats?.limit, memTotal);
});

const C = 'c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789';
const summary: ContainerSummary = { Id: C, Names: ['/app'], HostConfig: { NetworkMode: 'bridge' } };
const inspect = { State: { Pid: 4242, Running: true }, HostConfig: { NetworkMode: 'bridge' } };

test('every layout: Docker and Podman, both drivers, both versions, a parent of its own', async () => {
  const cases: [string, 'docker' | 'podman', 'cgroupfs' | 'systemd' | undefined][] = [
    ['cgroup-v1-systemd', 'docker', 'systemd'],
    ['cgroup-v2-systemd', 'docker', 'systemd'],
    ['cgroup-v2-cgroupfs', 'docker', 'cgroupfs'],
    ['cgroup-v2-podman-systemd', 'podman', undefined],
    ['cgroup-v1-podman-cgroupfs', 'podman', 'cgroupfs'],
    ['cgroup-v2-custom-parent', 'docker', 'cgroupfs'],
  ];
  for (const [tree, runtime, driver] of cases) {
    const { client, calls } = recordedEngine({ [C]: inspect });
    const { s, log } = source(dir(tree), client, { runtime, driver, memTotal: 16303428 * 1024 });
    const [r] = await s.statsAll([summary]);
    const stats = statsOf(r!);
    assert.deepEqual(calls, [`inspect c0ffee`], tree);
    assert.deepEqual(log.lines, [], tree);
    const v2 = tree.startsWith('cgroup-v2');
    // cpu.stat usage_usec 8992210 (v2), cpuacct.usage 8992210000 ns (v1): the same CPU time.
    assert.equal(stats.cpu_stats?.cpu_usage?.total_usage, 8992210000, tree);
    // /proc/stat: (user … softirq) × 10^9 / 100, 4 CPUs.
    assert.equal(stats.cpu_stats?.system_cpu_usage, (10132153 + 290696 + 3084719 + 46828483 + 16683 + 0 + 25195) * 1e7);
    assert.equal(stats.cpu_stats?.online_cpus, 4);
    assert.deepEqual(stats.networks, { eth0: { rx_bytes: 5123456, tx_bytes: 812345 } }, tree);
    assert.equal(stats.pids_stats?.current, 7);
    // Its cgroup's directory holds it (and Podman's conmon beside it is no container).
    assert.equal(s.membership(), C, tree);
    const { metrics } = containerMetrics(stats, undefined, 0);
    if (v2) {
      // memory.current − inactive_file, limited by memory.max.
      assert.equal(metrics.mem_bytes, 139350016 - 51507200, tree);
      assert.equal(metrics.mem_limit_bytes, 268435456, tree);
      assert.deepEqual(
        stats.blkio_stats?.io_service_bytes_recursive?.map((e) => `${e.major}:${e.minor} ${e.op} ${e.value}`),
        ['8:0 read 90430464', '8:0 write 299008000', '259:0 read 1459200', '259:0 write 314773504'],
      );
    } else {
      // memory.usage_in_bytes − total_inactive_file; no limit: the machine's memory.
      assert.equal(metrics.mem_bytes, 22433792 - 1048576, tree);
      assert.equal(metrics.mem_limit_bytes, 16303428 * 1024, tree);
      assert.equal(stats.blkio_stats?.io_service_bytes_recursive?.length, 6);
    }
  }
});

test('a container whose cgroup is nowhere to be found: the engine reads it (auto), or it is left out', async () => {
  for (const fallback of [true, false]) {
    const { client, calls } = recordedEngine({ [C]: { State: { Pid: 999999, Running: true } } });
    const { s, log } = source(dir('cgroup-v2-cgroupfs'), client, { runtime: 'podman', engineFallback: fallback });
    // Podman's layouts: not where this Docker tree keeps it, and pid 999999 has no /proc entry.
    const [r] = await s.statsAll([summary]);
    if (fallback) {
      // Asked twice: a container still running with the same process is a layout problem.
      assert.deepEqual(calls, ['inspect c0ffee', 'inspect c0ffee', 'stats c0ffee']);
      assert.ok('error' in r!);
    } else {
      assert.deepEqual(calls, ['inspect c0ffee', 'inspect c0ffee']);
      assert.deepEqual(r, { id: C, gone: true });
    }
    assert.equal(log.lines.length, 1);
    assert.match(
      log.lines[0]!,
      /no cgroup found for app \(tried \/libpod_parent\/libpod-c0ffee.*, \/machine.slice\/libpod-c0ffee.*\); /,
    );
    // Logged once, not every tick.
    await s.statsAll([summary]);
    assert.equal(log.lines.length, 1);
    // No directory listing can tell when it stops: the engine's list is asked for every tick.
    assert.equal(s.membership(), undefined);
  }
});

test('a container that goes while it is placed reads as gone, without a warning, and is placed again if listed', async () => {
  const inspects: Record<string, unknown> = { [C]: { State: { Pid: 999999, Running: true } } };
  const { client, calls } = recordedEngine(inspects);
  const { s, log } = source(dir('cgroup-v2-cgroupfs'), client, { runtime: 'podman' });
  // Its first inspect saw it running; by the second (no cgroup found) it has been removed.
  const inspect = client.inspect;
  client.inspect = async (id) => {
    const r = await inspect(id);
    delete inspects[id];
    return r;
  };
  assert.deepEqual(await s.statsAll([summary]), [{ id: C, gone: true }]);
  assert.deepEqual(calls, ['inspect c0ffee', 'inspect c0ffee']);
  assert.deepEqual(log.lines, []);
  // Listed again (the engine's list lagged): looked at afresh, still quietly gone.
  assert.deepEqual(await s.statsAll([summary]), [{ id: C, gone: true }]);
  assert.deepEqual(calls, ['inspect c0ffee', 'inspect c0ffee', 'inspect c0ffee']);
  assert.deepEqual(log.lines, []);
});

test('host networking: no network numbers (the engine gives none either); gone containers', async () => {
  const { client } = recordedEngine({ [C]: { ...inspect, HostConfig: { NetworkMode: 'host' } } });
  const { s } = source(dir('cgroup-v2-cgroupfs'), client);
  const [r] = await s.statsAll([{ ...summary, HostConfig: { NetworkMode: 'host' } }]);
  assert.equal(statsOf(r!).networks, undefined);
});

test("a pid that belongs to another container's cgroup is not believed", async () => {
  const other = 'f'.repeat(64);
  const { client } = recordedEngine({ [other]: inspect });
  const { s, log } = source(dir('cgroup-v2-custom-parent'), client, { engineFallback: false });
  assert.deepEqual(await s.statsAll([{ Id: other }]), [{ id: other, gone: true }]);
  assert.match(log.lines.join('\n'), /no cgroup found for ffffffffffff/);
});

test('a container that stops between the list and the read is gone; a restart asks for its new process', async () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'berth-cgroup-'));
  cpSync(dir('cgroup-v2-cgroupfs'), tmp, { recursive: true });
  const pid = { State: { Pid: 4242, Running: true } };
  const { client, calls } = recordedEngine({ [C]: pid });
  const { s } = source(tmp, client);
  assert.ok('stats' in (await s.statsAll([summary]))[0]!);
  // Restarted: a new init process (4343), its old one gone, the counters of a new cgroup.
  renameSync(`${tmp}/proc/4242`, `${tmp}/proc/4343`);
  pid.State.Pid = 4343;
  writeFileSync(`${tmp}/sys/fs/cgroup/docker/${C}/cpu.stat`, 'usage_usec 1000\n');
  const [r] = await s.statsAll([summary]);
  assert.deepEqual(calls, ['inspect c0ffee', 'inspect c0ffee']);
  assert.equal(statsOf(r!).networks?.eth0?.rx_bytes, 5123456, "read in the new process's namespace");
  assert.equal(statsOf(r!).cpu_stats?.cpu_usage?.total_usage, 1_000_000);
  // Stopped: its cgroup removed. (A removed cgroup's open files answer ENODEV, which a copy on
  // disk cannot: a source that has not read it yet stands in.)
  rmSync(`${tmp}/sys/fs/cgroup/docker/${C}`, { recursive: true });
  const { s: later } = source(tmp, client, { engineFallback: false });
  assert.deepEqual(await later.statsAll([summary]), [{ id: C, gone: true }]);
  s.close();
  later.close();
  rmSync(tmp, { recursive: true });
});

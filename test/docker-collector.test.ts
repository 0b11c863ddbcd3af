// The Docker collector against the real engine: a container burning one core and one sleeping,
// read twice about two seconds apart, must come out as `docker stats` would show them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerCollector } from '../agent/collectors/docker.ts';
import { resolveDockerSocket } from '../agent/docker/client.ts';
import { RELIST_ON } from '../agent/docker/container-list.ts';
import { DockerEventFollower } from '../agent/docker/event-follower.ts';
import { RateTracker } from '../agent/rates.ts';
import { SnapshotBuilder } from '../agent/snapshot.ts';
import { memoryLogger } from '../lib/log.ts';
import type { ContainerSample } from '../protocol/batch.ts';
import {
  createNetwork,
  engineProxy,
  removeContainers,
  removeNetwork,
  requireDocker,
  runContainer,
  TEST_IMAGE,
  TEST_PREFIX,
} from './support/docker.ts';

const BURNER = `${TEST_PREFIX}burner`;
const SLEEPER = `${TEST_PREFIX}sleeper`;
const NET = `${TEST_PREFIX}collector`;

test('docker collector on a real engine: burner ≈ one core, sleeper ≈ idle', { timeout: 120_000 }, async (t) => {
  if (!(await requireDocker(t))) return;
  t.after(async () => {
    await removeContainers([BURNER, SLEEPER]);
    await removeNetwork(NET);
  });
  await createNetwork(NET);
  const burnerId = await runContainer({ name: BURNER, cmd: ['sh', '-c', 'yes > /dev/null'], network: NET });
  const sleeperId = await runContainer({ name: SLEEPER, cmd: ['sleep', '3600'], network: NET, memory: '64m' });

  const log = memoryLogger();
  const collector = dockerCollector({ socketPath: resolveDockerSocket(undefined), log });
  t.after(() => collector.close?.());

  const sweep = async (): Promise<{ ms: number; byName: Map<string, ContainerSample>; count: number }> => {
    const out = new SnapshotBuilder(Math.floor(Date.now() / 1000));
    const started = performance.now();
    await collector.collect(out, { mono: performance.now() / 1000, rates: new RateTracker(), log });
    const ms = performance.now() - started;
    return { ms, byName: new Map(out.containers.map((c) => [c.name, c])), count: out.containers.length };
  };

  const first = await sweep();
  assert.ok(first.byName.has(BURNER) && first.byName.has(SLEEPER), `saw ${[...first.byName.keys()].join(', ')}`);
  assert.equal(first.byName.get(BURNER)!.metrics.cpu_pct, undefined, 'no cpu on first sight');
  // The machine is shared and noisy: a reading taken while a neighbour hogs the CPUs may show
  // the burner starved, so up to three 2-second windows are tried. A wrong formula is wrong
  // every time and still fails.
  let second = first;
  const seen: string[] = [];
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt > 0) await sweep();
    await new Promise((r) => setTimeout(r, 2000));
    second = await sweep();
    const cpu = second.byName.get(BURNER)?.metrics.cpu_pct;
    seen.push(cpu === undefined ? 'none' : cpu.toFixed(1));
    if (cpu !== undefined && cpu >= 70 && cpu <= 130) break;
  }
  t.diagnostic(`burner cpu_pct per window: ${seen.join(', ')}`);

  const burner = second.byName.get(BURNER)!;
  const sleeper = second.byName.get(SLEEPER)!;
  assert.equal(burner.id, burnerId);
  assert.equal(sleeper.id, sleeperId);
  assert.equal(burner.image, TEST_IMAGE);
  assert.equal(burner.state, 'running');

  const burnerCpu = burner.metrics.cpu_pct!;
  const sleeperCpu = sleeper.metrics.cpu_pct!;
  assert.ok(burnerCpu >= 70 && burnerCpu <= 130, `burner cpu_pct ${burnerCpu}`);
  assert.ok(sleeperCpu >= 0 && sleeperCpu < 5, `sleeper cpu_pct ${sleeperCpu}`);

  assert.equal(sleeper.metrics.mem_limit_bytes, 64 * 1024 * 1024);
  assert.ok(
    sleeper.metrics.mem_bytes! > 0 && sleeper.metrics.mem_bytes! < 16 * 1024 * 1024,
    `sleeper mem ${sleeper.metrics.mem_bytes}`,
  );
  assert.equal(sleeper.metrics.pids, 1);
  for (const k of ['net_rx_bps', 'net_tx_bps', 'blk_read_bps', 'blk_write_bps'] as const) {
    assert.ok(sleeper.metrics[k]! >= 0, `${k} = ${sleeper.metrics[k]}`);
  }
  // Nothing went wrong, and where container stats come from is said once.
  assert.deepEqual(
    log.lines.filter((l) => !l.startsWith('info ')),
    [],
  );
  assert.equal(
    log.lines.filter((l) => l.startsWith('info docker: container stats from')).length,
    1,
    log.lines.join('\n'),
  );

  t.diagnostic(
    `burner ${burnerCpu.toFixed(1)} %, sleeper ${sleeperCpu.toFixed(2)} %; ` +
      `sweep of ${second.count} containers: ${first.ms.toFixed(0)} ms (first, with version negotiation), ${second.ms.toFixed(0)} ms`,
  );
});

test(
  'with the event stream, a container that starts or goes is seen without a list call per tick',
  { timeout: 120_000 },
  async (t) => {
    if (!(await requireDocker(t))) return;
    const NEWCOMER = `${TEST_PREFIX}newcomer`;
    t.after(() => removeContainers([NEWCOMER]));
    // Every request the collector and its event stream make, counted on the way to the engine.
    const proxy = await engineProxy(resolveDockerSocket(undefined));
    const log = memoryLogger();
    const events = new DockerEventFollower({ socketPath: proxy.socketPath, log });
    // The engine's stats path: it has no cgroup directory to watch, so without events it lists
    // every tick (with cgroups a directory listing also spares most list calls).
    const collector = dockerCollector({ socketPath: proxy.socketPath, events, statsMode: 'engine', log });
    t.after(async () => {
      await collector.close?.();
      events.stop();
      await proxy.close();
    });
    // The engine is shared: others' containers coming and going are events that rightly bring a
    // list call. Those are counted, so what is asserted is "no list without a reason".
    let reasons = 0;
    events.subscribe({ event: (e) => void (RELIST_ON.has(e.type) && reasons++), connected: () => void reasons++ });
    const lists = () => proxy.requests.filter((p) => /^\/v[\d.]+\/containers\/json$/.test(p)).length;
    const tick = async () => {
      const out = new SnapshotBuilder(Math.floor(Date.now() / 1000));
      await collector.collect(out, { mono: performance.now() / 1000, rates: new RateTracker(), log });
      return new Set(out.containers.map((c) => c.name));
    };
    const until = async (what: string, ok: (names: Set<string>) => boolean) => {
      for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 250)))
        if (ok(await tick())) return;
      assert.fail(`${what} within 60 s`);
    };
    const quiet = async (label: string) => {
      const [l0, r0] = [lists(), reasons];
      for (let i = 0; i < 8; i++) {
        await tick();
        await new Promise((r) => setTimeout(r, 100));
      }
      const [l, r] = [lists() - l0, reasons - r0];
      t.diagnostic(`${label}: 4 ticks, ${l} list calls, ${r} events that change the list`);
      assert.ok(l <= r, `${label}: ${l} list calls for ${r} reasons in 4 ticks`);
    };

    for (const end = Date.now() + 30_000; !events.connected && Date.now() < end;)
      await new Promise((r) => setTimeout(r, 100));
    assert.ok(events.connected, 'the event stream opened');
    await tick();
    await tick();
    await quiet('nothing happening');

    await runContainer({ name: NEWCOMER, cmd: ['sleep', '3600'] });
    await until(`${NEWCOMER} seen`, (names) => names.has(NEWCOMER));
    await quiet('after the start');
    await removeContainers([NEWCOMER]);
    await until(`${NEWCOMER} gone`, (names) => !names.has(NEWCOMER));
    await quiet('after the removal');
    assert.deepEqual(
      log.lines.filter((l) => !l.startsWith('info ') && !l.startsWith('debug ')),
      [],
    );
  },
);

// The Docker collector against a mock engine replaying two sweeps recorded from a real engine
// (Docker 20.10, API 1.41, cgroup v1): three containers, read twice about three seconds apart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { dockerCollector } from './docker.ts';
import { LIST_EVERY_SECONDS } from '../docker/container-list.ts';
import type { EventSubscriber } from '../docker/event-follower.ts';
import type { ContainerEvent } from '../../protocol/batch.ts';
import { CollectorRunner, type CollectContext } from './collector.ts';
import { RateTracker } from '../rates.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import { memoryLogger } from '../../lib/log.ts';
import { mockEngine, type MockAnswer } from '../../test/support/docker.ts';
import type { ContainerSample } from '../../protocol/batch.ts';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../docker/testdata/${name}`, import.meta.url), 'utf8'));

const IDS = {
  busy: '15217165ed43945c35e11d0c0a76c550fee6db499282aeba2fba11074feb271c', // shop-web-1
  client: '827595fa4ba1e5e5d6f7e136450ae7e2c16c2a4715afeacbbee23152e001be96', // shop-client-1
  limited: '75c70ec71ceec09abdb867d5136bad2d455f341801d70447c74d608879107065', // idle-sleeper
};

/** A replaying engine: `sweep` picks which recorded reading stats calls get; `absent` are 404. */
function replay(state: { sweep: number; absent: Set<string>; listed?: Set<string> }) {
  return (path: string): MockAnswer => {
    if (path === '/version') return { body: fixture('version-v1.41.json') };
    if (path === '/v1.41/containers/json') {
      const all = fixture('containers-v1.41.json') as { Id: string }[];
      return { body: state.listed ? all.filter((c) => state.listed!.has(c.Id)) : all };
    }
    for (const [kind, id] of Object.entries(IDS)) {
      if (path.startsWith(`/v1.41/containers/${id}/stats?stream=false&one-shot=true`)) {
        if (state.absent.has(id)) return { status: 404, body: fixture('error-404-no-such-container.json') };
        return { body: fixture(`stats-v1-${kind}-${state.sweep}.json`) };
      }
    }
    return { status: 404, body: { message: 'page not found' } };
  };
}

async function tick(c: ReturnType<typeof dockerCollector>, mono: number): Promise<Map<string, ContainerSample>> {
  const out = new SnapshotBuilder(1_795_314_366);
  const ctx: CollectContext = { mono, rates: new RateTracker(), log: memoryLogger() };
  await c.collect(out, ctx);
  return new Map(out.containers.map((s) => [s.name, s]));
}

test('two sweeps: identity, gauges first, then cpu and rates as docker stats computes them', async (t) => {
  const state = { sweep: 1, absent: new Set<string>() };
  const mock = await mockEngine(replay(state));
  const c = dockerCollector({ socketPath: mock.socketPath, statsMode: 'engine', log: memoryLogger() });
  t.after(async () => {
    await c.close?.();
    await mock.close();
  });

  const first = await tick(c, 1000);
  assert.deepEqual([...first.keys()].sort(), ['idle-sleeper', 'shop-client-1', 'shop-web-1']);
  const web1 = first.get('shop-web-1')!;
  assert.deepEqual(
    { ...web1, metrics: undefined },
    {
      id: IDS.busy,
      name: 'shop-web-1',
      image: 'berth-busybox',
      state: 'running',
      compose_project: 'shop',
      compose_service: 'web',
      metrics: undefined,
    },
  );
  assert.deepEqual(
    Object.keys(web1.metrics).sort(),
    ['mem_bytes', 'mem_limit_bytes', 'mem_pct', 'pids'],
    'no rates on first sight',
  );

  state.sweep = 2;
  const second = await tick(c, 1003);
  const web = second.get('shop-web-1')!.metrics;
  // (145915082183 − 142846231287) / (864190000000 − 858070000000) × 2 × 100
  assert.ok(Math.abs(web.cpu_pct! - 100.2892449673) < 1e-6, String(web.cpu_pct));
  assert.ok(Math.abs(web.net_tx_bps! / (63027267 / 3.087092678) - 1) < 1e-6, String(web.net_tx_bps)); // by the engine's read times
  const sleeper = second.get('idle-sleeper')!.metrics;
  assert.equal(sleeper.cpu_pct, 0);
  assert.equal(sleeper.mem_bytes, 561152); // what `docker stats` showed: 548KiB / 64MiB
  assert.equal(second.get('shop-client-1')!.compose_service, 'client');
});

test('containers that vanish are skipped quietly and forgotten; their return starts afresh', async (t) => {
  const state = { sweep: 1, absent: new Set<string>(), listed: undefined as Set<string> | undefined };
  const mock = await mockEngine(replay(state));
  const log = memoryLogger();
  const c = dockerCollector({ socketPath: mock.socketPath, statsMode: 'engine', log });
  t.after(async () => {
    await c.close?.();
    await mock.close();
  });

  await tick(c, 1000);
  // shop-web-1 is removed between the list and its stats call: 404, no sample, no log line.
  state.sweep = 2;
  state.absent.add(IDS.busy);
  const second = await tick(c, 1003);
  assert.equal(second.has('shop-web-1'), false);
  assert.equal(second.get('shop-client-1')!.metrics.cpu_pct !== undefined, true);
  assert.deepEqual(log.lines, ["info docker: container stats from the engine's stats API (--container-stats engine)"]);

  // It is back (same id): no cpu or rates from a reading taken before it vanished.
  state.absent.clear();
  const third = await tick(c, 1006);
  assert.equal(third.get('shop-web-1')!.metrics.cpu_pct, undefined);

  // A container that left the list is forgotten too.
  state.listed = new Set([IDS.client, IDS.limited]);
  await tick(c, 1009);
  state.listed = undefined;
  state.sweep = 1;
  const fifth = await tick(c, 1012);
  assert.equal(fifth.get('shop-web-1')!.metrics.net_rx_bps, undefined);
});

test('per-container failures are logged once; all failing fails the tick', async (t) => {
  let failing = new Set<string>([IDS.busy]);
  const base = replay({ sweep: 1, absent: new Set() });
  const mock = await mockEngine((p) => {
    for (const id of failing)
      if (p.includes(id)) return { status: 500, body: { message: 'read cgroup: no such device' } };
    return base(p);
  });
  const log = memoryLogger();
  const c = dockerCollector({ socketPath: mock.socketPath, statsMode: 'engine', log });
  t.after(async () => {
    await c.close?.();
    await mock.close();
  });

  const first = await tick(c, 1000);
  assert.equal(first.size, 2);
  await tick(c, 1003);
  assert.equal(log.lines.length, 2, log.lines.join('\n'));
  assert.match(
    log.lines[1]!,
    /^warn docker: stats failed for 1 of 3 containers; first: 152171.*500 read cgroup: no such device/,
  );

  failing = new Set(Object.values(IDS));
  await assert.rejects(tick(c, 1006), /stats failed for all 3 containers/);
});

test('no socket: the runner turns the collector off with one line naming the path', async () => {
  const log = memoryLogger();
  const c = dockerCollector({ socketPath: '/nonexistent/berth/docker.sock', log });
  const runner = new CollectorRunner([c], log, 60);
  for (const mono of [0, 61, 122]) {
    await runner.runAll(new SnapshotBuilder(1_795_314_366), { mono, rates: new RateTracker(), log });
  }
  assert.deepEqual(log.lines, [
    'warn collector docker off: no Docker socket at /nonexistent/berth/docker.sock (ENOENT); containers will not be reported (retrying every 60 s)',
  ]);
  await runner.close();
});

test('cgroups: the engine lists and names containers, the numbers come from their cgroup', async (t) => {
  const C = 'c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789';
  const asked: string[] = [];
  const mock = await mockEngine((path) => {
    asked.push(path.replace(C, 'C'));
    if (path === '/version') return { body: fixture('version-v1.41.json') };
    if (path === '/v1.41/info') return { body: { ...(fixture('info-v1.41.json') as object), CgroupVersion: '2' } };
    if (path === '/v1.41/containers/json')
      return {
        body: [{ Id: C, Names: ['/app'], Image: 'app:1', State: 'running', HostConfig: { NetworkMode: 'bridge' } }],
      };
    if (path === `/v1.41/containers/${C}/json`) return { body: { State: { Pid: 4242, Running: true } } };
    return { status: 404, body: { message: 'page not found' } };
  });
  // A copy: the test adds a container's cgroup to it.
  const tree = mkdtempSync(path.join(tmpdir(), 'berth-docker-collector-'));
  cpSync(new URL('../docker/testdata/cgroup-v2-cgroupfs', import.meta.url), tree, { recursive: true });
  const log = memoryLogger();
  const c = dockerCollector({ socketPath: mock.socketPath, procRoot: `${tree}/proc`, sysRoot: `${tree}/sys`, log });
  t.after(async () => {
    await c.close?.();
    await mock.close();
    rmSync(tree, { recursive: true, force: true });
  });
  await tick(c, 1000);
  const second = await tick(c, 1010);
  assert.deepEqual(log.lines, [
    `info docker: container stats from cgroups (cgroup v2 at ${tree}/sys/fs/cgroup, cgroupfs driver); the engine is asked only for the list of containers and their init processes`,
  ]);
  assert.deepEqual(asked, ['/version', '/v1.41/containers/json', '/v1.41/info', '/v1.41/containers/C/json']);
  const app = second.get('app')!;
  assert.equal(app.image, 'app:1');
  assert.deepEqual(app.metrics, {
    mem_bytes: 139350016 - 51507200,
    mem_limit_bytes: 268435456,
    mem_pct: ((139350016 - 51507200) / 268435456) * 100,
    pids: 7,
    // The files did not change between the two ticks: nothing moved (and with the host's CPU
    // time standing still too, there is no CPU share to give).
    net_rx_bps: 0,
    net_tx_bps: 0,
    blk_read_bps: 0,
    blk_write_bps: 0,
  });

  // No container started or stopped: the list stands. A cgroup appears: the engine is asked
  // for the list at once, and again each tick while it does not list that container (runc
  // makes the cgroup before the engine calls it running); gone again (it failed to start), the
  // list stands again, until LIST_EVERY_SECONDS after the last ask.
  asked.length = 0;
  await tick(c, 1020);
  assert.deepEqual(asked, []);
  const starting = path.join(tree, 'sys/fs/cgroup/docker', 'b'.repeat(64));
  mkdirSync(starting);
  await tick(c, 1030);
  assert.deepEqual(asked, ['/v1.41/containers/json']);
  await tick(c, 1040);
  assert.deepEqual(asked, ['/v1.41/containers/json', '/v1.41/containers/json']);
  rmdirSync(starting);
  await tick(c, 1050);
  await tick(c, 1040 + LIST_EVERY_SECONDS - 1);
  assert.equal(asked.length, 2);
  await tick(c, 1040 + LIST_EVERY_SECONDS);
  assert.equal(asked.length, 3);
});

test('while the event stream is followed, the list is asked for only after an event that changes it', async (t) => {
  const state = { sweep: 1, absent: new Set<string>() };
  const asked: string[] = [];
  const route = replay(state);
  const mock = await mockEngine((p) => {
    asked.push(p);
    return route(p);
  });
  const subscribers: EventSubscriber[] = [];
  const events = { subscribe: (s: EventSubscriber) => (subscribers.push(s), () => undefined), start: () => undefined };
  const tell = (e: Partial<ContainerEvent>) =>
    subscribers.forEach((s) => s.event?.({ ts: 1, ns: 0, id: IDS.busy, name: 'shop-web-1', type: 'start', ...e }));
  const c = dockerCollector({ socketPath: mock.socketPath, statsMode: 'engine', events, log: memoryLogger() });
  t.after(async () => {
    await c.close?.();
    await mock.close();
  });
  const lists = () => asked.filter((p) => p === '/v1.41/containers/json').length;

  // Before the stream is open: the engine's stats path has no directory to look at, so the
  // list is asked every tick, as without events.
  await tick(c, 1000);
  await tick(c, 1010);
  assert.equal(lists(), 2);
  subscribers.forEach((s) => s.connected?.({ reconnect: false }));
  await tick(c, 1020); // (events may have been missed before the connection)
  assert.equal(lists(), 3);
  for (let i = 0; i < 5; i++) await tick(c, 1030 + i * 10);
  assert.equal(lists(), 3, 'no list call while nothing happens');

  // A health check or an OOM changes nothing the list says; a stop does.
  tell({ type: 'health_status', health: 'healthy' });
  tell({ type: 'oom' });
  await tick(c, 1100);
  assert.equal(lists(), 3);
  state.sweep = 2;
  tell({ type: 'die', exit_code: 0 });
  const after = await tick(c, 1110);
  assert.equal(lists(), 4);
  assert.ok(after.has('shop-web-1'));
  await tick(c, 1120);
  assert.equal(lists(), 4);

  // The stream broke: back to a list per tick until it is open again.
  subscribers.forEach((s) => s.disconnected?.('the engine closed the connection'));
  await tick(c, 1130);
  await tick(c, 1140);
  assert.equal(lists(), 6);
  subscribers.forEach((s) => s.connected?.({ reconnect: true }));
  await tick(c, 1150);
  await tick(c, 1160);
  assert.equal(lists(), 7);
});

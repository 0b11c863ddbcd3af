// The Docker collector against the real engine: a container burning one core and one sleeping,
// read twice about two seconds apart, must come out as `docker stats` would show them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dockerCollector } from '../agent/collectors/docker.ts';
import { resolveDockerSocket } from '../agent/docker/client.ts';
import { RateTracker } from '../agent/rates.ts';
import { SnapshotBuilder } from '../agent/snapshot.ts';
import { memoryLogger } from '../lib/log.ts';
import type { ContainerSample } from '../protocol/batch.ts';
import {
  createNetwork,
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

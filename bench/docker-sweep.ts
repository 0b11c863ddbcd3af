// How long one Docker sweep takes (the docker collector's tick: the list of containers, then each
// one's numbers) with 10, 30 and 60 sleeping containers, median of 5 sweeps, for both sources of
// numbers: the containers' cgroups and the engine's one-shot stats calls.
// Needs a running engine and the berth-busybox image (scripts/ci/docker-up.sh).
// Usage: npx tsx bench/docker-sweep.ts [--counts 10,30,60] [--runs 5] [--concurrency 32]
import { parseArgs } from 'node:util';
import { dockerCollector } from '../agent/collectors/docker.ts';
import { resolveDockerSocket, mapPool, DEFAULT_CONCURRENCY } from '../agent/docker/client.ts';
import { memoryLogger } from '../lib/log.ts';
import { RateTracker } from '../agent/rates.ts';
import { SnapshotBuilder } from '../agent/snapshot.ts';
import { docker, TEST_IMAGE } from '../test/support/docker.ts';

const PREFIX = 'berth-bench-sweep-';

const { values } = parseArgs({
  options: {
    counts: { type: 'string', default: '10,30,60' },
    runs: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: String(DEFAULT_CONCURRENCY) },
  },
});
const counts = values.counts.split(',').map(Number);
const runs = Number(values.runs);
const concurrency = Number(values.concurrency);

async function removeAll(): Promise<void> {
  const ids = (await docker(['ps', '-aq', '--filter', `name=^/${PREFIX}`])).split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', ...ids], 120_000);
}

/** Grows (never shrinks) the set of sleeping bench containers to `n`. */
async function ensureContainers(n: number): Promise<void> {
  const have = (await docker(['ps', '-q', '--filter', `name=^/${PREFIX}`])).split('\n').filter(Boolean).length;
  const todo = Array.from({ length: Math.max(0, n - have) }, (_, i) => `${PREFIX}${have + i}`);
  await mapPool(todo, 8, (name) => docker(['run', '-d', '--name', name, TEST_IMAGE, 'sleep', '86400']));
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const others = (await docker(['ps', '-q'])).split('\n').filter(Boolean).length;
  await removeAll();
  process.on('SIGINT', () => void removeAll().finally(() => process.exit(130)));
  const log = memoryLogger();
  console.log(
    `docker sweep latency, concurrency ${concurrency}, median of ${runs} (other running containers: ${others})`,
  );
  console.log('containers | source | swept | median ms | min ms | max ms');
  try {
    for (const n of counts) {
      await ensureContainers(n);
      for (const statsMode of ['engine', 'cgroups'] as const) {
        const collector = dockerCollector({ socketPath: resolveDockerSocket(undefined), concurrency, statsMode, log });
        const times: number[] = [];
        let swept = 0;
        for (let i = 0; i <= runs; i++) {
          const out = new SnapshotBuilder(Math.floor(Date.now() / 1000));
          const started = performance.now();
          await collector.collect(out, { mono: performance.now() / 1000, rates: new RateTracker(), log });
          // The first sweep also negotiates the API version and opens the connections: not counted.
          if (i > 0) times.push(performance.now() - started);
          swept = out.containers.length;
        }
        await collector.close?.();
        const row = [
          n,
          statsMode,
          swept,
          median(times).toFixed(0),
          Math.min(...times).toFixed(0),
          Math.max(...times).toFixed(0),
        ];
        console.log(row.join(' | '));
      }
    }
    if (log.lines.length) console.log(`collector said:\n${log.lines.join('\n')}`);
  } finally {
    await removeAll();
  }
}

await main();

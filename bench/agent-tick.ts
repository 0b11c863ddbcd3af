// The agent's CPU per tick, collector by collector, for this checkout and another one
// (--against, e.g. a worktree of main), in one process, their ticks interleaved: on a machine
// shared with others, a change is compared under the same load, which two agents measured one
// after the other are not. Each tree's collectors are built as the agent builds them (its
// config, its event stream) and run one after the other, process.cpuUsage() around each; the
// batch (columns, JSON, gzip) is timed as '(batch)'. Sending and the spool are not included:
// bench/agent.ts measures the whole agent. Run with V8's lite mode, as the agent runs:
//   node --lite-mode --import tsx bench/agent-tick.ts [--against ../main] [--ticks 30]
//     [--interval 1] [-- agent flags…]
// Containers must be running for the docker collector to have work (bench/agent.ts starts them).
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { memoryLogger } from '../lib/log.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    against: { type: 'string' },
    ticks: { type: 'string', default: '30' },
    interval: { type: 'string', default: '1' },
  },
});
const ticks = Number(values.ticks);
/** Collectors off on most machines (no systemd, sensors, IPVS or disks with S.M.A.R.T.): skipped. */
const OFF_HERE = new Set(['ipvs', 'systemd', 'sensors', 'smart']);
const WARM_UP = 3;

interface Tree {
  root: string;
  tick(t: number, into: Map<string, number>): Promise<void>;
  close(): Promise<void>;
}

async function load(root: string): Promise<Tree> {
  const at = (p: string) => path.join(root, p);
  const { loadAgentConfig } = (await import(at('agent/config.ts'))) as typeof import('../agent/config.ts');
  const { createCollectors } = (await import(
    at('agent/collectors/index.ts')
  )) as typeof import('../agent/collectors/index.ts');
  const { SnapshotBuilder } = (await import(at('agent/snapshot.ts'))) as typeof import('../agent/snapshot.ts');
  const { RateTracker } = (await import(at('agent/rates.ts'))) as typeof import('../agent/rates.ts');
  const { snapshotsToColumns } = (await import(at('protocol/columns.ts'))) as typeof import('../protocol/columns.ts');
  const { DockerEventFollower } = (await import(
    at('agent/docker/event-follower.ts')
  )) as typeof import('../agent/docker/event-follower.ts');
  const log = memoryLogger();
  const config = loadAgentConfig([
    ...['--server', 'http://127.0.0.1:9', '--token', 'bench-token-0123456789', '--spool', os.tmpdir()],
    ...positionals,
  ]);
  const dockerEvents = new DockerEventFollower({ socketPath: config.dockerSocket, log });
  const collectors = createCollectors(config, log, { dockerEvents }).filter((c) => !OFF_HERE.has(c.name));
  const rates = new RateTracker();
  const timed = async (name: string, into: Map<string, number>, fn: () => unknown) => {
    const t0 = process.cpuUsage();
    await fn();
    const d = process.cpuUsage(t0);
    into.set(name, (into.get(name) ?? 0) + d.user + d.system);
  };
  return {
    root,
    async tick(t, into) {
      const out = new SnapshotBuilder(t);
      const ctx = { mono: performance.now() / 1000, rates, log };
      for (const c of collectors) await timed(c.name, into, () => c.collect(out, ctx).catch(() => undefined));
      rates.sweep();
      await timed('(batch)', into, () =>
        zlib.gzipSync(JSON.stringify({ v: 2, batch_id: 'x', ...snapshotsToColumns([out.toSnapshot()]) })),
      );
    },
    async close() {
      dockerEvents.stop();
      for (const c of collectors) await c.close?.();
    },
  };
}

const trees = [await load(REPO)];
if (values.against) trees.push(await load(path.resolve(values.against)));
const totals = trees.map(() => new Map<string, number>());
const loadStart = os.loadavg()[0]!.toFixed(2);
for (let t = 0; t < WARM_UP + ticks; t++) {
  for (let i = 0; i < trees.length; i++) {
    await trees[i]!.tick(t, t < WARM_UP ? new Map() : totals[i]!);
    await new Promise((r) => setTimeout(r, (Number(values.interval) * 1000) / trees.length));
  }
}
const names = [...totals[0]!.keys()];
const ms = (m: Map<string, number>, n: string) => (m.get(n) ?? 0) / ticks / 1000;
const sum = (m: Map<string, number>) => names.reduce((a, n) => a + ms(m, n), 0);
const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
console.log(
  `CPU per tick (ms), ${ticks} ticks ${values.interval} s apart, interleaved; load ${loadStart} → ${os.loadavg()[0]!.toFixed(2)}`,
);
console.log(row(['collector', ...trees.map((t) => path.relative(process.cwd(), t.root) || '.')]));
console.log(row(['---', ...trees.map(() => '---:')]));
for (const n of names) console.log(row([n, ...totals.map((m) => ms(m, n).toFixed(2))]));
console.log(row(['total', ...totals.map((m) => sum(m).toFixed(2))]));
if (trees.length === 2) console.log(`ratio: ${(sum(totals[0]!) / sum(totals[1]!)).toFixed(2)}×`);
for (const t of trees) await t.close();
process.exit(0);

// What reading /proc for the top processes costs the agent: the processes collector's CPU per
// tick with this machine's processes, then with 1,000 more (sleeping `sleep` processes, what a
// busy host carries), by process.cpuUsage() around each tick, median of --ticks ticks. At a
// 10 s interval, X ms per tick is X/100 % of one core.
// Usage: npx tsx bench/top-processes.ts [--extra 1000] [--ticks 20] [--top 10]
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { processesCollector } from '../agent/collectors/processes.ts';
import { memoryLogger } from '../lib/log.ts';
import { RateTracker } from '../agent/rates.ts';
import { SnapshotBuilder } from '../agent/snapshot.ts';

const { values } = parseArgs({
  options: {
    extra: { type: 'string', default: '1000' },
    ticks: { type: 'string', default: '20' },
    top: { type: 'string', default: '10' },
  },
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');

async function measure(label: string): Promise<string> {
  const log = memoryLogger();
  const c = processesCollector({ procRoot: '/proc', rootfs: '/', top: Number(values.top), log });
  const ms: number[] = [];
  let rows = 0;
  for (let i = 0; i <= Number(values.ticks); i++) {
    const out = new SnapshotBuilder(1);
    const t = process.cpuUsage();
    await c.collect(out, { mono: performance.now() / 1000, rates: new RateTracker(), log });
    const u = process.cpuUsage(t);
    // The first tick opens every /proc/<pid>/stat: not what the following ones cost.
    if (i > 0) ms.push((u.user + u.system) / 1000);
    rows = out.processes.length;
    await new Promise((r) => setTimeout(r, 200));
  }
  await c.close?.();
  const procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).length;
  const m = median(ms);
  return `| ${label} | ${procs} | ${rows} | ${m.toFixed(1)} | ${(m / 100).toFixed(3)} % | ${(m / 10).toFixed(2)} % |`;
}

async function main(): Promise<void> {
  console.log(`bench/top-processes.ts: node ${process.version}, ${os.cpus().length} CPUs, load ${load()}`);
  console.log('| processes | in /proc | rows sent | CPU ms per tick (median) | at 10 s | at 1 s |');
  console.log('|---|---|---|---|---|---|');
  console.log(await measure("this machine's"));
  const kids: ChildProcess[] = [];
  try {
    for (let i = 0; i < Number(values.extra); i++) kids.push(spawn('sleep', ['600'], { stdio: 'ignore' }));
    await new Promise((r) => setTimeout(r, 1000));
    console.log(await measure(`+ ${values.extra} sleeping`));
  } finally {
    for (const k of kids) k.kill('SIGKILL');
  }
  console.log(`load at the end: ${load()}`);
}

await main();

// Measures one long-running monitoring process as ../shared/BENCHMARKS.md prescribes: the
// engine's idle rate just before (nothing started), then the process started, a warm-up, and a
// window over which its tree's CPU and the engine's CPU are read at both ends; the tree's RSS is
// sampled every 2 s from start to stop, and its root's VmHWM read just before it is stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { engineDelta, engineTicks, readMemory, readProcs, treeRss, treeTicks } from './proc.ts';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Started {
  child: ChildProcess;
  output(): string;
}

/** Spawns a process, keeping the last 64 KB of its output for error reports. */
export function startChild(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Started {
  const child = spawn(cmd, [...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  const keep = (d: Buffer) => {
    out = (out + d.toString()).slice(-65536);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('error', (e) => keep(Buffer.from(`spawn ${cmd}: ${e.message}\n`)));
  return { child, output: () => out };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
export async function stopChild(s: Started, graceMs = 10_000): Promise<void> {
  const { child } = s;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface Subject {
  name: string;
  collects: string;
  /** Starts the measured process, and an optional helper measured apart (e.g. a scraper). */
  start(): Promise<{ main: Started; helper?: { name: string; proc: Started } }>;
}

export interface ProcessFigures {
  name: string;
  cpuSeconds: number;
  /** % of one core over the window. */
  pctCore: number;
  cpuSecondsPerHour: number;
  /** Highest sum of VmRSS over the tree, bytes. */
  peakRss: number;
  /** Highest sum of RssAnon (private memory) over the tree, bytes. */
  peakAnon: number;
  /** VmHWM of the root process, bytes. */
  hwm: number;
}

export interface Measurement {
  name: string;
  collects: string;
  windowSeconds: number;
  /** Epoch seconds from the start of the idle measurement to the end of the window (to look up
   * what else the engine did meanwhile). */
  from: number;
  to: number;
  main: ProcessFigures;
  helper?: ProcessFigures;
  /** The engine's rate in % of one core: idle just before, and during the window. */
  engineIdlePct: number;
  engineWindowPct: number;
  engineAddedPct: number;
}

export interface MeasureOptions {
  hz: number;
  idleSeconds: number;
  warmupSeconds: number;
  windowSeconds: number;
  log(msg: string): void;
}

const alive = (s: Started) => s.child.exitCode === null && s.child.signalCode === null;

async function engineRate(seconds: number, hz: number): Promise<number> {
  const before = engineTicks(await readProcs());
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const after = engineTicks(await readProcs());
  return (100 * engineDelta(before, after)) / hz / ((performance.now() - t0) / 1000);
}

export async function measure(subject: Subject, o: MeasureOptions): Promise<Measurement> {
  o.log(`${subject.name}: engine idle rate over ${o.idleSeconds} s`);
  const from = Date.now() / 1000;
  const engineIdlePct = await engineRate(o.idleSeconds, o.hz);

  o.log(`${subject.name}: starting; warm-up ${o.warmupSeconds} s, window ${o.windowSeconds} s`);
  const { main, helper } = await subject.start();
  const roots = [main, ...(helper ? [helper.proc] : [])];
  const peak = roots.map(() => 0);
  const peakAnon = roots.map(() => 0);
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const procs = await readProcs();
      for (const [i, r] of roots.entries()) {
        const m = await treeRss(r.child.pid!, procs);
        peak[i] = Math.max(peak[i]!, m.rss);
        peakAnon[i] = Math.max(peakAnon[i]!, m.anon);
      }
      await sleep(2000);
    }
  })();

  try {
    await sleep(o.warmupSeconds * 1000);
    for (const r of roots) if (!alive(r)) throw new Error(`${subject.name} exited during warm-up:\n${r.output()}`);
    const a = await readProcs();
    const ta = performance.now();
    const ticksA = roots.map((r) => treeTicks(r.child.pid!, a));
    const engineA = engineTicks(a);

    await sleep(o.windowSeconds * 1000);

    const b = await readProcs();
    const tb = performance.now();
    const to = Date.now() / 1000;
    for (const r of roots) if (!alive(r)) throw new Error(`${subject.name} exited during the window:\n${r.output()}`);
    const seconds = (tb - ta) / 1000;
    const engineWindowPct = (100 * engineDelta(engineA, engineTicks(b))) / o.hz / seconds;
    const figures = await Promise.all(
      roots.map(async (r, i): Promise<ProcessFigures> => {
        const cpuSeconds = (treeTicks(r.child.pid!, b) - ticksA[i]!) / o.hz;
        return {
          name: i === 0 ? subject.name : helper!.name,
          cpuSeconds,
          pctCore: (100 * cpuSeconds) / seconds,
          cpuSecondsPerHour: (3600 * cpuSeconds) / seconds,
          peakRss: peak[i]!,
          peakAnon: peakAnon[i]!,
          hwm: (await readMemory(r.child.pid!))?.hwm ?? 0,
        };
      }),
    );
    return {
      name: subject.name,
      collects: subject.collects,
      windowSeconds: seconds,
      from,
      to,
      main: figures[0]!,
      helper: figures[1],
      engineIdlePct,
      engineWindowPct,
      engineAddedPct: engineWindowPct - engineIdlePct,
    };
  } finally {
    sampling = false;
    await sampler;
    for (const r of roots) await stopChild(r);
  }
}

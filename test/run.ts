// Runs the test suite in groups, with one report and one summary at the end, as `node --test`
// prints them (TAP when the output is not a terminal, as CI reads it; spec on a terminal).
//
// Node's runner starts a process per test file and runs up to `concurrency` files at once; it
// cannot keep one file away from another. So the files run in groups, in three stages:
//   1. two lanes side by side:
//      a. unit    every *.test.ts beside the code (agent/, server/, protocol/, web/, lib/, bench/):
//                 pure and fast, no Docker, browser or root. Packed into a few processes (a
//                 process costs half a second of CPU to load tsx, more than most of these files
//                 take to run; Node 20 has no --test-isolation=none), all running at once.
//      b. checks  suites in test/ that read only the source tree (formatting, import layers, the
//                 generated tables): one at a time, each in its own process.
//   2. two lanes side by side:
//      a. together  the integration suites under test/ (real dockerd, Chromium, processes):
//                   they wait on engines, browsers and timers, so several run side by side,
//                   the longest first (SLOW_FIRST). Docker tests of different processes do
//                   not collide (test/support/docker.ts).
//      b. beside    a long suite that mostly sleeps (a server stopped for a minute), beside
//                   the together group without taking one of its places.
//   3. alone        suites that measure the machine and would read a neighbour's load as
//                   their own: one at a time, with nothing beside them.
// Lane b's report follows lane a's; each group's own summary is held back and added into one.
//
//   node --import tsx test/run.ts            everything (npm test)
//   node --import tsx test/run.ts --unit     stage 1 alone (npm run test:unit)
//   … --test-reporter=spec|tap|dot|junit     the report format (default: spec on a terminal, else tap)
//   … --test-reporter-destination=FILE       where the report goes (default: stdout)
//   … --times                                each file's test time on stderr at the end, slowest
//                                            first, then each group's wall time and each stage's CPU
//   … FILE…                                  only these files, each in its group
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { run } from 'node:test';
import * as reporters from 'node:test/reporters';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Suites in test/ that read only the source tree, and what they check: run with the unit tests. */
const CHECKS: Record<string, string> = {
  'test/format.test.ts': 'every source file is as Prettier writes it',
  'test/grafana-dashboard.test.ts': 'the Grafana dashboard queries only names Berth sends',
  'test/layers.test.ts': 'imports point down the layers, with no cycle',
  'test/readme.test.ts': 'the generated tables in README.md and docs/ match the code',
};

/**
 * Suites that measure the machine and would read a neighbour's load as their own: nothing beside
 * them. (container-churn compares the engine's containers with the agent's samples of the same
 * seconds; it holds under load and runs together.)
 */
const ALONE: Record<string, string> = {
  'test/agent-accuracy.test.ts': "a CPU burner's share (at least a fifth of a core) against `docker stats`",
  'test/docker-collector.test.ts': 'a CPU burner read at about one core',
  'test/e2e-docker.test.ts': 'a CPU burner read at about one core, through agent, server and API',
  'test/fleet-netns.test.ts': "each host's paced traffic and its offline time within two intervals",
};

/** Long suites that mostly sleep, and for how long: light neighbours beside the together group. */
const BESIDE: Record<string, string> = {
  'test/outage.test.ts': 'a server stopped for a minute while the agent spools',
};

/**
 * Suites of the together group that take longest, longest first (`--times`, notes/tests.md):
 * they start first, so that none of them is left running alone at the end.
 */
const SLOW_FIRST = [
  'test/token-cli.test.ts',
  'test/web.test.ts',
  'test/server-sigkill.test.ts',
  'test/hostile-input.test.ts',
  'test/scale-out.test.ts',
  'test/container-churn.test.ts',
  'test/screenshots.test.ts',
  'test/events-docker.test.ts',
  'test/engine-restart.test.ts',
  'test/alerts-docker.test.ts',
  'test/fresh-checkout.test.ts',
  'test/container-cgroups.test.ts',
  'test/events-engine-restart.test.ts',
];

interface Group {
  name: string;
  files: string[];
  concurrency: number;
  /** A file still running after this long is stopped and counted as failed, not waited for. */
  timeoutMs: number;
  /** Run the files in this many processes rather than one process each. */
  processes?: number;
}

const SKIP_DIRS = new Set(['node_modules', 'dist', 'data', 'test-artifacts']);

/** Every *.test.ts under the repository, relative to it, sorted. */
function testFiles(dir = REPO): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('.') || SKIP_DIRS.has(e.name)) continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...testFiles(p));
    else if (e.name.endsWith('.test.ts')) out.push(path.relative(REPO, p));
  }
  return out.sort();
}

/** A stage's lanes run side by side, each a list of groups one after the other. */
type Stage = Group[][];

/** The stages of a run, one after the other. */
function stages(files: string[], unitOnly: boolean): Stage[] {
  const cores = os.availableParallelism();
  const integration = files.filter((f) => f.startsWith('test/') && !(f in CHECKS));
  const minutes = (n: number) => n * 60_000;
  // Four processes a core: while one waits on a timer, a worker or a child process, others
  // compute, and smaller shares even out what static packing cannot foresee.
  const unit: Group = {
    name: 'unit',
    files: files.filter((f) => !f.startsWith('test/')),
    concurrency: 4 * cores,
    processes: 4 * cores,
    timeoutMs: minutes(5),
  };
  // The longest first: a long suite started last would run on alone at the end.
  const rank = (f: string) => {
    const i = SLOW_FIRST.indexOf(f);
    return i < 0 ? SLOW_FIRST.length : i;
  };
  const together: Group = {
    name: 'together',
    files: integration.filter((f) => !(f in ALONE) && !(f in BESIDE)).sort((a, b) => rank(a) - rank(b)),
    // Most of them wait (on timers, engines, a page) far more than they compute: scale-out
    // takes 27 s of CPU in two minutes (notes/tests.md). Five at once: as many as ran side by
    // side before, when the beside suite took three minutes more.
    concurrency: 2 * cores + 1,
    timeoutMs: minutes(10),
  };
  const checks: Group = {
    name: 'checks',
    files: files.filter((f) => f in CHECKS),
    concurrency: 1,
    timeoutMs: minutes(5),
  };
  const alone: Group = {
    name: 'alone',
    files: integration.filter((f) => f in ALONE),
    concurrency: 1,
    timeoutMs: minutes(10),
  };
  const beside: Group = {
    name: 'beside',
    files: integration.filter((f) => f in BESIDE),
    concurrency: cores,
    timeoutMs: minutes(10),
  };
  const first: Stage = [[unit], [checks]];
  const all: Stage[] = unitOnly ? [first] : [first, [[together], [beside]], [[alone]]];
  return all
    .map((stage) => stage.map((lane) => lane.filter((g) => g.files.length > 0)).filter((lane) => lane.length > 0))
    .filter((stage) => stage.length > 0);
}

const SUMMARY = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo'] as const;
type Totals = Record<(typeof SUMMARY)[number], number>;
const SUMMARY_LINE = new RegExp(`^(${SUMMARY.join('|')}|duration_ms) ([\\d.]+)$`);

interface TestEvent {
  type: string;
  data: {
    nesting: number;
    message?: string;
    testNumber?: number;
    count?: number;
    file?: string;
    details?: { duration_ms?: number };
  };
}

/**
 * Entry files that each import a share of `files`, so that they run in `n` processes. Shares
 * are balanced by file size, a fair stand-in for how much a test file does. A file that fails
 * to load is reported as a failing test named after it; the others in its process still run.
 */
function packed(files: string[], n: number): string[] {
  const shares = Array.from({ length: Math.min(n, files.length) }, () => ({ bytes: 0, files: [] as string[] }));
  const bySize = files
    .map((f) => ({ f, bytes: fs.statSync(path.join(REPO, f)).size }))
    .sort((a, b) => b.bytes - a.bytes);
  for (const { f, bytes } of bySize) {
    const lightest = shares.reduce((a, b) => (b.bytes < a.bytes ? b : a));
    lightest.bytes += bytes;
    lightest.files.push(f);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-test-run-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return shares.map((share, i) => {
    const entry = path.join(dir, `process-${i + 1}-of-${shares.length}.test.mjs`);
    const files = share.files.sort().map((f) => [f, pathToFileURL(path.join(REPO, f)).href]);
    fs.writeFileSync(
      entry,
      `// Written by test/run.ts: these test files in one process.
import { test } from 'node:test';
for (const [file, url] of ${JSON.stringify(files, null, 2)}) {
  try {
    await import(url);
  } catch (err) {
    test(\`\${file} loads\`, () => {
      throw err;
    });
  }
}
`,
    );
    return entry;
  });
}

/** CPU seconds of this process's children that have ended (Linux: /proc/self/stat cutime + cstime). */
function childrenCpuS(): number {
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
    // cutime and cstime are fields 16 and 17 of stat(5); the split starts at field 3.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return NaN;
  }
}

/** What --times prints after the files: each group's wall time, each stage's CPU. */
const spans: string[] = [];
const since = (t0: number) => ((performance.now() - t0) / 1000).toFixed(1);

/** A lane's events, without each group's own plan and summary (added into `totals` instead). */
async function* laneEvents(groups: Group[], totals: Totals): AsyncGenerator<TestEvent> {
  for (const g of groups) {
    const t0 = performance.now();
    const stream = run({
      files: g.processes ? packed(g.files, g.processes) : g.files.map((f) => path.join(REPO, f)),
      concurrency: g.concurrency,
      timeout: g.timeoutMs,
    });
    for await (const event of stream as AsyncIterable<TestEvent>) {
      const { type, data } = event;
      if (data.nesting === 0 && type === 'test:plan') continue;
      const m = data.nesting === 0 && type === 'test:diagnostic' ? SUMMARY_LINE.exec(data.message ?? '') : null;
      if (m) {
        if (m[1] !== 'duration_ms') totals[m[1] as keyof Totals] += Number(m[2]);
        continue;
      }
      yield event;
    }
    spans.push(`${since(t0).padStart(7)} s  wall, ${g.name} (${g.files.length} files, ${g.concurrency} at once)`);
  }
}

/** A stage's events: its first lane's as they happen, the others' held until that one ends. */
async function* stageEvents(stage: Stage, totals: Totals): AsyncGenerator<TestEvent> {
  const held = stage.slice(1).map((lane) => {
    const events: TestEvent[] = [];
    const done = (async () => {
      for await (const e of laneEvents(lane, totals)) events.push(e);
    })();
    done.catch(() => undefined); // its error is thrown where it is awaited, below, not as unhandled
    return { events, done };
  });
  yield* laneEvents(stage[0], totals);
  for (const h of held) {
    await h.done;
    yield* h.events;
  }
}

/** Every stage's events as one run's: top-level tests numbered on, one plan and one summary. */
async function* merged(list: Stage[], totals: Totals, times: Map<string, number>): AsyncGenerator<TestEvent> {
  const started = performance.now();
  let topLevel = 0;
  for (const [i, stage] of list.entries()) {
    const t0 = performance.now();
    const cpu0 = childrenCpuS();
    for await (const event of stageEvents(stage, totals)) {
      const { type, data } = event;
      if (data.nesting === 0 && (type === 'test:pass' || type === 'test:fail')) {
        data.testNumber = ++topLevel;
        if (data.file) times.set(data.file, (times.get(data.file) ?? 0) + (data.details?.duration_ms ?? 0));
      }
      yield event;
    }
    spans.push(`${since(t0).padStart(7)} s  wall, stage ${i + 1}: ${(childrenCpuS() - cpu0).toFixed(0)} s CPU`);
  }
  yield { type: 'test:plan', data: { nesting: 0, count: topLevel } };
  for (const k of SUMMARY) yield { type: 'test:diagnostic', data: { nesting: 0, message: `${k} ${totals[k]}` } };
  yield { type: 'test:diagnostic', data: { nesting: 0, message: `duration_ms ${performance.now() - started}` } };
}

/** The report of a stream of events, in one of Node's own formats. */
function report(name: string, events: AsyncGenerator<TestEvent>): NodeJS.ReadableStream {
  if (name === 'spec') return Readable.from(events).pipe(new reporters.spec());
  if (name === 'tap' || name === 'dot' || name === 'junit') return Readable.from(reporters[name](events as never));
  throw new Error(`--test-reporter: ${name} is not one of spec, tap, dot, junit`);
}

async function main(argv: string[]): Promise<void> {
  let reporter = process.stdout.isTTY ? 'spec' : 'tap';
  let destination: string | undefined;
  let unitOnly = false;
  let showTimes = false;
  const only: string[] = [];
  for (const a of argv) {
    if (a === '--unit') unitOnly = true;
    else if (a === '--times') showTimes = true;
    else if (a.startsWith('--test-reporter=')) reporter = a.slice('--test-reporter='.length);
    else if (a.startsWith('--test-reporter-destination=')) destination = a.slice('--test-reporter-destination='.length);
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else only.push(path.relative(REPO, path.resolve(a)));
  }
  for (const f of only) if (!fs.existsSync(path.join(REPO, f))) throw new Error(`no such test file: ${f}`);
  const files = only.length > 0 ? only : testFiles();

  const totals = Object.fromEntries(SUMMARY.map((k) => [k, 0])) as Totals;
  const times = new Map<string, number>();
  const out = destination ? fs.createWriteStream(destination) : process.stdout;
  await pipeline(report(reporter, merged(stages(files, unitOnly), totals, times)), out, {
    end: out !== process.stdout,
  });
  if (showTimes) {
    for (const [file, ms] of [...times].sort((a, b) => b[1] - a[1]))
      process.stderr.write(`${(ms / 1000).toFixed(1).padStart(7)} s  ${path.relative(REPO, file)}\n`);
    for (const line of spans) process.stderr.write(`${line}\n`);
  }
  if (totals.fail > 0 || totals.cancelled > 0 || totals.tests === 0) process.exitCode = 1;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`test/run.ts: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

// What the agent costs, reading containers from their cgroups (the default) and from the
// engine's stats API (--container-stats engine), side by side with Debian's
// prometheus-node-exporter (host only, scraped every interval) and glances with its docker
// plugin (host + containers, CSV export), one after the other on the same host and the same
// running sleeper containers, by the method of
// ../shared/BENCHMARKS.md: per subject, the engine's idle rate just before, a warm-up, then a
// window over which the subject's CPU (process tree) and the engine's extra CPU are measured,
// peak RSS sampled every 2 s, and VmHWM. Then the Docker sweep latency (bench/docker-sweep.ts)
// for 10, 30 and 60 containers. The agent measured is the bundle users install
// (node dist/berth-agent.mjs), sending to a server run apart and not counted.
//
// Usage: npx tsx bench/agent.ts [--window 300] [--warmup 30] [--idle 120] [--containers 30]
//          [--interval 10] [--only agent,agent-engine,node-exporter,glances] [--no-sweep] [--build]
//          [--cpu-prof DIR] [--agent-before PATH]   (quick run: --window 60 --idle 30)
// --agent-before: another bundle (e.g. main's, built with `git stash; npm run build`) measured
// the same way as `agent-before` in --only, so a change is compared in one run: list the
// keys alternately (--only agent-before,agent,agent-before,agent) and compare the medians.
// Needs a running engine and the berth-busybox image (scripts/ci/docker-up.sh).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { freePort } from '../test/support/processes.ts';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { AGENT_OPTIONS } from '../agent/config.ts';
import { mapPool } from '../agent/docker/client.ts';
import { docker, TEST_IMAGE } from '../test/support/docker.ts';
import { clockTicks } from './lib/proc.ts';
import { measure, sleep, startChild, stopChild, type Measurement, type Started, type Subject } from './lib/measure.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PREFIX = 'berth-bench-agent-';
const TOKEN = 'bench-token-0123456789abcdef';
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter';

const { values } = parseArgs({
  options: {
    window: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '30' },
    idle: { type: 'string', default: '120' },
    containers: { type: 'string', default: '30' },
    interval: { type: 'string', default: '10' },
    only: { type: 'string', default: 'agent,agent-engine,node-exporter,glances' },
    'no-sweep': { type: 'boolean', default: false },
    build: { type: 'boolean', default: false },
    retries: { type: 'string', default: '2' },
    'cpu-prof': { type: 'string' },
    agent: { type: 'string', default: path.join(REPO, 'dist', 'berth-agent.mjs') },
    'agent-before': { type: 'string' },
  },
});
const windowS = Number(values.window);
const interval = Number(values.interval);
const containerCount = Number(values.containers);
const only = values.only.split(',');
const log = (msg: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${msg}\n`);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));

async function waitFor(s: Started, re: RegExp, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!re.test(s.output())) {
    if (s.child.exitCode !== null || Date.now() > until) throw new Error(`${what} did not start:\n${s.output()}`);
    await sleep(100);
  }
}

async function waitForHttp(url: string, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await sleep(100);
  }
  throw new Error(`${what} did not answer on ${url}`);
}

async function removeMine(): Promise<void> {
  const ids = (await docker(['ps', '-aq', '--filter', `name=^/${PREFIX}`])).split('\n').filter(Boolean);
  if (ids.length) await docker(['rm', '-f', ...ids], 120_000);
}

/** Container events (create, start, exec, die, destroy…) of others' containers in a window: engine noise. */
async function othersEvents(from: number, to: number): Promise<number> {
  const out = await docker([
    'events',
    '--since',
    from.toFixed(3),
    '--until',
    to.toFixed(3),
    '--filter',
    'type=container',
    '--format',
    '{{.Actor.Attributes.name}}',
  ]);
  return out.split('\n').filter((n) => n && !n.startsWith(PREFIX)).length;
}

const otherRunning = async () =>
  (await docker(['ps', '--format', '{{.Names}}']))
    .split('\n')
    .filter((n) => n && !n.startsWith(PREFIX))
    .sort()
    .join(',');

function agentSubject(serverUrl: string, containerStats: 'cgroups' | 'engine', bundle = values.agent): Subject {
  const bundled = fs.existsSync(bundle);
  const which = bundle === values.agent ? '' : ` ${path.basename(bundle)}`;
  return {
    name: `${bundled ? `berth-agent (bundle${which})` : 'berth-agent (tsx)'}, containers from ${containerStats}`,
    collects: 'host + containers',
    async start() {
      const prof = values['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(values['cpu-prof'])] : [];
      const entry = bundled ? [bundle] : ['--import', 'tsx', path.join(REPO, 'agent', 'main.ts')];
      const main = startChild(process.execPath, [
        ...prof,
        ...entry,
        '--server',
        serverUrl,
        '--token',
        TOKEN,
        '--interval',
        String(interval),
        '--host',
        'bench-host',
        '--spool',
        fs.mkdtempSync(path.join(tmp, `spool-${containerStats}-`)),
        '--container-stats',
        containerStats,
      ]);
      await waitFor(main, /sampling bench-host/, 'the agent');
      return { main };
    },
  };
}

function nodeExporterSubject(): Subject {
  return {
    name: 'prometheus-node-exporter',
    collects: 'host only',
    async start() {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}/metrics`;
      const main = startChild(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${port}`]);
      await waitForHttp(url, 'node-exporter');
      // The scraper, as Prometheus would (gzip accepted), in its own process to measure apart.
      const script = `const u=${JSON.stringify(url)};const s=async()=>{try{const r=await fetch(u,{headers:{'accept-encoding':'gzip'}});await r.arrayBuffer()}catch(e){console.error(String(e))}};s();setInterval(s,${interval * 1000});`;
      const helper = startChild(process.execPath, ['-e', script]);
      return { main, helper: { name: '  its scraper (node fetch loop)', proc: helper } };
    },
  };
}

function glancesSubject(): Subject {
  return {
    name: 'glances (docker plugin, CSV)',
    collects: 'host + containers',
    async start() {
      const main = startChild('glances', [
        '--quiet',
        '--disable-check-update',
        '-t',
        String(interval),
        '--export',
        'csv',
        '--export-csv-file',
        path.join(tmp, 'glances.csv'),
      ]);
      const csv = path.join(tmp, 'glances.csv');
      for (let i = 0; i < 300 && !(fs.existsSync(csv) && fs.readFileSync(csv, 'utf8').includes(PREFIX)); i++) {
        if (main.child.exitCode !== null) break;
        await sleep(100);
      }
      if (!fs.readFileSync(csv, 'utf8').includes(PREFIX))
        throw new Error(`glances exports no container:\n${main.output()}`);
      return { main };
    },
  };
}

/** The sweep as the agent runs it: with its default --docker-concurrency, not the client's own default. */
function sweep(): string[] {
  const concurrency = AGENT_OPTIONS['docker-concurrency']!.default;
  log(`docker sweep latency (bench/docker-sweep.ts --concurrency ${concurrency}, the agent's default)`);
  const args = [
    '--import',
    'tsx',
    path.join(REPO, 'bench', 'docker-sweep.ts'),
    '--counts',
    '10,30,60',
    '--concurrency',
    concurrency,
  ];
  const out = execFileSync(process.execPath, args, { cwd: REPO, encoding: 'utf8', timeout: 600_000 });
  return out.trim().split('\n');
}

const mb = (b: number) => (b / 1e6).toFixed(1);
/** The 1, 5 and 15 minute load averages, as `uptime` prints them: others share this machine. */
const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(', ');
const loadStart = loadAverage();
const pct = (v: number) => `${v.toFixed(2)} %`;
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

/** Rows marked † had others' engine activity in their idle or measured window. */
function table(rows: Measurement[], disturbed: ReadonlySet<string> = new Set()): string[] {
  const lines = [
    '| process | collects | CPU s/hour | % of one core | peak RSS (tree) | VmHWM | peak RssAnon | engine idle | engine added |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const m of rows) {
    const f = m.main;
    lines.push(
      `| ${f.name} | ${m.collects} | ${f.cpuSecondsPerHour.toFixed(1)} | ${pct(f.pctCore)} | ${mb(f.peakRss)} MB | ${mb(f.hwm)} MB | ${mb(f.peakAnon)} MB | ${pct(m.engineIdlePct)} | ${m.engineAddedPct >= 0 ? '+' : ''}${pct(m.engineAddedPct)}${disturbed.has(m.name) ? ' †' : ''} |`,
    );
    if (m.helper) {
      const h = m.helper;
      lines.push(
        `| ${h.name} | | ${h.cpuSecondsPerHour.toFixed(1)} | ${pct(h.pctCore)} | ${mb(h.peakRss)} MB | ${mb(h.hwm)} MB | ${mb(h.peakAnon)} MB | | |`,
      );
    }
  }
  return lines;
}

async function main(): Promise<void> {
  const hz = clockTicks();
  if (values.build) {
    const { buildAgent } = await import('../agent/build.ts');
    const b = await buildAgent(values.agent);
    log(`built ${values.agent}: ${(b.bytes / 1024).toFixed(1)} KiB`);
  }
  const header = [
    `bench/agent.ts: ${os.cpus().length} CPUs, CLK_TCK ${hz}, node ${process.version}, engine ${await docker(['version', '--format', '{{.Server.Version}} (API {{.Server.APIVersion}})'])}`,
    `host + ${containerCount} sleeping containers, ${interval} s interval, warm-up ${values.warmup} s, window ${windowS} s, engine idle measured over ${values.idle} s before each`,
  ];
  log(header.join('\n'));

  await removeMine();
  const sweepLines = values['no-sweep'] ? [] : sweep();

  const cleanup = async () => {
    await removeMine().catch(() => undefined);
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

  const results: Measurement[] = [];
  const others: string[] = [];
  const disturbedRows = new Set<string>();
  let server: Started | undefined;
  try {
    log(`starting ${containerCount} sleepers`);
    await mapPool(
      Array.from({ length: containerCount }, (_, i) => `${PREFIX}${i}`),
      8,
      (name) => docker(['run', '-d', '--name', name, '--label', 'berth.bench=1', TEST_IMAGE, 'sleep', '86400']),
    );
    const port = await freePort();
    server = startChild(process.execPath, [
      '--import',
      'tsx',
      path.join(REPO, 'server', 'main.ts'),
      '--db',
      path.join(tmp, 'berth.db'),
      '--port',
      String(port),
      '--token',
      TOKEN,
    ]);
    await waitFor(server, /listening on/, 'the server');

    const subjects: Record<string, () => Subject> = {
      agent: () => agentSubject(`http://127.0.0.1:${port}`, 'cgroups'),
      'agent-engine': () => agentSubject(`http://127.0.0.1:${port}`, 'engine'),
      'agent-before': () => {
        const before = values['agent-before'];
        if (!before || !fs.existsSync(before))
          throw new Error('--only agent-before: give --agent-before PATH (a bundle)');
        return agentSubject(`http://127.0.0.1:${port}`, 'cgroups', path.resolve(before));
      },
      'node-exporter': nodeExporterSubject,
      glances: glancesSubject,
    };
    for (const key of only) {
      const make = subjects[key];
      if (!make) throw new Error(`--only: unknown "${key}" (known: ${Object.keys(subjects).join(', ')})`);
      // Others share this engine: a container created, started or removed by someone else costs
      // it far more than a sweep. A measurement with any such event, or with others' running
      // containers changed, is taken again (--retries), and marked if it stays disturbed.
      let m: Measurement;
      for (let attempt = 0; ; attempt++) {
        const before = await otherRunning();
        m = await measure(make(), {
          hz,
          idleSeconds: Number(values.idle),
          warmupSeconds: Number(values.warmup),
          windowSeconds: windowS,
          log,
        });
        const after = await otherRunning();
        const events = await othersEvents(m.from, m.to);
        const count = (list: string) => (list ? list.split(',').length : 0);
        const note = `${count(before)} → ${count(after)} containers of others running, ${events} container events of others from idle start to window end`;
        if ((events === 0 && before === after) || attempt >= Number(values.retries)) {
          const disturbed = events > 0 || before !== after;
          if (disturbed) disturbedRows.add(m.name);
          others.push(`${m.name}: ${note}${disturbed ? ' (engine figures disturbed)' : ''}`);
          break;
        }
        log(`${m.name}: disturbed (${note}); measuring again`);
      }
      results.push(m);
      log(table([m]).slice(2).join('\n'));
    }
  } finally {
    if (server) await stopChild(server);
    await cleanup();
  }

  const out = [
    ...header,
    `load average at the start: ${loadStart}, at the end: ${loadAverage()}`,
    '',
    ...table(results, disturbedRows),
    '',
  ];
  const mainName = agentSubject('', 'cgroups').name;
  // A subject measured more than once (alternating with --agent-before): its medians.
  const median = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  const groups = new Map<string, Measurement[]>();
  for (const m of results) groups.set(m.name, [...(groups.get(m.name) ?? []), m]);
  const medians = new Map(
    [...groups].map(([name, g]) => [
      name,
      { cpu: median(g.map((m) => m.main.pctCore)), engine: median(g.map((m) => m.engineAddedPct)), runs: g.length },
    ]),
  );
  if ([...groups.values()].some((g) => g.length > 1)) {
    out.push('medians:');
    for (const [name, m] of medians)
      out.push(`${name}: CPU ${pct(m.cpu)}, engine added ${pct(m.engine)} (${m.runs} runs)`);
    const now = medians.get(mainName);
    for (const [name, m] of medians)
      if (name !== mainName && now && name.startsWith('berth-agent'))
        out.push(`${mainName} vs ${name}: CPU ${ratio(now.cpu, m.cpu)}`);
    out.push('');
  }
  const first = results.find((m) => m.name === mainName);
  const agent = first && {
    ...first,
    main: { ...first.main, pctCore: medians.get(mainName)!.cpu },
    engineAddedPct: medians.get(mainName)!.engine,
  };
  if (agent) {
    for (const m of results.filter((r) => r.name !== mainName)) {
      // Below a tenth of a percent, what an alternative adds to the engine is noise: no ratio.
      const engine = m.engineAddedPct >= 0.1 ? ratio(agent.engineAddedPct, m.engineAddedPct) : `n/a (it adds ~0)`;
      out.push(
        `agent vs ${m.name}: CPU ${ratio(agent.main.pctCore, m.main.pctCore)}, peak RSS ${ratio(agent.main.peakRss, m.main.peakRss)}, engine added ${engine}`,
      );
    }
  }
  if (sweepLines.length) out.push('', ...sweepLines);
  if (agent) {
    const sweep60 = sweepLines.map((l) => /^60 \| engine \| (\d+) \| (\d+)/.exec(l)).find(Boolean);
    const check = (ok: boolean, text: string) => out.push(`${ok ? 'met   ' : 'MISSED'} ${text}`);
    out.push('', `targets (${containerCount} containers, ${interval} s interval):`);
    // Issue #23: 60 containers at 10 s within a quarter of a percent of a core and a tenth of a
    // percent of the engine's; per-second sampling within 2 %.
    const cpuGoal = interval >= 10 ? 0.25 : interval >= 2 ? 1 : 2;
    check(agent.main.pctCore <= cpuGoal, `agent CPU <= ${cpuGoal} % of one core: ${pct(agent.main.pctCore)}`);
    check(
      agent.engineAddedPct <= 0.1,
      `engine CPU added <= 0.1 % of a core: ${pct(agent.engineAddedPct)}${disturbedRows.has(agent.name) ? ' († disturbed by others: not a measurement)' : ''}`,
    );
    check(
      Math.max(agent.main.peakRss, agent.main.hwm) < 60e6,
      `agent RSS < 60 MB: peak ${mb(agent.main.peakRss)} MB, VmHWM ${mb(agent.main.hwm)} MB`,
    );
    if (sweep60) check(Number(sweep60[2]) < 1500, `60-container engine sweep < 1.5 s: ${sweep60[2]} ms (median)`);
  }
  out.push('', ...others);
  console.log(out.join('\n'));
}

await main();

// What alert evaluation costs at fleet size: 50 rules over 10,000 hosts × 40 containers.
// Figures from one run on a real migrated SQLite file, per 10 s tick of the whole fleet:
// - the CPU time (user + system) of all the evaluator did for it: judging every stored batch
//   against the metric rules (done after each batch is stored, outside the request), the pass
//   (silent hosts, the events stored since the pass before, restart loops calming down) and
//   whatever it wrote to SQLite, against the 10 s the tick takes; wall time beside it (on a
//   shared machine wall time is mostly waiting for a core);
// - the pass alone, and the longest the event loop was held by one go of judging or by the pass
//   (what an ingest request or a query may wait behind).
// Two fleets, both printed (--churn realistic,worst): each series wanders ±3 around a level of
// its own every tick, the level anywhere from 0 to 100 for 2 % of series and from 0 to 60 for the
// rest (realistic: 0.35 % of the 5.45 M series×rule pairs past a threshold, 0.04 % changing
// side a tick), or anywhere from 0 to 100 for all (worst: 18 % past, 2 % changing side every
// tick, each a `for:` wait beginning or ending). The first tick (every wait begins at once) is shown
// apart; so is the slowest of the others (the waits begun in the first are written 60 s later).
// With --against REF (a git commit or branch, e.g. main) the evaluator of REF judges the same
// batches (the same seed) in the same run, each side in a process of its own (a fleet's worth of
// state in one heap must not slow the other side's garbage collector), taking turns round by
// round (--rounds), and both rows are printed with their ratio.
// Usage: npx tsx bench/alerts.ts [--hosts 10000] [--containers 40] [--rules 50] [--events 2000]
//        [--ticks 9] [--churn realistic,worst] [--against main] [--rounds 1]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type Database from 'better-sqlite3';
import { openDb } from '../server/db/open.ts';
import { AlertEvaluator } from '../server/alerts/evaluator.ts';
import { parseRuleFile } from '../server/alerts/rule-file.ts';
import type { ColumnBatch } from '../protocol/batch.ts';
import { tempDir } from '../test/support/temp.ts';
import { rng } from '../test/support/random.ts';

const { values: a } = parseArgs({
  options: {
    hosts: { type: 'string', default: '10000' },
    containers: { type: 'string', default: '40' },
    rules: { type: 'string', default: '50' },
    events: { type: 'string', default: '2000' },
    ticks: { type: 'string', default: '9' },
    churn: { type: 'string', default: 'realistic,worst' },
    against: { type: 'string' },
    rounds: { type: 'string', default: '1' },
    side: { type: 'string' },
  },
});
const HOSTS = Number(a.hosts);
const CONTAINERS = Number(a.containers);
const RULES = Number(a.rules);
const EVENTS = Number(a.events);
const INTERVAL = 10;
const NOW = 1_790_000_000;

// 50 rules in the proportions a fleet's file would have them.
const rules: string[] = [];
/** The metric rules, to count the pairs past a threshold (what the evaluator's work depends on). */
const containerRules: { metric: 'cpu_pct' | 'mem_pct'; above: number; webOnly: boolean }[] = [];
const hostRules: { metric: 'cpu_pct' | 'fs_used_pct'; above: number }[] = [];
const kinds = ['container-metric', 'container-metric', 'host-metric', 'labelled', 'event', 'host_offline'];
const events = ['oom', 'die', 'restart_loop', 'unhealthy'];
for (let i = 0; i < RULES; i++) {
  const k = kinds[i % kinds.length];
  const name = `  - name: rule ${i}\n    notify: [ops]\n`;
  if (k === 'container-metric') {
    const r = { metric: i % 4 ? 'cpu_pct' : 'mem_pct', above: 70 + (i % 25), webOnly: i % 3 !== 0 } as const;
    containerRules.push(r);
    rules.push(
      `${name}    entity: container\n    metric: ${r.metric}\n    above: ${r.above}\n    for: 2m\n    containers: "${r.webOnly ? 'web*' : '*'}"\n`,
    );
  } else if (k === 'host-metric') {
    hostRules.push({ metric: 'cpu_pct', above: 80 + (i % 15) });
    rules.push(`${name}    entity: host\n    metric: cpu_pct\n    above: ${80 + (i % 15)}\n    for: 5m\n`);
  } else if (k === 'labelled') {
    hostRules.push({ metric: 'fs_used_pct', above: 90 });
    rules.push(`${name}    entity: host\n    metric: fs_used_pct\n    above: 90\n    for: 5m\n`);
  } else if (k === 'event') rules.push(`${name}    event: ${events[i % events.length]}\n`);
  else rules.push(`${name}    event: host_offline\n    for: 1m\n    hosts: "${i % 2 ? 'host-1*' : '*'}"\n`);
}
const ruleFile = `receivers:\n  ops:\n    webhook: http://127.0.0.1:9/hook\nrules:\n${rules.join('')}`;
const SLICE_MS = 20;

/** What both evaluators offer (the one on REF may lack drain's budget and `queued`). */
interface Judge {
  observe(b: ColumnBatch): void;
  drain(budgetMs?: number): void;
  pass(): void;
  firing(): unknown[];
  setConfig(c: unknown): void;
  queued?: number;
}
interface Result {
  passMs: number[];
  /** Wall time of the whole tick's judging, pass and writes. */
  tickMs: number[];
  /** CPU time (user + system) of the same. */
  cpuMs: number[];
  /** The longest single go (a slice of judging, or the pass): wall time, and CPU time. */
  blockMs: number[];
  blockCpuMs: number[];
  firing: number;
  /** Series×rule pairs past a threshold, and those that changed side, per tick (the same on both sides). */
  past: number[];
  flips: number[];
}
const SELF = 'this tree';

/** The alert modules of `ref`, unpacked where their imports (yaml, zod) resolve. */
async function modulesOf(ref: string) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const sha = execFileSync('git', ['rev-parse', '--short', ref], { cwd: root, encoding: 'utf8' }).trim();
  const dir = path.join(root, 'node_modules', '.cache', 'berth-bench-alerts', sha);
  if (!fs.existsSync(path.join(dir, 'server', 'alerts', 'evaluator.ts'))) {
    fs.mkdirSync(dir, { recursive: true });
    const tar = execFileSync('git', ['archive', sha, 'server/alerts', 'protocol', 'lib'], { cwd: root });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
  }
  const ev = (await import(path.join(dir, 'server', 'alerts', 'evaluator.ts'))) as {
    AlertEvaluator: new (d: ConstructorParameters<typeof AlertEvaluator>[0]) => Judge;
  };
  const rf = (await import(path.join(dir, 'server', 'alerts', 'rule-file.ts'))) as {
    parseRuleFile: typeof parseRuleFile;
  };
  return { name: `${ref} (${sha})`, Evaluator: ev.AlertEvaluator, parse: rf.parseRuleFile };
}

let now = NOW - 600;
const rand = rng(19);
const silent = new Set<number>();
for (let h = 0; h < HOSTS; h++) if (rand() < 0.01) silent.add(h);

const eventRows = (n: number, at: number) => {
  const out: unknown[][] = [];
  for (let i = 0; i < n; i++) {
    const host = 1 + Math.floor(rand() * HOSTS);
    const c = Math.floor(rand() * CONTAINERS);
    const type = ['die', 'start', 'oom', 'health_status'][i % 4];
    out.push([
      host,
      at,
      i,
      type,
      `web-${c}`,
      `id${host}x${c}`,
      type === 'die' ? 1 : null,
      type === 'health_status' ? (rand() < 0.5 ? 'unhealthy' : 'healthy') : null,
      type === 'die' ? 'exit' : null,
      at,
    ]);
  }
  return out;
};
const addEvents = (sqlite: Database.Database, rows: unknown[][]) => {
  const insert = sqlite.prepare(
    `INSERT INTO events (host_id, ts, ns, type, container, container_id, exit_code, health, cause, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  sqlite.transaction(() => {
    for (const r of rows) insert.run(...r);
  })();
};

/** Of series whose level may be anywhere from 0 to 100 (the rest stay from 0 to 60). */
const BUSY_SHARE: Record<string, number> = { realistic: 0.02, worst: 1 };
let busyShare = 1;
// Each series wanders ±3 around a level of its own (a busy container stays busy), as real ones do.
const levels = new Map<string, number>();
const level = (k: string) => {
  let l = levels.get(k);
  if (l === undefined) levels.set(k, (l = rand() * (rand() < busyShare ? 100 : 60)));
  return Math.max(0, Math.min(100, l + (rand() - 0.5) * 6));
};

/** Whether each series×rule pair was past its threshold the tick before. */
let wasPast = new Uint8Array(0);
let pairs = 0;
const tally = { past: 0, flips: 0 };
const pair = (v: number, above: number) => {
  const p = v > above ? 1 : 0;
  tally.past += p;
  if (wasPast[pairs] !== p) tally.flips++;
  wasPast[pairs++] = p;
};

function fleetTick(ts: number): ColumnBatch[] {
  const out: ColumnBatch[] = [];
  if (!wasPast.length) wasPast = new Uint8Array(HOSTS * (CONTAINERS * containerRules.length + 2 * hostRules.length));
  pairs = tally.past = tally.flips = 0;
  for (let h = 0; h < HOSTS; h++) {
    const containers = [];
    for (let c = 0; c < CONTAINERS; c++) {
      const web = c % 2 === 1;
      const metrics = {
        cpu_pct: [level(`c${h}x${c}`)],
        mem_pct: [level(`m${h}x${c}`)],
        net_rx_bps: [rand() * 1e6],
      };
      for (const r of containerRules) if (web || !r.webOnly) pair(metrics[r.metric][0], r.above);
      containers.push({ id: `id${h}x${c}`, name: web ? `web-${c}` : `db-${c}`, ts: [ts], metrics });
    }
    const host = { cpu_pct: [level(`h${h}`)], mem_pct: [level(`hm${h}`)] };
    const fs = [level(`f${h}`), level(`d${h}`)];
    for (const r of hostRules)
      if (r.metric === 'cpu_pct') pair(host.cpu_pct[0], r.above);
      else for (const v of fs) pair(v, r.above);
    out.push({
      v: 2,
      batch_id: `b${h}-${ts}`,
      agent: { host: `host-${h}`, interval: INTERVAL },
      host: { ts: [ts], metrics: host },
      containers,
      series: [
        { name: 'fs_used_pct', labels: { mount: '/' }, ts: [ts], values: [fs[0]] },
        { name: 'fs_used_pct', labels: { mount: '/data' }, ts: [ts], values: [fs[1]] },
      ],
    } as ColumnBatch);
  }
  return out;
}

/** One side in this process: its own database, every tick, the figures as one JSON line. */
async function runSide(which: string, churn: string): Promise<void> {
  busyShare = BUSY_SHARE[churn];
  const m =
    which === SELF
      ? {
          Evaluator: AlertEvaluator as new (d: ConstructorParameters<typeof AlertEvaluator>[0]) => Judge,
          parse: parseRuleFile,
        }
      : await modulesOf(which);
  const sqlite = openDb(path.join(tempDir(), 'alerts-bench.db')).$client;
  const insertHost = sqlite.prepare(
    'INSERT INTO hosts (name, interval_s, first_seen, last_seen, last_ts) VALUES (?, ?, ?, ?, ?)',
  );
  sqlite.transaction(() => {
    // 1 % of hosts silent for minutes; the rest current.
    for (let h = 0; h < HOSTS; h++) {
      const last = silent.has(h) ? NOW - 300 : NOW - 5;
      insertHost.run(`host-${h}`, INTERVAL, NOW - 86_400, last, last);
    }
  })();
  const ev = new m.Evaluator({ sqlite, now: () => now, publicUrl: () => 'http://berth' });
  ev.setConfig(m.parse(ruleFile, { smtp: false }));
  const r: Result = { passMs: [], tickMs: [], cpuMs: [], blockMs: [], blockCpuMs: [], firing: 0, past: [], flips: [] };
  const ticks = Number(a.ticks);
  let block = 0;
  let blockCpu = 0;
  /** One go on the event loop, timed. */
  const go = (fn: () => void) => {
    const c1 = process.cpuUsage();
    const t1 = performance.now();
    fn();
    const wall = performance.now() - t1;
    const c = process.cpuUsage(c1);
    block = Math.max(block, wall);
    blockCpu = Math.max(blockCpu, (c.user + c.system) / 1000);
    return wall;
  };
  /** Judges what is queued a slice at a time, as the server's turns do. */
  const drainAll = () => {
    while (ev.queued) go(() => ev.drain(SLICE_MS));
  };
  for (let t = 0; t < ticks; t++) {
    now += INTERVAL;
    const batches = fleetTick(now);
    r.past.push(tally.past);
    r.flips.push(tally.flips);
    addEvents(sqlite, eventRows(Math.round(EVENTS / ticks), now));
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    block = blockCpu = 0;
    for (const b of batches) ev.observe(b);
    drainAll();
    const passMs = go(() => ev.pass());
    drainAll();
    const cpu = process.cpuUsage(cpu0);
    r.tickMs.push(performance.now() - t0);
    r.cpuMs.push((cpu.user + cpu.system) / 1000);
    r.passMs.push(passMs);
    r.blockMs.push(block);
    r.blockCpuMs.push(blockCpu);
  }
  r.firing = ev.firing().length;
  sqlite.close();
  console.log(JSON.stringify(r));
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
const ms = (x: number) => `${Math.round(x).toLocaleString('en')} ms`;
const pct = (x: number) => `${((x / (INTERVAL * 1000)) * 100).toFixed(1)} %`;

if (a.side) await runSide(a.side, a.churn);
else {
  const names = a.against ? [a.against, SELF] : [SELF];
  const churns = a.churn.split(',');
  for (const c of churns) if (!(c in BUSY_SHARE)) throw new Error(`--churn: ${c} is not one of realistic, worst`);
  const results = new Map<string, Result[]>();
  const load0 = os.loadavg();
  const uptime = () => execFileSync('uptime', { encoding: 'utf8' }).trim();
  const up0 = uptime();
  const self = fileURLToPath(import.meta.url);
  const pass = process.argv
    .slice(2)
    .filter((x, i, all) => !['--against', '--churn'].includes(x) && !['--against', '--churn'].includes(all[i - 1]));
  for (let round = 0; round < Number(a.rounds); round++)
    for (const churn of churns)
      // Turns: the side that went first goes second next round (the machine is shared and noisy).
      for (const n of round % 2 ? [...names].reverse() : names) {
        const out = execFileSync(
          process.execPath,
          [...process.execArgv, self, ...pass, '--side', n, '--churn', churn],
          {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'inherit'],
            maxBuffer: 1 << 24,
          },
        );
        const k = `${churn}\u0000${n}`;
        results.set(k, [...(results.get(k) ?? []), JSON.parse(out.trim().split('\n').at(-1)!) as Result]);
      }
  const sha = a.against ? execFileSync('git', ['rev-parse', '--short', a.against], { encoding: 'utf8' }).trim() : '';
  const label = (n: string) => (n === SELF ? n : `${n} (${sha})`);
  const rows = HOSTS * (CONTAINERS + 3);
  const ticks = Number(a.ticks);
  console.log(
    `alerts: ${RULES} rules, ${HOSTS} hosts × ${CONTAINERS} containers (+2 mounts each) = ${rows} stored rows a tick, ${ticks} ticks of ${INTERVAL} s, ${Math.round(EVENTS / ticks)} new events a tick, ${a.rounds} round(s), each side in its own process`,
  );
  console.log(`  load average ${load(load0)} at the start, ${load(os.loadavg())} at the end (uptime: ${up0})`);
  for (const churn of churns) {
    const r0 = results.get(`${churn}\u0000${names[0]}`)![0];
    const later = (xs: number[]) => xs.slice(1);
    console.log(
      `  ${churn}: ${median(later(r0.past)).toLocaleString('en')} series×rule pairs past a threshold, ${median(later(r0.flips)).toLocaleString('en')} changing side a tick (medians)`,
    );
    const all = (n: string, k: 'passMs' | 'tickMs' | 'cpuMs') =>
      results.get(`${churn}\u0000${n}`)!.flatMap((r) => later(r[k]));
    for (const n of names) {
      const rs = results.get(`${churn}\u0000${n}`)!;
      const cpu = all(n, 'cpuMs');
      console.log(
        `    ${label(n).padEnd(16)} a tick's CPU median ${ms(median(cpu))} = ${pct(median(cpu))} of its ${INTERVAL} s (wall ${ms(median(all(n, 'tickMs')))}), slowest ${ms(Math.max(...cpu))}, the first ${ms(median(rs.map((r) => r.cpuMs[0])))}; pass median ${ms(median(all(n, 'passMs')))}; event loop held at most ${ms(Math.max(...rs.flatMap((r) => later(r.blockCpuMs))))} of CPU at a time (${ms(Math.max(...rs.flatMap((r) => later(r.blockMs))))} wall); firing ${rs[0].firing}`,
      );
    }
    if (names.length === 2) {
      const [old, cur] = names;
      const ratio = (k: 'passMs' | 'tickMs' | 'cpuMs') => (median(all(old, k)) / median(all(cur, k))).toFixed(1);
      console.log(
        `    ratio ${label(old)} / ${SELF}: a tick's CPU ${ratio('cpuMs')}×, wall ${ratio('tickMs')}×, pass ${ratio('passMs')}×`,
      );
    }
  }
}

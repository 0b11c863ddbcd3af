// What alert evaluation costs at fleet size: 50 rules over 10,000 hosts × 40 containers.
// Two figures, from one run on a real migrated SQLite file:
// - a pass (what time alone changes: every host's silence against its interval, the events
//   stored since the pass before, restart loops calming down), run every 10 s;
// - judging one tick of the whole fleet's stored batches against the metric rules (done after
//   each batch is stored, outside the request), against the 10 s the tick takes.
// With --against REF (a git commit or branch, e.g. main) the evaluator of REF judges the same
// batches (the same seed) in the same run, each side in a process of its own (a fleet's worth of
// state in one heap must not slow the other side's garbage collector), taking turns round by
// round (--rounds), and both rows are printed with their ratio. Also printed: the longest the
// event loop was held by one go of judging (what an ingest request or a query may wait behind).
// Usage: npx tsx bench/alerts.ts [--hosts 10000] [--containers 40] [--rules 50] [--events 2000]
//        [--ticks 6] [--against main] [--rounds 1]
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
    ticks: { type: 'string', default: '6' },
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
const kinds = ['container-metric', 'container-metric', 'host-metric', 'labelled', 'event', 'host_offline'];
const events = ['oom', 'die', 'restart_loop', 'unhealthy'];
for (let i = 0; i < RULES; i++) {
  const k = kinds[i % kinds.length];
  const name = `  - name: rule ${i}\n    notify: [ops]\n`;
  if (k === 'container-metric')
    rules.push(
      `${name}    entity: container\n    metric: ${i % 4 ? 'cpu_pct' : 'mem_pct'}\n    above: ${70 + (i % 25)}\n    for: 2m\n    containers: "${i % 3 ? 'web*' : '*'}"\n`,
    );
  else if (k === 'host-metric')
    rules.push(`${name}    entity: host\n    metric: cpu_pct\n    above: ${80 + (i % 15)}\n    for: 5m\n`);
  else if (k === 'labelled')
    rules.push(`${name}    entity: host\n    metric: fs_used_pct\n    above: 90\n    for: 5m\n`);
  else if (k === 'event') rules.push(`${name}    event: ${events[i % events.length]}\n`);
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
  tickMs: number[];
  blockMs: number[];
  firing: number;
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

// Each series wanders ±3 around a level of its own (a busy container stays busy), as real ones do.
const levels = new Map<string, number>();
const level = (k: string) => {
  let l = levels.get(k);
  if (l === undefined) levels.set(k, (l = rand() * 100));
  return Math.max(0, Math.min(100, l + (rand() - 0.5) * 6));
};

function fleetTick(ts: number): ColumnBatch[] {
  const out: ColumnBatch[] = [];
  for (let h = 0; h < HOSTS; h++) {
    const containers = [];
    for (let c = 0; c < CONTAINERS; c++)
      containers.push({
        id: `id${h}x${c}`,
        name: c % 2 ? `web-${c}` : `db-${c}`,
        ts: [ts],
        metrics: { cpu_pct: [level(`c${h}x${c}`)], mem_pct: [level(`m${h}x${c}`)], net_rx_bps: [rand() * 1e6] },
      });
    out.push({
      v: 2,
      batch_id: `b${h}-${ts}`,
      agent: { host: `host-${h}`, interval: INTERVAL },
      host: { ts: [ts], metrics: { cpu_pct: [level(`h${h}`)], mem_pct: [level(`hm${h}`)] } },
      containers,
      series: [
        { name: 'fs_used_pct', labels: { mount: '/' }, ts: [ts], values: [level(`f${h}`)] },
        { name: 'fs_used_pct', labels: { mount: '/data' }, ts: [ts], values: [level(`d${h}`)] },
      ],
    } as ColumnBatch);
  }
  return out;
}

/** One side in this process: its own database, every tick, the figures as one JSON line. */
async function runSide(which: string): Promise<void> {
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
  const r: Result = { passMs: [], tickMs: [], blockMs: [], firing: 0 };
  const ticks = Number(a.ticks);
  for (let t = 0; t < ticks; t++) {
    now += INTERVAL;
    const batches = fleetTick(now);
    addEvents(sqlite, eventRows(Math.round(EVENTS / ticks), now));
    const t0 = performance.now();
    for (const b of batches) ev.observe(b);
    let block = 0;
    do {
      const t1 = performance.now();
      ev.drain(SLICE_MS);
      block = Math.max(block, performance.now() - t1);
    } while (ev.queued);
    r.tickMs.push(performance.now() - t0);
    r.blockMs.push(block);
    const t2 = performance.now();
    ev.pass();
    r.passMs.push(performance.now() - t2);
  }
  r.firing = ev.firing().length;
  sqlite.close();
  console.log(JSON.stringify(r));
}

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');

if (a.side) await runSide(a.side);
else {
  const names = a.against ? [a.against, SELF] : [SELF];
  const results = new Map<string, Result[]>(names.map((n) => [n, []]));
  const load0 = os.loadavg();
  const self = fileURLToPath(import.meta.url);
  const pass = process.argv.slice(2).filter((x, i, all) => x !== '--against' && all[i - 1] !== '--against');
  for (let round = 0; round < Number(a.rounds); round++)
    // Turns: the side that went first goes second next round (the machine is shared and noisy).
    for (const n of round % 2 ? [...names].reverse() : names) {
      const out = execFileSync(process.execPath, [...process.execArgv, self, ...pass, '--side', n], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 24,
      });
      results.get(n)!.push(JSON.parse(out.trim().split('\n').at(-1)!) as Result);
    }
  const sha = a.against ? execFileSync('git', ['rev-parse', '--short', a.against], { encoding: 'utf8' }).trim() : '';
  const label = (n: string) => (n === SELF ? n : `${n} (${sha})`);
  const rows = HOSTS * (CONTAINERS + 3);
  const ticks = Number(a.ticks);
  console.log(
    `alerts: ${RULES} rules, ${HOSTS} hosts × ${CONTAINERS} containers (+2 mounts each), ${ticks} ticks of ${INTERVAL} s, ${Math.round(EVENTS / ticks)} new events a tick, ${a.rounds} round(s), each side in its own process`,
  );
  console.log(`  load average ${load(load0)} at the start, ${load(os.loadavg())} at the end`);
  const all = (n: string, k: 'passMs' | 'tickMs') => results.get(n)!.flatMap((r) => r[k].slice(1));
  for (const n of names) {
    const rs = results.get(n)!;
    const tick = median(all(n, 'tickMs'));
    console.log(
      `  ${label(n).padEnd(16)} pass median ${median(all(n, 'passMs')).toFixed(0)} ms; judging a fleet tick (${rows} stored rows) median ${tick.toFixed(0)} ms = ${((tick / (INTERVAL * 1000)) * 100).toFixed(1)} % of its ${INTERVAL} s (the first, with every wait beginning: ${median(rs.map((r) => r.tickMs[0])).toFixed(0)} ms); event loop held at most ${Math.max(...rs.flatMap((r) => r.blockMs.slice(1))).toFixed(0)} ms at a time; firing ${rs[0].firing}`,
    );
  }
  if (names.length === 2) {
    const [old, cur] = names;
    console.log(
      `  ratio ${label(old)} / ${SELF}: pass ${(median(all(old, 'passMs')) / median(all(cur, 'passMs'))).toFixed(1)}×, fleet tick ${(median(all(old, 'tickMs')) / median(all(cur, 'tickMs'))).toFixed(1)}×`,
    );
  }
}

// What alert evaluation costs at fleet size: 50 rules over 10,000 hosts × 40 containers.
// Two figures, from one run on a real migrated SQLite file:
// - a pass (what time alone changes: every host's silence against its interval, the events
//   stored since the pass before, restart loops calming down), run every 10 s;
// - judging one tick of the whole fleet's stored batches against the metric rules (done after
//   each batch is stored, outside the request), against the 10 s the tick takes.
// With --against REF (a git commit or branch, e.g. main) the evaluator of REF judges the same
// batches in the same run, on a database of its own, the two taking turns tick by tick, and
// both rows are printed with their ratio. Also printed: the longest the event loop was held by
// one go of judging (what an ingest request or a query may have to wait behind).
// Usage: npx tsx bench/alerts.ts [--hosts 10000] [--containers 40] [--rules 50] [--events 2000]
//        [--ticks 6] [--against main]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
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
interface Side {
  name: string;
  ev: Judge;
  close(): void;
  passMs: number[];
  tickMs: number[];
  blockMs: number[];
}

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

function side(
  name: string,
  Evaluator: new (d: ConstructorParameters<typeof AlertEvaluator>[0]) => Judge,
  parse: typeof parseRuleFile,
): Side {
  const db = openDb(path.join(tempDir(), 'alerts-bench.db'));
  const sqlite = db.$client;
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
  const ev = new Evaluator({ sqlite, now: () => now, publicUrl: () => 'http://berth' });
  ev.setConfig(parse(ruleFile, { smtp: false }));
  sides.push({ name, ev, close: () => sqlite.close(), passMs: [], tickMs: [], blockMs: [] });
  dbs.push(sqlite);
  return sides[sides.length - 1];
}
const sides: Side[] = [];
const dbs: ReturnType<typeof openDb>['$client'][] = [];
if (a.against) {
  const m = await modulesOf(a.against);
  side(m.name, m.Evaluator, m.parse);
}
side('this tree', AlertEvaluator as new (d: ConstructorParameters<typeof AlertEvaluator>[0]) => Judge, parseRuleFile);

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
const addEvents = (rows: unknown[][]) => {
  for (const sqlite of dbs) {
    const insert = sqlite.prepare(
      `INSERT INTO events (host_id, ts, ns, type, container, container_id, exit_code, health, cause, received_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    sqlite.transaction(() => {
      for (const r of rows) insert.run(...r);
    })();
  }
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

const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const ticks = Number(a.ticks);
const load0 = os.loadavg();
for (let t = 0; t < ticks; t++) {
  now += INTERVAL;
  const batches = fleetTick(now);
  const events = eventRows(Math.round(EVENTS / ticks), now);
  addEvents(events);
  // Turns: the side that went first goes second next tick (the machine is shared and noisy).
  const order = t % 2 ? [...sides].reverse() : sides;
  for (const s of order) {
    const t0 = performance.now();
    for (const b of batches) s.ev.observe(b);
    let block = 0;
    do {
      const t1 = performance.now();
      s.ev.drain(SLICE_MS);
      block = Math.max(block, performance.now() - t1);
    } while (s.ev.queued);
    s.tickMs.push(performance.now() - t0);
    s.blockMs.push(block);
    const t2 = performance.now();
    s.ev.pass();
    s.passMs.push(performance.now() - t2);
  }
}
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
const rows = HOSTS * (CONTAINERS + 3);
console.log(
  `alerts: ${RULES} rules, ${HOSTS} hosts × ${CONTAINERS} containers (+2 mounts each), ${ticks} ticks of ${INTERVAL} s, ${Math.round(EVENTS / ticks)} new events a tick`,
);
console.log(`  load average ${load(load0)} at the start, ${load(os.loadavg())} at the end`);
for (const s of sides) {
  const tick = median(s.tickMs);
  console.log(
    `  ${s.name.padEnd(16)} pass median ${median(s.passMs).toFixed(0)} ms (max ${Math.max(...s.passMs).toFixed(0)}); judging a fleet tick (${rows} stored rows) median ${tick.toFixed(0)} ms = ${((tick / (INTERVAL * 1000)) * 100).toFixed(1)} % of its ${INTERVAL} s (first tick ${s.tickMs[0].toFixed(0)} ms); event loop held at most ${Math.max(...s.blockMs.slice(s.blockMs.length > 1 ? 1 : 0)).toFixed(0)} ms at a time; firing ${s.ev.firing().length}`,
  );
}
if (sides.length === 2) {
  const [old, cur] = sides;
  console.log(
    `  ratio ${old.name} / this tree: pass ${(median(old.passMs) / median(cur.passMs)).toFixed(1)}×, fleet tick ${(median(old.tickMs) / median(cur.tickMs)).toFixed(1)}×`,
  );
}
for (const s of sides) s.close();

// What alert evaluation costs at fleet size: 50 rules over 10,000 hosts × 40 containers.
// Two figures, from one run on a real migrated SQLite file:
// - a pass (what time alone changes: every host's silence against its interval, the events
//   stored since the pass before, restart loops calming down), run every 10 s;
// - judging one tick of the whole fleet's stored batches against the metric rules (done after
//   each batch is stored, outside the request), against the 10 s the tick takes.
// Usage: npx tsx bench/alerts.ts [--hosts 10000] [--containers 40] [--rules 50] [--events 2000]
import os from 'node:os';
import path from 'node:path';
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
const config = parseRuleFile(`receivers:\n  ops:\n    webhook: http://127.0.0.1:9/hook\nrules:\n${rules.join('')}`, {
  smtp: false,
});

const db = openDb(path.join(tempDir(), 'alerts-bench.db'));
const sqlite = db.$client;
const insertHost = sqlite.prepare(
  'INSERT INTO hosts (name, interval_s, first_seen, last_seen, last_ts) VALUES (?, ?, ?, ?, ?)',
);
const rand = rng(19);
sqlite.transaction(() => {
  // 1 % of hosts silent for minutes; the rest current.
  for (let h = 0; h < HOSTS; h++) {
    const last = rand() < 0.01 ? NOW - 300 : NOW - 5;
    insertHost.run(`host-${h}`, INTERVAL, NOW - 86_400, last, last);
  }
})();
let now = NOW - 600;
const ev = new AlertEvaluator({ sqlite, now: () => now, publicUrl: () => 'http://berth' });
ev.setConfig(config);
const insertEvent = sqlite.prepare(
  `INSERT INTO events (host_id, ts, ns, type, container, container_id, exit_code, health, cause, received_at)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
);
const addEvents = (n: number, at: number) =>
  sqlite.transaction(() => {
    for (let i = 0; i < n; i++) {
      const host = 1 + Math.floor(rand() * HOSTS);
      const c = Math.floor(rand() * CONTAINERS);
      const type = ['die', 'start', 'oom', 'health_status'][i % 4];
      insertEvent.run(
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
      );
    }
  })();

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
const passMs: number[] = [];
const tickMs: number[] = [];
const ticks = Number(a.ticks);
for (let t = 0; t < ticks; t++) {
  now += INTERVAL;
  const batches = fleetTick(now);
  const t0 = performance.now();
  for (const b of batches) ev.observe(b);
  ev.drain();
  tickMs.push(performance.now() - t0);
  addEvents(Math.round(EVENTS / ticks), now);
  const t1 = performance.now();
  ev.pass();
  passMs.push(performance.now() - t1);
}
const rows = HOSTS * (CONTAINERS + 3);
console.log(
  `alerts: ${RULES} rules, ${HOSTS} hosts × ${CONTAINERS} containers (+2 mounts each), ${ticks} ticks of ${INTERVAL} s`,
);
console.log(
  `  pass (silent hosts, ${Math.round(EVENTS / ticks)} new events, loops): median ${median(passMs).toFixed(1)} ms, max ${Math.max(...passMs).toFixed(1)} ms`,
);
console.log(
  `  judging a fleet tick (${rows} stored rows): median ${median(tickMs).toFixed(0)} ms = ${((median(tickMs) / (INTERVAL * 1000)) * 100).toFixed(1)} % of the ${INTERVAL} s it spans; ${((median(tickMs) * 1000) / HOSTS).toFixed(1)} µs per host batch`,
);
console.log(
  `  firing now: ${ev.firing().length}; load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
sqlite.close();

// Bytes on disk per container at the default retention, for the layout before the integer
// samples (the migrations before it, REAL columns, avg/min/max/n per metric in rollups) and
// the current one (server/db/sample-layout.ts), from one run, on two value distributions:
//  - random: every metric uniform over a wide range (CPU 0–100 %, memory 0–8 GB, rates
//    0–50 MB/s, pids 0–200), at the catalogue's precision: the worst case;
//  - realistic: 70 % idle containers (CPU 0–0.3 %, memory and limit constant, no network or
//    block I/O, pids constant) and 30 % busy ones (CPU 5–80 %, memory drifting in 4 KiB
//    pages, network 1 kB/s–5 MB/s, block writes a third of the time, pids drifting).
// Each file gets C containers × D days of raw rows at 10 s, written tick by tick as ingest
// writes them, then its rollups (the current code's runRollups; for the old layout the same
// buckets by avg/min/max/count in SQL, as its code did). Bytes per row of each tier come from
// dbstat; the default retention's rows per container (raw 7 d at 10 s, 1 m 30 d, 5 m 180 d,
// 1 h 2 y) turn them into MB per container.
// Usage: npx tsx bench/bytes.ts [--containers 40] [--days 1] [--interval 10]
//        (KEEP=1 keeps the files and prints where, for sqlite3 and dbstat)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CONTAINER_METRICS } from '../protocol/metrics.ts';
import { MIGRATIONS_DIR, openDb } from '../server/db/open.ts';
import { quantize, rawValueColumns, STORED } from '../server/db/sample-layout.ts';
import { runRollups } from '../server/rollup/rollup.ts';
import { DEFAULT_RETENTION, ROLLUP_TIERS, tableOf, type TierName } from '../server/rollup/tiers.ts';
import { flags, noise } from './synthetic.ts';

const opt = flags({ containers: 40, days: 1, interval: 10 });
const DAY = 86400;
const T0 = Math.floor(Date.UTC(2026, 10, 1) / 1000);
const TIERS: TierName[] = ['raw', ...ROLLUP_TIERS.map((t) => t.name)];
const NAMES = CONTAINER_METRICS.map((m) => m.name);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-bytes-'));

/** Rows one container keeps in each tier at the default retention. */
const keptRows = (tier: TierName) =>
  DEFAULT_RETENTION[tier] / (tier === 'raw' ? opt.interval : ROLLUP_TIERS.find((t) => t.name === tier)!.step);

type Values = (c: number, ts: number) => number[];

/** Worst case: each metric uniform over its range, every tick independent. */
const random: Values = (c, ts) =>
  NAMES.map((n, i) => {
    const u = noise(c, i, ts);
    if (n === 'cpu_pct' || n === 'mem_pct') return u * 100;
    if (n.endsWith('_bps')) return u * 5e7;
    if (n.endsWith('_bytes')) return Math.round(u * 8e9);
    return Math.round(u * 200); // pids
  });

/** Idle and busy containers as a host runs them. */
const realistic: Values = (c, ts) => {
  const busy = c % 10 >= 7;
  const limit = c % 2 ? 8_331_522_048 : 536_870_912; // the host's memory (no limit) or -m 512m
  const k = Math.floor(ts / opt.interval);
  if (!busy) {
    const mem = 4096 * (5000 + 97 * c);
    return [noise(c, 0, ts) * 0.3, mem, limit, (mem / limit) * 100, 0, 0, 0, 0, 3 + (c % 5)];
  }
  const mem = 4096 * (40_000 + 500 * c + Math.floor(2000 * Math.sin(k / 500 + c)) + Math.floor(noise(c, 1, ts) * 8));
  const rate = (m: number) => 1000 + noise(c, m, ts) * noise(c, m + 10, k >> 6) * 5e6;
  return [
    5 + noise(c, 0, ts) * 75,
    mem,
    limit,
    (mem / limit) * 100,
    rate(2),
    rate(3),
    0,
    noise(c, 4, k >> 3) < 0.33 ? rate(5) : 0,
    30 + Math.floor(noise(c, 6, k >> 8) * 20),
  ];
};

/** The migrations before the integer layout: a copy of the folder with the journal cut there. */
function oldMigrations(): string {
  const out = path.join(dir, 'migrations-before');
  fs.cpSync(MIGRATIONS_DIR, out, { recursive: true });
  const journalFile = path.join(out, 'meta', '_journal.json');
  const journal = JSON.parse(fs.readFileSync(journalFile, 'utf8')) as { entries: { tag: string }[] };
  const first = journal.entries.findIndex((e) =>
    fs.readFileSync(path.join(MIGRATIONS_DIR, `${e.tag}.sql`), 'utf8').includes('cpu_pct_x100'),
  );
  journal.entries = journal.entries.slice(0, first);
  fs.writeFileSync(journalFile, JSON.stringify(journal));
  return out;
}

interface Layout {
  name: string;
  open(file: string): Database.Database;
  insert(sqlite: Database.Database): (id: number, ts: number, values: number[]) => void;
  rollup(sqlite: Database.Database, now: number): void;
}

const before: Layout = {
  name: 'before (REAL, avg/min/max/n)',
  open: (file) => openDb(file, { migrationsDir: oldMigrations() }).$client,
  insert(sqlite) {
    const ins = sqlite.prepare(
      `INSERT INTO container_samples (container_id, ts, ${NAMES.join(', ')}) VALUES (${Array(NAMES.length + 2)
        .fill('?')
        .join(', ')})`,
    );
    return (id, ts, values) => ins.run(id, ts, ...values);
  },
  rollup(sqlite, now) {
    // What the old code computed: per tier from the one below, an hour of source at a time.
    for (const tier of ROLLUP_TIERS) {
      const src = tableOf('container', tier.source);
      const agg = NAMES.map((c) =>
        tier.source === 'raw'
          ? `avg(${c}), min(${c}), max(${c}), count(${c})`
          : `sum(${c}_avg * ${c}_n) / sum(${c}_n), min(${c}_min), max(${c}_max), coalesce(sum(${c}_n), 0)`,
      ).join(', ');
      const cols = NAMES.map((c) => `${c}_avg, ${c}_min, ${c}_max, ${c}_n`).join(', ');
      const ins = sqlite.prepare(
        `INSERT OR REPLACE INTO ${tableOf('container', tier.name)} (container_id, ts, ${cols})
         SELECT container_id, (ts / ${tier.step}) * ${tier.step} AS b, ${agg} FROM ${src}
         WHERE ts >= ? AND ts < ? GROUP BY container_id, b`,
      );
      const chunk = Math.max(3600, tier.step * 12);
      for (let t = T0; t < now; t += chunk) sqlite.transaction(() => ins.run(t, Math.min(t + chunk, now)))();
    }
  },
};

const current: Layout = {
  name: 'now (integers at the catalogue step)',
  open: (file) => openDb(file).$client,
  insert(sqlite) {
    const cols = rawValueColumns('container');
    const ins = sqlite.prepare(
      `INSERT INTO container_samples (container_id, ts, ${cols.join(', ')}) VALUES (${Array(cols.length + 2)
        .fill('?')
        .join(', ')})`,
    );
    const steps = STORED.container.map((m) => m.step);
    return (id, ts, values) => ins.run(id, ts, ...values.map((v, i) => quantize(v, steps[i])));
  },
  rollup: (sqlite, now) => void runRollups(sqlite, now),
};

function measure(layout: Layout, values: Values, label: string): Record<TierName, number> {
  const file = path.join(dir, `${label}.db`);
  const sqlite = layout.open(file);
  const end = T0 + opt.days * DAY;
  sqlite.transaction(() => {
    const host = sqlite
      .prepare("INSERT INTO hosts (name, first_seen, last_seen, last_ts) VALUES ('bench', ?, ?, ?) RETURNING id")
      .pluck()
      .get(T0, end, end) as number;
    const add = sqlite.prepare(
      'INSERT INTO containers (host_id, name, container_id, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)',
    );
    for (let c = 1; c <= opt.containers; c++) add.run(host, `c${c}`, `id${c}`, T0, end);
  })();
  const ids = sqlite.prepare('SELECT id FROM containers ORDER BY id').pluck().all() as number[];
  const insert = layout.insert(sqlite);
  // Tick by tick, every container's row in each, as ingest writes them.
  const perTx = Math.max(1, Math.floor(5000 / opt.containers));
  for (let ts = T0; ts < end; ts += perTx * opt.interval)
    sqlite.transaction(() => {
      for (let t = ts; t < Math.min(end, ts + perTx * opt.interval); t += opt.interval)
        ids.forEach((id, c) => insert(id, t, values(c, t)));
    })();
  layout.rollup(sqlite, end + 3600 + 600);
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const bytes = new Map(
    sqlite.prepare('SELECT name, sum(pgsize) FROM dbstat GROUP BY name').raw().all() as [string, number][],
  );
  const out = {} as Record<TierName, number>;
  for (const tier of TIERS) {
    const table = tableOf('container', tier);
    const rows = sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    out[tier] = (bytes.get(table) ?? 0) / Math.max(1, rows);
  }
  sqlite.close();
  return out;
}

const mb = (x: number) => (x / 1e6).toFixed(2);
console.log(
  `${opt.containers} containers × ${opt.days} d at ${opt.interval} s per file; bytes per row from dbstat; MB per container at the default retention`,
);
console.log(`(rows kept per container: ${TIERS.map((t) => `${t} ${keptRows(t).toLocaleString('en')}`).join(', ')})\n`);
console.log(
  'values     layout                                  raw B/row  1m B/row  5m B/row  1h B/row   raw MB   1m MB   5m MB   1h MB   total MB',
);
for (const [label, values] of [
  ['random', random],
  ['realistic', realistic],
] as const) {
  const totals: number[] = [];
  for (const layout of [before, current]) {
    const perRow = measure(layout, values, `${label}-${layout === before ? 'before' : 'now'}`);
    const perTier = TIERS.map((t) => perRow[t] * keptRows(t));
    const total = perTier.reduce((a, b) => a + b, 0);
    totals.push(total);
    console.log(
      `${label.padEnd(10)} ${layout.name.padEnd(38)} ${TIERS.map((t) => perRow[t].toFixed(1).padStart(9)).join(' ')} ${perTier.map((b) => mb(b).padStart(7)).join(' ')} ${mb(total).padStart(10)}`,
    );
  }
  console.log(`${label.padEnd(10)} now / before: ${(totals[1] / totals[0]).toFixed(3)}\n`);
}
if (!process.env.KEEP) fs.rmSync(dir, { recursive: true, force: true });
else console.log(dir);

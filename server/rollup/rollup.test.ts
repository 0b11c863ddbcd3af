// Rollups against a brute-force computation over the raw rows, on a real migrated SQLite file:
// random data with gaps, null columns, containers present for part of a bucket, a container
// recreated under the same name, an outage replayed from the spool hours later, duplicate
// resends. After every rollup run, every bucket below each tier's watermark must equal what
// avg/min/max/count over the raw samples of that bucket give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { openDb } from '../db/open.ts';
import { storeBatch } from '../ingest/store-batch.ts';
import { batch as batchSchema, type BatchInput } from '../../protocol/batch.ts';
import { tempDir } from '../../test/support/temp.ts';
import { runRollups, RAW_SETTLE_SECONDS } from './rollup.ts';
import { enforceRetention } from './retention.ts';
import { KINDS, ROLLUP_TIERS, tableOf, type Kind } from './tiers.ts';
import { rng } from '../../test/support/random.ts';
import { reading } from '../db/sample-layout.ts';

type Snap = BatchInput['snapshots'][number];
interface Tick {
  host: string;
  snap: Snap;
}

let batchSeq = 0;
function store(sqlite: Database.Database, host: string, snaps: Snap[], now: number): void {
  const input: BatchInput = {
    v: 1,
    batch_id: `rollup-test-${batchSeq++}`,
    agent: { host, interval: 10, machine_id: `m-${host}` },
    snapshots: snaps,
  };
  storeBatch(sqlite, batchSchema.parse(input), now);
}

/**
 * Five hours of two hosts at 10 s: random gaps, metrics that are sometimes absent (null
 * columns), a container present for a few minutes only, `web` recreated with a new id, extra
 * metrics that become series. Timestamps start off the minute/hour grid on purpose.
 */
function generate(seed: number, t0: number, ticks: number): Tick[] {
  const r = rng(seed);
  const out: Tick[] = [];
  const spiky = (base: number) => (r() < 0.02 ? base * 20 : base * (0.5 + r()));
  for (let i = 0; i < ticks; i++) {
    const ts = t0 + i * 10;
    for (const host of ['alpha', 'beta']) {
      if (r() < 0.03) continue; // a missed tick
      const hostVals: Record<string, number> = { cpu_pct: spiky(20), mem_used_bytes: Math.round(r() * 8e9) };
      if (r() < 0.8) hostVals.load1 = r() * 4;
      if (r() < 0.5) hostVals.tcp_established = Math.round(r() * 300); // not a core metric: a series
      const containers: Snap['containers'] = [];
      const web = {
        id: i < ticks / 2 ? `${host}-web-old` : `${host}-web-new`,
        name: 'web',
        image: 'nginx',
        metrics: { cpu_pct: spiky(5), mem_bytes: r() * 1e8 },
      };
      containers.push(web);
      containers.push({
        id: `${host}-db`,
        name: 'db',
        metrics: { cpu_pct: spiky(10), pids: Math.round(r() * 40), ...(r() < 0.5 ? { blk_read_bps: r() * 1e6 } : {}) },
      });
      // Present for a few minutes only, starting mid-minute: its buckets average its own samples.
      if ((i > 183 && i < 226) || (i > 783 && i < 790))
        containers.push({
          id: `${host}-job-${i > 700 ? 2 : 1}`,
          name: 'job',
          metrics: { cpu_pct: spiky(50), gpu_pct: r() * 100 },
        });
      const series: Snap['series'] = [{ name: 'net_rx_bps', labels: { iface: 'eth0' }, value: r() * 1e6 }];
      if (r() < 0.7) series.push({ name: 'fs_used_bytes', labels: { mount: '/' }, value: Math.round(r() * 1e10) });
      out.push({ host, snap: { ts, host: hostVals, containers, series } });
    }
  }
  return out;
}

interface Agg {
  avg: number | null;
  min: number | null;
  max: number | null;
  n: number;
}

/** key:bucket → one Agg per column, computed in JS from raw rows [key, ts, ...columns]. */
function bruteForce(rows: (number | null)[][], columns: number, step: number, below: number): Map<string, Agg[]> {
  const acc = new Map<string, { sum: number; min: number; max: number; n: number }[]>();
  for (const row of rows) {
    const ts = row[1]!;
    if (ts >= below) continue;
    const key = `${row[0]}:${ts - (ts % step)}`;
    let a = acc.get(key);
    if (!a)
      acc.set(key, (a = Array.from({ length: columns }, () => ({ sum: 0, min: Infinity, max: -Infinity, n: 0 }))));
    for (let i = 0; i < columns; i++) {
      const v = row[2 + i];
      if (v === null) continue;
      const x = a[i];
      x.sum += v;
      if (v < x.min) x.min = v;
      if (v > x.max) x.max = v;
      x.n++;
    }
  }
  const out = new Map<string, Agg[]>();
  for (const [k, a] of acc)
    out.set(
      k,
      a.map((x) =>
        x.n ? { avg: x.sum / x.n, min: x.min, max: x.max, n: x.n } : { avg: null, min: null, max: null, n: 0 },
      ),
    );
  return out;
}

function stored(sqlite: Database.Database, kind: Kind, tier: string, below: number): Map<string, Agg[]> {
  const def = KINDS[kind];
  // Read as every reader reads it (db/sample-layout.ts): plain mean, min, max and count.
  const cols = def.columns
    .map((c) => {
      const x = reading(kind, c, true);
      return `${x.avg}, ${x.min}, ${x.max}, ${x.cnt}`;
    })
    .join(', ');
  const rows = sqlite
    .prepare(`SELECT ${def.key}, ts, ${cols} FROM ${tableOf(kind, tier as '1m')} WHERE ts < ?`)
    .raw()
    .all(below) as (number | null)[][];
  const out = new Map<string, Agg[]>();
  for (const r of rows) {
    out.set(
      `${r[0]}:${r[1]}`,
      def.columns.map((_, i) => ({
        avg: r[2 + 4 * i],
        min: r[3 + 4 * i],
        max: r[4 + 4 * i],
        n: r[5 + 4 * i] as number,
      })),
    );
  }
  return out;
}

function watermark(sqlite: Database.Database, kind: Kind, tier: string): number {
  return (
    (sqlite.prepare('SELECT watermark FROM rollup_state WHERE kind = ? AND tier = ?').pluck().get(kind, tier) as
      number | undefined) ?? -Infinity
  );
}

const close = (a: number | null, b: number | null) =>
  a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

/** Every bucket below every tier's watermark equals the brute force over raw; returns buckets checked. */
function assertRollupsExact(sqlite: Database.Database, when: string): number {
  let checked = 0;
  for (const kind of Object.keys(KINDS) as Kind[]) {
    const def = KINDS[kind];
    const rows = sqlite
      .prepare(
        `SELECT ${def.key}, ts, ${def.columns.map((c) => reading(kind, c, false).avg).join(', ')} FROM ${def.table}`,
      )
      .raw()
      .all() as (number | null)[][];
    for (const tier of ROLLUP_TIERS) {
      const wm = watermark(sqlite, kind, tier.name);
      if (wm === -Infinity) continue;
      const want = bruteForce(rows, def.columns.length, tier.step, wm);
      const got = stored(sqlite, kind, tier.name, wm);
      for (const [k, w] of want) {
        const g = got.get(k);
        if (!g) assert.fail(`${when}: ${kind} ${tier.name} bucket ${k} missing`);
        KINDS[kind].columns.forEach((c, i) => {
          const ok =
            close(g![i].avg, w[i].avg) && g![i].min === w[i].min && g![i].max === w[i].max && g![i].n === w[i].n;
          if (!ok)
            assert.fail(
              `${when}: ${kind} ${tier.name} ${k} ${c}: stored ${JSON.stringify(g![i])}, raw says ${JSON.stringify(w[i])}`,
            );
        });
        checked++;
      }
      for (const k of got.keys())
        if (!want.has(k)) assert.fail(`${when}: ${kind} ${tier.name} bucket ${k} has no raw rows behind it`);
    }
  }
  return checked;
}

function dumpRollups(sqlite: Database.Database): string {
  const parts: string[] = [];
  for (const kind of Object.keys(KINDS) as Kind[]) {
    for (const tier of ROLLUP_TIERS) {
      parts.push(
        JSON.stringify(
          sqlite
            .prepare(`SELECT * FROM ${tableOf(kind, tier.name)} ORDER BY 1, 2`)
            .raw()
            .all(),
        ),
      );
    }
  }
  parts.push(JSON.stringify(sqlite.prepare('SELECT * FROM rollup_state ORDER BY 1, 2').raw().all()));
  parts.push(JSON.stringify(sqlite.prepare('SELECT * FROM rollup_dirty ORDER BY 1, 2, 3').raw().all()));
  return parts.join('\n');
}

const T0 = 1_789_992_070; // 10 s aligned, off the minute, 5 m and hour grid
const TICKS = 1800; // five hours

for (const seed of [1, 2, 3]) {
  test(`seed ${seed}: every rollup bucket equals avg/min/max/count over its raw samples, through gaps, late data and recreation`, () => {
    const db = openDb(path.join(tempDir(), 'rollup.db'));
    const sqlite = db.$client;
    const r = rng(seed * 7919);
    const all = generate(seed, T0, TICKS);
    // The spool: beta is cut off from 1.5 h to 2.5 h; one alpha tick in ten is held back.
    const outage = (t: Tick) => t.host === 'beta' && t.snap.ts >= T0 + 5400 && t.snap.ts < T0 + 9000;
    const late = all.filter((t) => outage(t) || (t.host === 'alpha' && r() < 0.1));
    const onTime = all.filter((t) => !late.includes(t));

    let runs = 0;
    let nextRollup = T0 + 300;
    for (let i = 0; i < onTime.length;) {
      // Flush what the agents have, one batch per host per 30 s, then maybe a rollup run.
      const until = onTime[i].snap.ts + 30;
      const chunk: Tick[] = [];
      while (i < onTime.length && onTime[i].snap.ts < until) chunk.push(onTime[i++]);
      for (const host of ['alpha', 'beta']) {
        const snaps = chunk.filter((t) => t.host === host).map((t) => t.snap);
        if (snaps.length) store(sqlite, host, snaps, until);
      }
      if (until >= nextRollup) {
        runRollups(sqlite, until);
        // Checked every few runs (the brute force rereads all raw rows each time).
        if (++runs % 4 === 1) assertRollupsExact(sqlite, `on-time run ${runs} at ${until}`);
        nextRollup += 300;
      }
    }
    const end = T0 + TICKS * 10;
    runRollups(sqlite, end + 3600);
    assertRollupsExact(sqlite, 'before the replay');
    const before1m = watermark(sqlite, 'container', '1m');
    assert.ok(before1m > T0 + 9000, 'the outage is below the watermark: its rows are late');

    // Hours later the spool is replayed in batches of 18 snapshots, with a rollup run between
    // some of them; one batch is resent under a new id (rows already stored are absorbed).
    const now = end + 3 * 3600;
    for (const host of ['alpha', 'beta']) {
      const snaps = late.filter((t) => t.host === host).map((t) => t.snap);
      for (let k = 0; k < snaps.length; k += 18) {
        store(sqlite, host, snaps.slice(k, k + 18), now);
        if (k % 90 === 0) store(sqlite, host, snaps.slice(k, k + 18), now);
        if (k % 72 === 0) {
          runRollups(sqlite, now);
          assertRollupsExact(sqlite, `replay ${host} ${k}`);
        }
      }
    }
    const report = runRollups(sqlite, now);
    assert.ok(report.dirty > 0, 'the replay made buckets dirty');
    const checked = assertRollupsExact(sqlite, 'after the replay');
    assert.ok(checked > 3000, `checked ${checked} buckets`);

    // All raw rows are now under every watermark: the 1 h tier covers the whole five hours.
    assert.ok(watermark(sqlite, 'host', '1h') >= end);
    const rawRows = sqlite.prepare('SELECT count(*) FROM container_samples').pluck().get() as number;
    const n1h = sqlite.prepare('SELECT sum(samples) FROM container_metrics_1h').pluck().get() as number;
    assert.equal(n1h, rawRows, 'every container sample counted once in the 1 h tier (each has cpu_pct)');

    // Recreation kept one history: `web` is one entity with the new Docker id.
    const web = sqlite
      .prepare(
        "SELECT container_id FROM containers c JOIN hosts h ON h.id = c.host_id WHERE h.name = 'alpha' AND c.name = 'web'",
      )
      .pluck()
      .all();
    assert.deepEqual(web, ['alpha-web-new']);

    // Idempotent: running again, now or later, changes nothing.
    const dump = dumpRollups(sqlite);
    assert.deepEqual(runRollups(sqlite, now), { buckets: 0, dirty: 0 });
    assert.equal(dumpRollups(sqlite), dump);
    runRollups(sqlite, now + 600);
    const strip = (s: string) => s.split('\n').slice(0, -2).join('\n');
    assert.equal(strip(dumpRollups(sqlite)), strip(dump), 'a later run with no new data writes no rows');
    db.$client.close();
  });
}

test('the same data ingested in order and rolled up once gives the same tables as the incremental run with late data', () => {
  const all = generate(9, T0, 720);
  const a = openDb(path.join(tempDir(), 'a.db')).$client;
  const b = openDb(path.join(tempDir(), 'b.db')).$client;
  const end = T0 + 7200;
  for (const host of ['alpha', 'beta'])
    store(
      a,
      host,
      all.filter((t) => t.host === host).map((t) => t.snap),
      end,
    );
  runRollups(a, end + 7200);
  // b: second half first, rolled up, then the first half arrives late.
  for (const half of [1, 0]) {
    for (const host of ['alpha', 'beta']) {
      store(
        b,
        host,
        all.filter((t) => t.host === host && (t.snap.ts >= T0 + 3600 ? 1 : 0) === half).map((t) => t.snap),
        end,
      );
    }
    runRollups(b, end + 7200);
  }
  // Entity ids depend on arrival order, so rows are compared by entity name.
  const entity: Record<Kind, string> = {
    host: 'SELECT id, name FROM hosts',
    container: "SELECT c.id, h.name || '/' || c.name FROM containers c JOIN hosts h ON h.id = c.host_id",
    series: "SELECT s.id, h.name || '/' || s.name || s.labels FROM series s JOIN hosts h ON h.id = s.host_id",
  };
  const rows = (db: Database.Database, kind: Kind, table: string) => {
    const names = new Map(db.prepare(entity[kind]).raw().all() as [number, string][]);
    return (db.prepare(`SELECT * FROM ${table}`).raw().all() as (number | string | null)[][])
      .map(([id, ...rest]) => [names.get(id as number)!, ...rest])
      .sort((x, y) => (x[0]! < y[0]! ? -1 : x[0]! > y[0]! ? 1 : (x[1] as number) - (y[1] as number)));
  };
  for (const kind of Object.keys(KINDS) as Kind[]) {
    for (const tier of ROLLUP_TIERS) {
      const ra = rows(a, kind, tableOf(kind, tier.name));
      const rb = rows(b, kind, tableOf(kind, tier.name));
      assert.equal(rb.length, ra.length, `${kind} ${tier.name} row count`);
      ra.forEach((row, i) =>
        row.forEach((v, j) =>
          assert.ok(
            typeof v === 'string' ? v === rb[i][j] : close(v, rb[i][j] as number | null),
            `${kind} ${tier.name} row ${i} col ${j}: ${v} vs ${rb[i][j]}`,
          ),
        ),
      );
    }
  }
});

test('nothing is rolled up until a minute has settled (RAW_SETTLE_SECONDS after its end)', () => {
  const sqlite = openDb(path.join(tempDir(), 'settle.db')).$client;
  const t = 1_790_000_080; // 40 s into a minute
  store(
    sqlite,
    'alpha',
    [
      { ts: t - 35, host: { cpu_pct: 1 } },
      { ts: t - 25, host: { cpu_pct: 3 } },
    ],
    t,
  );
  runRollups(sqlite, t);
  runRollups(sqlite, t + RAW_SETTLE_SECONDS - 41);
  assert.equal(sqlite.prepare('SELECT count(*) FROM host_samples_1m').pluck().get(), 0);
  runRollups(sqlite, t + RAW_SETTLE_SECONDS + 20);
  assert.deepEqual(
    sqlite.prepare('SELECT ts, cpu_pct, cpu_pct_min, cpu_pct_max, samples FROM host_metrics_1m').raw().all(),
    [[t - 40, 2, 1, 3, 2]],
  );
});

test('late data older than the raw retention fills holes in the rollups but never overwrites a bucket whose raw rows are gone', async () => {
  const sqlite = openDb(path.join(tempDir(), 'old-late.db')).$client;
  const day = 86400;
  const t0 = 1_790_000_000 - (1_790_000_000 % 3600);
  // Minute t0: six samples on time, rolled up, then its raw rows expire (raw kept 1 day).
  store(
    sqlite,
    'alpha',
    [0, 10, 20, 30, 40, 50].map((s) => ({ ts: t0 + s, host: { cpu_pct: 10 } })),
    t0 + 60,
  );
  runRollups(sqlite, t0 + 3 * 3600);
  const retention = { raw: day, '1m': 30 * day, '5m': 180 * day, '1h': 730 * day };
  await enforceRetention(sqlite, retention, t0 + 2 * day);
  assert.equal(sqlite.prepare('SELECT count(*) FROM host_samples').pluck().get(), 0);
  // Two days later a spool replay brings one of those samples again (its batch id long
  // forgotten) and a minute that was never delivered.
  store(
    sqlite,
    'alpha',
    [
      { ts: t0 + 10, host: { cpu_pct: 10 } },
      { ts: t0 + 600, host: { cpu_pct: 70 } },
    ],
    t0 + 2 * day,
  );
  runRollups(sqlite, t0 + 2 * day);
  const m = sqlite.prepare('SELECT ts, cpu_pct, samples FROM host_metrics_1m ORDER BY ts').raw().all();
  assert.deepEqual(
    m,
    [
      [t0, 10, 6],
      [t0 + 600, 70, 1],
    ],
    'minute t0 keeps its six samples; the new minute is added',
  );
  const h = sqlite.prepare('SELECT ts, cpu_pct, samples FROM host_metrics_1h').raw().all() as number[][];
  assert.equal(h.length, 1);
  assert.deepEqual([h[0][0], h[0][2]], [t0, 7]);
  assert.ok(close(h[0][1], (6 * 10 + 70) / 7), `${h[0][1]}`);
});

test('values far past any real one (a hostile sender) neither stop the rollups nor take a bucket with them', () => {
  const sqlite = openDb(path.join(tempDir(), 'huge.db')).$client;
  const t0 = 1_790_000_000 - (1_790_000_000 % 3600);
  // Each fits a 64-bit integer at its step; their sum over a minute does not.
  const snaps = [0, 10, 20, 30, 40, 50].map((s) => ({
    ts: t0 + s,
    host: { cpu_pct: 5e16, mem_used_bytes: 4e18, load1: s === 0 ? 1e308 : 1 },
  }));
  store(sqlite, 'alpha', snaps, t0 + 60);
  store(sqlite, 'alpha', [{ ts: t0 + 70, host: { cpu_pct: 1, mem_used_bytes: 2, load1: 3 } }], t0 + 80);
  assert.doesNotThrow(() => runRollups(sqlite, t0 + 3 * 3600));
  const rows = sqlite
    .prepare('SELECT ts, samples, cpu_pct, mem_used_bytes_max, load1_min FROM host_metrics_1m ORDER BY ts')
    .raw()
    .all() as number[][];
  assert.equal(rows.length, 2);
  assert.deepEqual([rows[0][0], rows[0][1]], [t0, 6]);
  assert.ok(Math.abs(rows[0][2] / 5e16 - 1) < 1e-9, `mean ${rows[0][2]}`);
  assert.ok(Math.abs(rows[0][3] / 4e18 - 1) < 1e-9, `max ${rows[0][3]}`);
  assert.equal(rows[0][4], 1);
  assert.deepEqual(rows[1], [t0 + 60, 1, 1, 2, 3], 'the next minute as sent');
  assert.equal(sqlite.prepare('SELECT count(*) FROM host_metrics_1h').pluck().get(), 1);
  // 1e308 at a step of 0.01 is past the largest double: kept finite, as the largest one allows.
  const big = sqlite.prepare('SELECT load1 FROM host_metrics WHERE ts = ?').pluck().get(t0) as number;
  assert.equal(big, Number.MAX_VALUE / 100);
});

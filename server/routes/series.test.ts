// GET /api/v1/series on a real migrated file with 30 days of one host, two containers and a
// labelled series at 10 s: the tier and step chosen for 1 h, 24 h, 7 d and 30 d; every bucket
// equal to avg/min/max over the raw samples it covers (so rollups and the raw tail agree); the
// newest minutes, not rolled up yet, read from raw; gaps as null; _min/_max on request.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { SeriesAnswer } from '../query/source.ts';
import type Database from 'better-sqlite3';
import { testApp, type TestApp } from '../../test/support/server.ts';
import { storeBatch } from '../ingest/store-batch.ts';
import { batch as batchSchema } from '../../protocol/batch.ts';
import { runRollups } from '../rollup/rollup.ts';
import { enforceRetention } from '../rollup/retention.ts';
import { atStep } from '../../protocol/metrics.ts';

const DAY = 86400;
const NOW = 1_790_000_003; // off every grid, as a real clock is
const FIRST = NOW - (NOW % 10) - 30 * DAY;
const LAST = NOW - (NOW % 10) - 10; // the newest sample
const ROLLED_AT = NOW - 900; // rollups last ran 15 minutes ago
const HOLE = { from: NOW - 10 * DAY, to: NOW - 10 * DAY + 2 * 3600 }; // every agent down for 2 h
const RECENT_HOLE = { from: NOW - 5 * 3600, to: NOW - 5 * 3600 + 1800 };

type Resp = SeriesAnswer & { error?: string };

let t: TestApp;
/** Raw values by entity: [ts, cpu_pct, mem_bytes | null][] */
const raw: Record<string, [number, number, number | null][]> = { host: [], web: [], db: [], eth0: [] };

function wave(ts: number, phase: number): number {
  const spike = ts % 7919 === phase * 10 ? 400 : 0; // rare spikes that min/max must keep
  return 50 + 40 * Math.sin(ts / 5000 + phase) + ((ts * 2654435761 + phase) % 1000) / 100 + spike;
}

/** CPU at its stored step (0.01), and a row's values as the table holds them. */
const cpu = (v: number) => atStep(v, 0.01);
const stored = ([ts, c, m]: [number, number, number | null]) => [ts, Math.round(c * 100), m] as const;

before(() => {
  t = testApp({}, NOW);
  const sqlite = t.db.$client;
  // Entities through the ingest path (ids, names); the month of samples written directly.
  storeBatch(
    sqlite,
    batchSchema.parse({
      v: 1,
      batch_id: 'series-setup',
      agent: { host: 'alpha', interval: 10 },
      snapshots: [
        {
          ts: FIRST,
          host: { cpu_pct: 1 },
          containers: [
            { id: 'w1', name: 'web', metrics: { cpu_pct: 1 } },
            { id: 'd1', name: 'db', metrics: { cpu_pct: 1 } },
          ],
          series: [{ name: 'net_rx_bps', labels: { iface: 'eth0' }, value: 1 }],
        },
      ],
    }),
    FIRST,
  );
  const id = (sql: string) => sqlite.prepare(sql).pluck().get() as number;
  const hostId = id("SELECT id FROM hosts WHERE name = 'alpha'");
  const webId = id("SELECT id FROM containers WHERE name = 'web'");
  const dbId = id("SELECT id FROM containers WHERE name = 'db'");
  const seriesId = id("SELECT id FROM series WHERE name = 'net_rx_bps'");
  for (const table of ['host_samples', 'container_samples', 'series_samples'])
    sqlite.prepare(`DELETE FROM ${table}`).run();
  const h = sqlite.prepare(
    'INSERT OR REPLACE INTO host_samples (host_id, ts, cpu_pct_x100, mem_used_bytes) VALUES (?, ?, ?, ?)',
  );
  const c = sqlite.prepare(
    'INSERT OR REPLACE INTO container_samples (container_id, ts, cpu_pct_x100, mem_bytes) VALUES (?, ?, ?, ?)',
  );
  const s = sqlite.prepare('INSERT OR REPLACE INTO series_samples (series_id, ts, value) VALUES (?, ?, ?)');
  sqlite.transaction(() => {
    for (let ts = FIRST; ts <= LAST; ts += 10) {
      if ((ts >= HOLE.from && ts < HOLE.to) || (ts >= RECENT_HOLE.from && ts < RECENT_HOLE.to)) continue;
      // Stored as the ingest path stores them: CPU in hundredths, bytes whole.
      const hv: [number, number, number | null] = [
        ts,
        cpu(wave(ts, 0)),
        ts % 70 === 0 ? null : Math.round(4e9 + wave(ts, 1) * 1e6),
      ];
      h.run(hostId, ...stored(hv));
      raw.host.push(hv);
      const wv: [number, number, number | null] = [ts, cpu(wave(ts, 2)), Math.round(1e8 + wave(ts, 3))];
      c.run(webId, ...stored(wv));
      raw.web.push(wv);
      // db started a week ago: its 30-day chart is empty before that.
      if (ts >= NOW - 7 * DAY) {
        const dv: [number, number, number | null] = [ts, cpu(wave(ts, 4)), null];
        c.run(dbId, ...stored(dv));
        raw.db.push(dv);
      }
      s.run(seriesId, ts, wave(ts, 5) * 1000);
      raw.eth0.push([ts, wave(ts, 5) * 1000, null]);
    }
  })();
  // What storeBatch keeps up to date when the samples come through it.
  sqlite.prepare("UPDATE hosts SET last_ts = ?, last_seen = ? WHERE name = 'alpha'").run(LAST, NOW);
  sqlite.prepare('UPDATE containers SET last_seen = ?').run(LAST);
  sqlite.prepare('UPDATE series SET last_seen = ?').run(LAST);
  runRollups(sqlite, ROLLED_AT);
});

/** Buckets of the response's grid from raw samples: [avg, min, max] per column index. */
function expected(
  rows: [number, number, number | null][],
  col: 1 | 2,
  r: Resp,
): { avg: (number | null)[]; min: (number | null)[]; max: (number | null)[] } {
  const n = r.t.length;
  const sum = new Array(n).fill(0);
  const cnt = new Array(n).fill(0);
  const min: (number | null)[] = new Array(n).fill(null);
  const max: (number | null)[] = new Array(n).fill(null);
  for (const row of rows) {
    const v = row[col];
    if (v === null) continue;
    const i = (Math.floor(row[0] / r.step) * r.step - r.t[0]) / r.step;
    if (i < 0 || i >= n) continue;
    sum[i] += v;
    cnt[i]++;
    min[i] = min[i] === null ? v : Math.min(min[i]!, v);
    max[i] = max[i] === null ? v : Math.max(max[i]!, v);
  }
  return { avg: sum.map((s, i) => (cnt[i] ? s / cnt[i] : null)), min, max };
}

function assertClose(got: (number | null)[], want: (number | null)[], what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const a = got[i];
    const b = want[i];
    const ok = a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
    if (!ok) assert.fail(`${what}[${i}] (t=${i}): got ${a}, raw says ${b}`);
  }
}

async function get(query: string): Promise<Resp> {
  const res = await t.get(`/api/v1/series?${query}`);
  const body = (await res.json()) as Resp;
  assert.equal(res.status, 200, body.error);
  return body;
}

const RANGES = [
  { span: 3600, tier: 'raw', step: 10 },
  { span: 6 * 3600, tier: '1m', step: 60 },
  { span: DAY, tier: '5m', step: 300 },
  { span: 7 * DAY, tier: '1h', step: 3600 },
  { span: 30 * DAY, tier: '1h', step: 3600 },
];

for (const r of RANGES) {
  test(`${r.span / 3600} h ending now: tier ${r.tier}, step ${r.step}, every bucket equals the raw samples it covers`, async () => {
    const from = NOW - r.span;
    for (const [who, query, rows] of [
      ['host', `host=alpha&metrics=cpu_pct,mem_used_bytes`, raw.host],
      ['web', `host=alpha&container=web&metrics=cpu_pct,mem_bytes`, raw.web],
      ['db', `host=alpha&container=db&metrics=cpu_pct,mem_bytes`, raw.db],
    ] as const) {
      const body = await get(`${query}&from=${from}&to=${NOW}&minmax=1`);
      assert.equal(body.tier, r.tier, `${who}: tier`);
      assert.equal(body.step, r.step, `${who}: step`);
      assert.ok(body.t.length <= 1001, `${who}: at most maxPoints + 1 points (${body.t.length})`);
      assert.equal(body.t[0], Math.floor(from / r.step) * r.step);
      assert.equal(body.t[body.t.length - 1], Math.floor(NOW / r.step) * r.step);
      const [m1, m2] = who === 'host' ? ['cpu_pct', 'mem_used_bytes'] : ['cpu_pct', 'mem_bytes'];
      const e1 = expected(rows, 1, body);
      const e2 = expected(rows, 2, body);
      assertClose(body.series[m1], e1.avg, `${who} ${m1}`);
      assertClose(body.series[m2], e2.avg, `${who} ${m2}`);
      if (r.tier === 'raw') {
        assert.equal(body.series[`${m1}_min`], undefined, 'raw points have no min/max companions');
      } else {
        assertClose(body.series[`${m1}_min`], e1.min, `${who} ${m1}_min`);
        assertClose(body.series[`${m1}_max`], e1.max, `${who} ${m1}_max`);
        assertClose(body.series[`${m2}_max`], e2.max, `${who} ${m2}_max`);
      }
      // The newest minutes (after the last rollup run) are there, read from raw rows.
      const lastFull = body.t.findLastIndex((b) => b + r.step <= LAST);
      if (rows.length)
        assert.notEqual(
          body.series[m1][lastFull],
          null,
          `${who}: bucket at ${body.t[lastFull]} (after the rollups ran at ${ROLLED_AT}) has data`,
        );
    }
  });
}

test('the newest buckets of a rollup-tier chart come from raw rows and match a raw-tier chart of the same minutes', async () => {
  const day = await get(`host=alpha&metrics=cpu_pct&from=${NOW - DAY}&to=${NOW}`);
  const wm = t.db.$client
    .prepare("SELECT watermark FROM rollup_state WHERE kind = 'host' AND tier = '5m'")
    .pluck()
    .get() as number;
  assert.ok(wm <= ROLLED_AT && wm > ROLLED_AT - 900, `5m watermark ${NOW - wm} s before now`);
  const tail = day.t.map((b, i) => [b, day.series.cpu_pct[i]] as const).filter(([b]) => b >= wm);
  assert.ok(tail.length >= 3, `${tail.length} buckets after the watermark`);
  for (const [b, v] of tail) {
    const fine = await get(`host=alpha&metrics=cpu_pct&from=${b}&to=${Math.min(b + 299, NOW)}&maxPoints=100`);
    assert.equal(fine.tier, 'raw');
    const vals = fine.series.cpu_pct.filter((x): x is number => x !== null);
    if (b > LAST) assert.equal(v, null, 'no sample yet: null');
    else assert.ok(Math.abs(v! - vals.reduce((s, x) => s + x, 0) / vals.length) < 1e-9, `bucket ${b}`);
  }
});

test('gaps are null, never zero or interpolated, at every tier', async () => {
  const hour = await get(`host=alpha&metrics=cpu_pct&from=${RECENT_HOLE.from - 600}&to=${RECENT_HOLE.to + 600}`);
  const inHole = hour.t
    .map((b, i) => [b, hour.series.cpu_pct[i]] as const)
    .filter(([b]) => b >= RECENT_HOLE.from && b < RECENT_HOLE.to);
  assert.equal(inHole.length, 180);
  assert.ok(inHole.every(([, v]) => v === null));
  const month = await get(`host=alpha&metrics=cpu_pct&from=${NOW - 30 * DAY}&to=${NOW}`);
  const holeBuckets = month.t
    .map((b, i) => [b, month.series.cpu_pct[i]] as const)
    .filter(([b]) => b >= HOLE.from && b + 3600 <= HOLE.to);
  assert.ok(
    holeBuckets.length >= 1 && holeBuckets.every(([, v]) => v === null),
    'an hour with no sample is null in the 1 h tier',
  );
  const db = await get(`host=alpha&container=db&metrics=cpu_pct&from=${NOW - 30 * DAY}&to=${NOW}`);
  assert.ok(
    db.series.cpu_pct.slice(0, 20 * 24).every((v) => v === null),
    'before the container existed: null',
  );
});

test('a range wider than the coarsest tier allows widens its step to fit maxPoints', async () => {
  const body = await get(`host=alpha&metrics=cpu_pct&from=${NOW - 90 * DAY}&to=${NOW}&minmax=true`);
  assert.equal(body.tier, '1h');
  assert.equal(body.step, 3 * 3600);
  assertClose(body.series.cpu_pct, expected(raw.host, 1, body).avg, 'cpu_pct at 3 h');
  assertClose(body.series.cpu_pct_max, expected(raw.host, 1, body).max, 'cpu_pct_max at 3 h');
  const fine = await get(`host=alpha&metrics=cpu_pct&from=${NOW - DAY}&to=${NOW}&maxPoints=5000`);
  assert.deepEqual([fine.tier, fine.step], ['1m', 60], 'maxPoints=5000 makes 24 h fit in the 1 m tier');
});

test('an hour zoomed into ten days ago reads the 1 m tier, because raw rows that old are past their retention', async () => {
  const body = await get(
    `host=alpha&metrics=cpu_pct&from=${NOW - 10 * DAY - 3 * 3600}&to=${NOW - 10 * DAY - 2 * 3600}&minmax=1`,
  );
  assert.deepEqual([body.tier, body.step], ['1m', 60]);
  assertClose(body.series.cpu_pct, expected(raw.host, 1, body).avg, 'cpu_pct at 1 m');
  assert.ok(body.series.cpu_pct.every((v) => v !== null));
});

test('a labelled series by name and label: same tiers, same exactness, keyed NAME{"k":"v"}', async () => {
  const body = await get(`host=alpha&series=net_rx_bps&label.iface=eth0&from=${NOW - 7 * DAY}&to=${NOW}&minmax=1`);
  assert.deepEqual([body.tier, body.step], ['1h', 3600]);
  assert.deepEqual(body.labels, { 'net_rx_bps{"iface":"eth0"}': { iface: 'eth0' } });
  const e = expected(raw.eth0, 1, body);
  assertClose(body.series['net_rx_bps{"iface":"eth0"}'], e.avg, 'net_rx_bps avg');
  assertClose(body.series['net_rx_bps{"iface":"eth0"}_max'], e.max, 'net_rx_bps max');
  const none = await get(`host=alpha&series=net_rx_bps&label.iface=wlan9&from=${NOW - 3600}&to=${NOW}`);
  assert.deepEqual(none.series, {});
  assert.equal(none.t.length, 361, 'no matching series: the time axis is still there');
});

test('several series names and core metrics in one request: the same columns as asking for each alone', async () => {
  const range = `from=${NOW - 7 * DAY}&to=${NOW}&minmax=1`;
  const both = await get(`host=alpha&metrics=cpu_pct&series=net_rx_bps,disk_read_bps,net_rx_bps&${range}`);
  const core = await get(`host=alpha&metrics=cpu_pct&${range}`);
  const net = await get(`host=alpha&series=net_rx_bps&${range}`);
  assert.deepEqual(both.t, core.t);
  assert.deepEqual(
    both.series,
    { ...core.series, ...net.series },
    'a name with no series adds nothing; a repeated one is read once',
  );
  assert.deepEqual(both.labels, net.labels);
});

test('digits=N rounds core and labelled columns to N significant digits, min and max included', async () => {
  const q = `host=alpha&metrics=cpu_pct,mem_used_bytes&series=net_rx_bps&from=${NOW - 7 * DAY}&to=${NOW}&minmax=1`;
  const exact = await get(q);
  const rounded = await get(`${q}&digits=4`);
  assert.deepEqual(Object.keys(rounded.series).sort(), Object.keys(exact.series).sort());
  let values = 0;
  for (const [k, col] of Object.entries(exact.series)) {
    assert.deepEqual(
      rounded.series[k],
      col.map((v) => (v === null ? null : Number(v.toPrecision(4)))),
      k,
    );
    values += col.filter((v) => v !== null).length;
  }
  assert.ok(values > 500, `${values} values compared`);
  const bad = await t.get(`/api/v1/series?${q}&digits=0`);
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /^digits: /);
});

test('top ranks containers by average over exactly the samples in the range, at any tier, edges and tail included', async () => {
  // A range ending now (5m tier, raw tail) and ranges in the past whose edges fall inside buckets.
  const ranges: [number, number, string][] = [
    [NOW - DAY, NOW, '5m'],
    [NOW - 7 * DAY - 1234, NOW - 2 * DAY + 77, '1h'],
    [NOW - 3 * DAY + 61, NOW - 2 * DAY - 299, '5m'],
  ];
  for (const [from, to, tier] of ranges) {
    const res = await t.get(`/api/v1/top?host=alpha&metric=cpu_pct&from=${from}&to=${to}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as {
      tier: string;
      containers: { name: string; avg: number; max: number; samples: number }[];
    };
    assert.equal(body.tier, tier);
    for (const c of body.containers) {
      const rows = raw[c.name].filter(([ts]) => ts >= from && ts <= to);
      assert.equal(c.samples, rows.length, `${c.name} ${from}..${to}: samples`);
      assert.ok(Math.abs(c.avg - rows.reduce((s, r) => s + r[1], 0) / rows.length) < 1e-9, `${c.name}: avg`);
      assert.equal(c.max, Math.max(...rows.map((r) => r[1])), `${c.name}: max`);
    }
    assert.deepEqual(
      body.containers.map((c) => c.name),
      [...body.containers].sort((a, b) => b.avg - a.avg).map((c) => c.name),
    );
    assert.equal(body.containers.length, 2);
  }
});

test('series that look alike stay apart: label values holding , and =, a series named like a core metric or a companion, __proto__', async () => {
  const a = testApp({}, NOW);
  const at = [NOW - 20, NOW - 10];
  const res = await a.ingest({
    v: 1,
    batch_id: 'look-alike-series',
    agent: { host: 'alpha', interval: 10 },
    snapshots: at.map((ts) => ({
      ts,
      host: { cpu_pct: 1 },
      containers: [],
      series: [
        { name: 'x_s', labels: { a: '1,b=2' }, value: 1 },
        { name: 'x_s', labels: { a: '1', b: '2' }, value: 2 },
        { name: 'cpu_pct', labels: {}, value: 99 },
        { name: 'foo', labels: {}, value: 3 },
        { name: 'foo_min', labels: {}, value: 777 },
        { name: '__proto__', labels: {}, value: 5 },
      ],
    })),
  });
  assert.equal(res.status, 200);
  const body = (await (
    await a.get(
      `/api/v1/series?host=alpha&metrics=cpu_pct&series=x_s,cpu_pct,foo,foo_min,__proto__&from=${NOW - 30}&to=${NOW}`,
    )
  ).json()) as Resp;
  const values = (key: string) => body.series[key]?.filter((v) => v !== null);
  assert.deepEqual(values('cpu_pct'), [1, 1], 'the host metric keeps its column');
  assert.deepEqual(values('cpu_pct{}'), [99, 99], 'the series of that name has its own');
  assert.deepEqual(values('x_s{"a":"1,b=2"}'), [1, 1]);
  assert.deepEqual(values('x_s{"a":"1","b":"2"}'), [2, 2]);
  assert.deepEqual(values('foo_min{}'), [777, 777]);
  assert.deepEqual(values('foo{}'), [3, 3]);
  assert.deepEqual(values('__proto__{}'), [5, 5]);
  assert.equal(Object.keys(body.labels!).length, 6);
});

test('top over a short range whose finer tiers retention has deleted counts the coarse buckets that overlap it', async () => {
  const a = testApp({}, NOW);
  const sqlite = a.db.$client;
  const start = NOW - 40 * DAY - (NOW % 3600);
  const snapshots = Array.from({ length: 360 }, (_, i) => ({
    ts: start + i * 10,
    host: {},
    containers: [{ id: 'c0ffee00c0ffee00', name: 'old', metrics: { cpu_pct: i % 7 } }],
    series: [],
  }));
  storeBatch(
    sqlite,
    batchSchema.parse({ v: 1, batch_id: 'forty-days-ago', agent: { host: 'alpha', interval: 10 }, snapshots }),
    start + 3600,
  );
  runRollups(sqlite, NOW);
  await enforceRetention(sqlite, a.config.retention, NOW);
  assert.equal(sqlite.prepare('SELECT count(*) FROM container_samples').pluck().get(), 0, 'raw is gone');
  const from = start + 1000;
  const to = from + 390;
  const body = (await (await a.get(`/api/v1/top?host=alpha&metric=cpu_pct&from=${from}&to=${to}`)).json()) as {
    tier: string;
    containers: { name: string; samples: number }[];
  };
  assert.equal(body.tier, '5m');
  // The 5 m buckets that overlap [from, to]: 900..1200, 1200..1500 (seconds after start).
  assert.deepEqual(
    body.containers.map((c) => [c.name, c.samples]),
    [['old', 60]],
  );
});

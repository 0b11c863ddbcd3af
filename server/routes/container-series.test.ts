// GET /api/v1/container-series on a real migrated file with two days of two generated hosts
// (containers that come and go, the hostile name) plus ten live minutes not rolled up yet:
// `containers=*` is exactly the host's containers seen in the range; every container's columns
// equal what /series answers for it alone (same tier, step, grid and values, raw tail
// included); a list of names or id prefixes; min/max and rounding on request; every bad
// query a 400 or 404 whose message names the parameter, and never a 500.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerSeriesAnswer } from '../query/source.ts';
import type { SeriesAnswer } from '../query/source.ts';
import { testApp, type TestApp } from '../../test/support/server.ts';
import { feedTick, HOSTILE_NAME, seedFleet, type Seeded } from '../../test/support/seed.ts';

const SEEDED_TO = 1_790_006_400;
const NOW = SEEDED_TO + 600; // ten minutes of samples after the last rollup run
const METRICS = 'cpu_pct,mem_bytes,net_rx_bps,blk_write_bps';
const GONE = 'shop-migrate-1'; // ran from 6 h to 3 h before SEEDED_TO

let t: TestApp;
let fleet: Seeded;

before(() => {
  t = testApp({}, NOW);
  const sqlite = t.db.$client;
  fleet = seedFleet(sqlite, {
    hosts: 2,
    containers: 4,
    days: 2,
    interval: 10,
    now: SEEDED_TO,
    series: false,
    gap: true,
  });
  for (let ts = SEEDED_TO + 10; ts <= NOW; ts += 10) feedTick(sqlite, fleet, ts, { series: false });
});

const getJson = <T>(path: string): Promise<T> => t.getOk<T>(path);

function assertSame(got: (number | null)[] | undefined, want: (number | null)[] | undefined, what: string): void {
  if (!got || !want) return assert.fail(`${what}: column missing (batch ${!!got}, /series ${!!want})`);
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    const a: number | null = got[i];
    const b: number | null = want[i];
    const ok = a === null || b === null ? a === b : Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
    if (!ok) assert.fail(`${what}[${i}]: batch says ${a}, /series says ${b}`);
  }
}

const RANGES = [
  { name: 'last hour', from: NOW - 3600, maxPoints: 1000, tier: 'raw', step: 10, gone: false },
  { name: 'last 6 h', from: NOW - 6 * 3600 - 60, maxPoints: 1000, tier: '1m', step: 60, gone: true },
  { name: 'two days at 100 points', from: NOW - 2 * 86400, maxPoints: 100, tier: '1h', step: 3600, gone: true },
];

for (const r of RANGES) {
  test(`${r.name}: containers=* is every container of the host seen in the range, each equal to its own /series answer`, async () => {
    const range = `from=${r.from}&to=${NOW}&maxPoints=${r.maxPoints}&minmax=1`;
    const body = await getJson<ContainerSeriesAnswer>(
      `/api/v1/container-series?host=app-1&containers=*&metrics=${METRICS}&${range}`,
    );
    assert.deepEqual([body.host, body.tier, body.step, body.from, body.to], ['app-1', r.tier, r.step, r.from, NOW]);
    const own = fleet.hosts[0].containers.map((c) => c.name);
    const want = (r.gone ? [...own, GONE] : own).sort();
    assert.deepEqual(
      Object.keys(body.containers).sort(),
      want,
      "the host's containers, the gone one only when the range reaches it",
    );
    assert.ok(own.includes(HOSTILE_NAME), 'the hostile name is among them, as a plain key');
    for (const other of fleet.hosts[1].containers) {
      if (!own.includes(other.name))
        assert.equal(body.containers[other.name], undefined, `${other.name} belongs to the other host`);
    }
    for (const name of want) {
      const one = await getJson<SeriesAnswer>(
        `/api/v1/series?host=app-1&container=${encodeURIComponent(name)}&metrics=${METRICS}&${range}`,
      );
      assert.deepEqual([one.tier, one.step], [body.tier, body.step]);
      assert.deepEqual(one.t, body.t, `${name}: same time grid`);
      const cols = body.containers[name];
      assert.deepEqual(Object.keys(cols).sort(), Object.keys(one.series).sort(), `${name}: same columns`);
      for (const k of Object.keys(one.series)) assertSame(cols[k], one.series[k], `${name} ${k}`);
    }
    // Live minutes after the last rollup run are there (read from raw rows), not null.
    const cpu = body.containers['shop-web-1'].cpu_pct;
    const lastFull = body.t.findLastIndex((b) => b + r.step <= NOW);
    assert.notEqual(
      cpu[lastFull],
      null,
      `bucket at ${body.t[lastFull]}, after the rollups ran at ${SEEDED_TO}, has data`,
    );
    if (r.tier === 'raw')
      assert.equal(body.containers['shop-web-1'].cpu_pct_min, undefined, 'raw points carry no min/max');
    else
      assert.ok(
        body.containers['shop-web-1'].cpu_pct_max.some((v, i) => v !== null && v > cpu[i]!),
        'max is above the average somewhere',
      );
  });
}

test('a list of names or Docker id prefixes gives just those, keyed by name; without minmax no _min/_max', async () => {
  const hosts = await getJson<{ hosts: { name: string; containers: { name: string; id: string }[] }[] }>(
    '/api/v1/hosts',
  );
  const dbId = hosts.hosts.find((h) => h.name === 'app-1')!.containers.find((c) => c.name === 'shop-web-1')!.id;
  const list = [HOSTILE_NAME, dbId.slice(0, 12), HOSTILE_NAME].map(encodeURIComponent).join(',');
  const body = await getJson<ContainerSeriesAnswer>(
    `/api/v1/container-series?host=app-1&containers=${list}&metrics=cpu_pct&from=${NOW - 86400}&to=${NOW}`,
  );
  assert.deepEqual(Object.keys(body.containers).sort(), [HOSTILE_NAME, 'shop-web-1'].sort());
  assert.deepEqual(Object.keys(body.containers[HOSTILE_NAME]), ['cpu_pct']);
  assert.equal(body.containers['shop-web-1'].cpu_pct.length, body.t.length);
});

test('container=NAME repeated names each container exactly, a comma or spaces in its name included', async () => {
  const sqlite = t.db.$client;
  const hostId = sqlite.prepare("SELECT id FROM hosts WHERE name = 'app-1'").pluck().get() as number;
  const odd = ['x,y', ' pad ', 'x'];
  for (const [i, name] of odd.entries()) {
    const id = sqlite
      .prepare(
        'INSERT INTO containers (host_id, name, container_id, first_seen, last_seen) VALUES (?, ?, ?, ?, ?) RETURNING id',
      )
      .pluck()
      .get(hostId, name, `odd${i}`.padEnd(64, '0'), NOW - 100, NOW) as number;
    sqlite
      .prepare('INSERT INTO container_samples (container_id, ts, cpu_pct_x100) VALUES (?, ?, ?)')
      .run(id, NOW - 50, (10 + i) * 100);
  }
  const q = odd.map((n) => `container=${encodeURIComponent(n)}`).join('&');
  const body = await getJson<ContainerSeriesAnswer>(
    `/api/v1/container-series?host=app-1&${q}&metrics=cpu_pct&from=${NOW - 300}&to=${NOW}`,
  );
  assert.deepEqual(Object.keys(body.containers).sort(), [...odd].sort());
  for (const [i, name] of odd.entries()) assert.ok(body.containers[name].cpu_pct.includes(10 + i), name);
  const both = await t.get(`/api/v1/container-series?host=app-1&${q}&containers=x&metrics=cpu_pct`);
  assert.equal(both.status, 400);
  assert.match(((await both.json()) as { error: string }).error, /^containers: give either/);
  const missing = await t.get(`/api/v1/container-series?host=app-1&container=nope&metrics=cpu_pct`);
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { error: string }).error, /^containers: container "nope"/);
});

test('digits=N rounds every value to N significant digits, min and max included', async () => {
  const q = `/api/v1/container-series?host=app-1&containers=shop-web-1,shop-db-1&metrics=cpu_pct,mem_bytes&from=${NOW - 86400}&to=${NOW}&minmax=1`;
  const exact = await getJson<ContainerSeriesAnswer>(q);
  const rounded = await getJson<ContainerSeriesAnswer>(`${q}&digits=4`);
  let values = 0;
  for (const [name, cols] of Object.entries(exact.containers)) {
    for (const [k, col] of Object.entries(cols)) {
      assert.deepEqual(
        rounded.containers[name][k],
        col.map((v) => (v === null ? null : Number(v.toPrecision(4)))),
        `${name} ${k}`,
      );
      values += col.filter((v) => v !== null).length;
    }
  }
  assert.ok(values > 1000, `${values} values compared`);
  // Min and max are already short (CPU is kept to 0.01, bytes whole); the means are not.
  const ratio = JSON.stringify(rounded).length / JSON.stringify(exact).length;
  assert.ok(ratio < 0.85, `a smaller answer (${ratio.toFixed(2)} of the exact one)`);
});

test('a range before any container existed: no containers, the time axis still there', async () => {
  const from = fleet.from - 7 * 86400;
  const body = await getJson<ContainerSeriesAnswer>(
    `/api/v1/container-series?host=app-1&containers=*&metrics=cpu_pct&from=${from}&to=${from + 3600}`,
  );
  assert.deepEqual(body.containers, {});
  assert.ok(body.t.length >= 2 && body.t[0] <= from && body.t.at(-1)! <= from + 3600, 'a grid over the asked range');
});

test('bad queries are 400 or 404 naming the parameter', async () => {
  const base = `/api/v1/container-series?host=app-1&metrics=cpu_pct`;
  const cases: [string, number, RegExp][] = [
    ['/api/v1/container-series?containers=*&metrics=cpu_pct', 400, /^host: required/],
    ['/api/v1/container-series?host=nope&containers=*&metrics=cpu_pct', 404, /^host "nope" not found/],
    [base, 400, /^containers: required/],
    [`${base}&containers=`, 400, /^containers: required/],
    [`${base}&containers=,,`, 400, /^containers: required/],
    [`${base}&containers=shop-web-1,*`, 400, /^containers: \* stands alone/],
    [`${base}&containers=shop-web-1,nope`, 404, /^containers: container "nope" not found on this host/],
    ['/api/v1/container-series?host=app-1&containers=*', 400, /^metrics: required/],
    [
      '/api/v1/container-series?host=app-1&containers=*&metrics=cpu_pct,load1',
      400,
      /^metrics: unknown container metric "load1" \(known: cpu_pct, /,
    ],
    [`${base}&containers=*&from=yesterday`, 400, /^from: "yesterday" is neither/],
    [`${base}&containers=*&from=${NOW}&to=${NOW - 10}`, 400, /^from \(\d+\) is after to/],
    [`${base}&containers=*&maxPoints=1`, 400, /^maxPoints: must be between 2 and 20000/],
    [`${base}&containers=*&digits=0`, 400, /^digits: must be between 1 and 17/],
    [`${base}&containers=*&digits=six`, 400, /^digits: "six" is not a whole number/],
    [
      `${base}&containers=${Array.from({ length: 501 }, (_, i) => `c${i}`).join(',')}`,
      400,
      /^containers: 501 named, at most 500/,
    ],
    // 7 days at up to 20000 points is the 1 m tier: 10081 points × 7 metrics × 3 (avg, min, max) each.
    [
      `/api/v1/container-series?host=app-1&containers=${Array.from({ length: 10 }, (_, i) => `c${i}`).join(',')}&metrics=cpu_pct,mem_bytes,net_rx_bps,net_tx_bps,blk_read_bps,blk_write_bps,pids&maxPoints=20000&minmax=1&from=${NOW - 7 * 86400}&to=${NOW}`,
      400,
      /^containers: 10 containers × 7 metrics × 10081 points is more than 2000000 values/,
    ],
  ];
  for (const [path, status, message] of cases) {
    const res = await t.get(path);
    const body = (await res.json()) as { error?: string };
    assert.equal(res.status, status, `${path.slice(0, 120)}: ${body.error}`);
    assert.match(body.error ?? '', message, path.slice(0, 120));
  }
});

test('a few hundred random query strings never make a 500', async () => {
  let seed = 42;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
  const keys = ['host', 'containers', 'metrics', 'from', 'to', 'maxPoints', 'minmax', 'container', 'digits'];
  const values = [
    'app-1',
    '*',
    '',
    ',',
    '%',
    '%zz',
    '*,*',
    'cpu_pct',
    'cpu_pct,pids',
    "'; DROP TABLE hosts; --",
    '1e309',
    '-1',
    String(NOW),
    '2026-13-45',
    'shop-web-1',
    HOSTILE_NAME,
    'x'.repeat(5000),
    '20000',
    '0',
  ];
  for (let i = 0; i < 300; i++) {
    const parts = Array.from(
      { length: 1 + Math.floor(rnd() * 6) },
      () => `${pick(keys)}=${rnd() < 0.7 ? encodeURIComponent(pick(values)) : pick(values)}`,
    );
    if (rnd() < 0.6) parts.unshift('host=app-1', 'metrics=cpu_pct');
    const path = `/api/v1/container-series?${parts.join('&')}`;
    const res = await t.get(path);
    const text = await res.text();
    assert.ok(res.status < 500, `${res.status} for ${path.slice(0, 200)}: ${text}`);
    if (res.status !== 200)
      assert.match((JSON.parse(text) as { error: string }).error, /^\S/, `an error message for ${path.slice(0, 120)}`);
  }
});

test('a container named __proto__ is answered like any other, by * and by name', async () => {
  const a = testApp({}, NOW);
  const res = await a.ingest({
    v: 1,
    batch_id: 'proto-container',
    agent: { host: 'alpha', interval: 10 },
    snapshots: [NOW - 20, NOW - 10].map((ts) => ({
      ts,
      host: {},
      containers: [{ id: 'c0ffee00c0ffee00', name: '__proto__', metrics: { cpu_pct: 7 } }],
      series: [],
    })),
  });
  assert.equal(res.status, 200);
  for (const which of ['*', '__proto__']) {
    const body = (await (
      await a.get(`/api/v1/container-series?host=alpha&containers=${which}&metrics=cpu_pct&from=${NOW - 60}&to=${NOW}`)
    ).json()) as ContainerSeriesAnswer;
    assert.deepEqual(Object.keys(body.containers), ['__proto__'], which);
    assert.deepEqual(
      body.containers.__proto__.cpu_pct.filter((v) => v !== null),
      [7, 7],
      which,
    );
  }
});

// GET /api/v1/host-series on a real migrated file with two days of three generated hosts (one
// gone offline) plus ten live minutes not rolled up yet: every host's columns equal what
// /series answers for it alone (same tier, step, grid and values, raw tail included); named
// hosts; bad queries are 400 or 404 naming the parameter.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { HostSeriesAnswer } from '../query/source.ts';
import type { SeriesAnswer } from '../query/source.ts';
import { testApp, type TestApp } from '../../test/support/server.ts';
import { feedTick, seedFleet, type Seeded } from '../../test/support/seed.ts';

const SEEDED_TO = 1_790_006_400;
const NOW = SEEDED_TO + 600;
const METRICS = 'cpu_pct,mem_used_bytes,mem_total_bytes';

let t: TestApp;
let fleet: Seeded;

before(() => {
  t = testApp({}, NOW);
  const sqlite = t.db.$client;
  fleet = seedFleet(sqlite, { hosts: 3, containers: 2, days: 2, interval: 10, now: SEEDED_TO, series: false });
  for (let ts = SEEDED_TO + 10; ts <= NOW; ts += 10) feedTick(sqlite, fleet, ts, { series: false });
});

const getJson = <T>(path: string): Promise<T> => t.getOk<T>(path);

for (const r of [
  { name: 'last hour', from: NOW - 3600, maxPoints: 1000, tier: 'raw', step: 10 },
  { name: 'two days at 160 points', from: NOW - 2 * 86400, maxPoints: 160, tier: '1h', step: 3600 },
]) {
  test(`${r.name}: every host, each equal to its own /series answer`, async () => {
    const range = `from=${r.from}&to=${NOW}&maxPoints=${r.maxPoints}`;
    const body = await getJson<HostSeriesAnswer>(`/api/v1/host-series?metrics=${METRICS}&${range}`);
    assert.deepEqual([body.tier, body.step, body.from, body.to], [r.tier, r.step, r.from, NOW]);
    assert.deepEqual(Object.keys(body.hosts).sort(), fleet.hosts.map((h) => h.name).sort());
    for (const h of fleet.hosts) {
      const one = await getJson<SeriesAnswer>(`/api/v1/series?host=${h.name}&metrics=${METRICS}&${range}`);
      assert.deepEqual([one.tier, one.step], [body.tier, body.step]);
      assert.deepEqual(one.t, body.t, `${h.name}: same grid`);
      assert.deepEqual(body.hosts[h.name], one.series, `${h.name}: same values`);
    }
    const live = fleet.hosts.find((h) => h.online)!;
    const lastFull = body.t.findLastIndex((b) => b + r.step <= NOW);
    assert.notEqual(
      body.hosts[live.name].cpu_pct[lastFull],
      null,
      'the newest minutes, after the last rollup run, have data',
    );
  });
}

test('host=NAME repeated names hosts; an unknown host is 404, an unknown metric or none 400, naming the parameter', async () => {
  const [a, b] = fleet.hosts.map((h) => h.name);
  const body = await getJson<HostSeriesAnswer>(
    `/api/v1/host-series?metrics=cpu_pct&host=${a}&host=${b}&from=${NOW - 3600}&to=${NOW}`,
  );
  assert.deepEqual(Object.keys(body.hosts).sort(), [a, b].sort());
  const cases: [string, number, RegExp][] = [
    [`/api/v1/host-series?metrics=cpu_pct&host=nope`, 404, /host "nope" not found/],
    ['/api/v1/host-series?metrics=mem_bytes', 400, /^metrics: unknown host metric "mem_bytes"/],
    ['/api/v1/host-series', 400, /^metrics: required/],
    [`/api/v1/host-series?metrics=cpu_pct&from=${NOW}&to=${NOW - 10}`, 400, /from/],
  ];
  for (const [path, status, re] of cases) {
    const res = await t.get(path);
    assert.equal(res.status, status, path);
    assert.match(((await res.json()) as { error: string }).error, re, path);
  }
});

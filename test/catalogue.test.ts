// Adding a core metric is the catalogue (protocol/metrics.ts) and one generated migration
// (npm run db:generate): everything else follows from them. This holds every catalogue metric
// to that: its columns in the migrated file (raw and each rollup, as the drizzle schema says),
// its column in the SQL view, its value in the /series, /host-series, /container-series and
// /hosts answers (raw and rolled up), and its place in what the page asks for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { is } from 'drizzle-orm';
import { getTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import {
  atStep,
  CONTAINER_CHARTS,
  CONTAINER_METRIC_NAMES,
  HOST_CHARTS,
  HOST_METRIC_NAMES,
} from '../protocol/metrics.ts';
import * as schema from '../server/db/schema.ts';
import { METRIC_VIEWS, metricViewSql, viewColumns, type MetricView } from '../server/db/views.ts';
import { STORED } from '../server/db/sample-layout.ts';
import { runRollups } from '../server/rollup/rollup.ts';
import { makeBatch, testApp } from './support/server.ts';
import { HOST_VIEW_QUERY } from '../web/views/host-charts.ts';
import { CONTAINER_VIEW_METRICS } from '../web/views/container.ts';
import { CONTAINER_METRICS, PER_CONTAINER_CHARTS } from '../web/views/host-queries.ts';

const NOW = 1_790_000_000;
/** A value of its own per metric, so a column read from the wrong place shows. */
const valueOf = (i: number) => 10 + i * 1.25;
const hostValues = Object.fromEntries(HOST_METRIC_NAMES.map((m, i) => [m, valueOf(i)]));
const containerValues = Object.fromEntries(CONTAINER_METRIC_NAMES.map((m, i) => [m, valueOf(100 + i)]));
/** The same values as every reader gets them back: at each metric's stored step (whole bytes). */
const kept = (kind: 'host' | 'container', values: Record<string, number>) =>
  Object.fromEntries(STORED[kind].map((m) => [m.metric, atStep(values[m.metric], m.step)]));
const hostKept = kept('host', hostValues);
const containerKept = kept('container', containerValues);

test('every table in the drizzle schema has exactly its columns in the migrated file, rollups included', () => {
  const t = testApp({}, NOW);
  const tables = Object.values(schema as Record<string, unknown>).filter((x) => is(x, SQLiteTable));
  assert.ok(tables.length >= 20, `${tables.length} tables in the schema`);
  for (const table of tables) {
    const { name, columns } = getTableConfig(table);
    const inFile = t.db.$client.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(name) as string[];
    assert.deepEqual(
      inFile.sort(),
      columns.map((c) => c.name).sort(),
      `${name}: a migration is missing (npm run db:generate)`,
    );
  }
  // Each metric under its stored column (db/sample-layout.ts): raw, and sum and distances in rollups.
  const raw = getTableConfig(schema.hostSamples).columns.map((c) => c.name);
  for (const m of STORED.host) assert.ok(raw.includes(m.column), m.column);
  const rollup = getTableConfig(schema.containerSamples1h).columns.map((c) => c.name);
  for (const m of STORED.container)
    for (const s of ['sum', 'below', 'above']) assert.ok(rollup.includes(`${m.column}_${s}`), `${m.column}_${s}`);
  t.db.$client.close();
});

test('the SQL views hold a column per catalogue metric, in catalogue order', async () => {
  const t = testApp({}, NOW);
  const res = await t.ingest(
    makeBatch('alpha', [NOW - 20, NOW - 10], () => ({
      host: hostValues,
      containers: [{ id: 'abcdef0123456789', name: 'web', image: 'nginx', metrics: containerValues }],
    })),
  );
  assert.equal(res.status, 200);
  for (const view of Object.keys(METRIC_VIEWS) as MetricView[]) {
    const columns = t.db.$client.prepare('SELECT name FROM pragma_table_info(?)').pluck().all(view);
    assert.deepEqual(columns, viewColumns(view), `${view}: end the migration with\n${metricViewSql(view)}`);
  }
  const host = t.db.$client.prepare('SELECT * FROM host_metrics ORDER BY ts DESC LIMIT 1').get() as Record<
    string,
    unknown
  >;
  const container = t.db.$client.prepare('SELECT * FROM container_metrics ORDER BY ts DESC LIMIT 1').get() as Record<
    string,
    unknown
  >;
  for (const [m, v] of Object.entries(hostKept)) assert.equal(host[m], v, `host_metrics.${m}`);
  for (const [m, v] of Object.entries(containerKept)) assert.equal(container[m], v, `container_metrics.${m}`);
  t.db.$client.close();
});

test('every catalogue metric comes back from /series, /host-series, /container-series and /hosts, raw and rolled up', async () => {
  const t = testApp({}, NOW);
  // Minutes old, so the 1 m rollup takes them (raw data settles for two minutes).
  const stamps = Array.from({ length: 30 }, (_, i) => NOW - 900 + i * 10);
  const res = await t.ingest(
    makeBatch('alpha', stamps, () => ({
      host: hostValues,
      containers: [{ id: 'abcdef0123456789', name: 'web', metrics: containerValues }],
    })),
  );
  assert.equal(res.status, 200);
  runRollups(t.db.$client, NOW);
  const last = (col: (number | null)[]) => col.filter((v) => v !== null).at(-1);
  const hostList = HOST_METRIC_NAMES.join(',');
  const containerList = CONTAINER_METRIC_NAMES.join(',');
  // Raw (the range at the agent's interval), then the 1 m tier (15 points over 15 minutes).
  for (const [maxPoints, tier] of [
    [1000, 'raw'],
    [15, '1m'],
  ] as const) {
    const range = `from=${NOW - 900}&to=${NOW}&maxPoints=${maxPoints}`;
    const h = await t.getOk<{ tier: string; series: Record<string, (number | null)[]> }>(
      `/api/v1/series?host=alpha&metrics=${hostList}&${range}`,
    );
    assert.equal(h.tier, tier);
    for (const [m, v] of Object.entries(hostKept)) assert.equal(last(h.series[m]), v, `/series ${tier} ${m}`);
    const c = await t.getOk<{ series: Record<string, (number | null)[]> }>(
      `/api/v1/series?host=alpha&container=web&metrics=${containerList}&${range}`,
    );
    for (const [m, v] of Object.entries(containerKept))
      assert.equal(last(c.series[m]), v, `/series container ${tier} ${m}`);
    const hs = await t.getOk<{ hosts: Record<string, Record<string, (number | null)[]>> }>(
      `/api/v1/host-series?metrics=${hostList}&${range}`,
    );
    for (const [m, v] of Object.entries(hostKept))
      assert.equal(last(hs.hosts.alpha[m]), v, `/host-series ${tier} ${m}`);
    const cs = await t.getOk<{ containers: Record<string, Record<string, (number | null)[]>> }>(
      `/api/v1/container-series?host=alpha&containers=*&metrics=${containerList}&${range}`,
    );
    for (const [m, v] of Object.entries(containerKept))
      assert.equal(last(cs.containers.web[m]), v, `/container-series ${tier} ${m}`);
  }
  t.clock.now = NOW - 600;
  const hosts = await t.getOk<{ hosts: { latest: object; containers: { latest: object }[] }[] }>('/api/v1/hosts');
  assert.deepEqual(hosts.hosts[0].latest, hostKept, '/hosts latest');
  assert.deepEqual(hosts.hosts[0].containers[0].latest, containerKept, '/hosts container latest');
  t.db.$client.close();
});

test('every metric a chart draws is one of its kind, and the view that shows the chart asks for it', () => {
  for (const c of HOST_CHARTS)
    for (const l of c.lines) {
      assert.ok(HOST_METRIC_NAMES.includes(l.metric), `${c.id}: ${l.metric} is a host metric`);
      assert.ok(HOST_VIEW_QUERY.metrics.includes(l.metric), `the host view asks for ${l.metric}`);
    }
  for (const c of CONTAINER_CHARTS)
    for (const l of c.lines) {
      assert.ok(CONTAINER_METRIC_NAMES.includes(l.metric), `${c.id}: ${l.metric} is a container metric`);
      assert.ok(CONTAINER_VIEW_METRICS.includes(l.metric), `the container view asks for ${l.metric}`);
    }
  for (const c of PER_CONTAINER_CHARTS)
    for (const l of c.lines)
      assert.ok(CONTAINER_METRICS.includes(l.metric), `the host view asks for ${l.metric} per container`);
  // The host's softirq share, added by migration 0004 with nothing but its catalogue entry.
  assert.ok(HOST_CHARTS.find((c) => c.id === 'cpu')!.lines.some((l) => l.metric === 'cpu_softirq_pct'));
});

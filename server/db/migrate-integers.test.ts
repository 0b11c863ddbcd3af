// Migration 0012 (integer samples, lean rollups) on a database made by the code before it:
// test/fixtures/berth-0011.db was made by storeBatch and runRollups of main at 49d75d7
// (migrations 0000–0011): two hosts, three hours at 10 s, a container recreated under its
// name, metrics missing at some ticks, rollups to 1 h, beta's second hour delivered late
// (stored and marked, not yet rolled up again), a token. After migrating, the views give every
// value at its catalogue step; rollups keep their sample counts, means (within half a step),
// min and max; entities, tokens and late marks are unchanged; and the server goes on from
// there (the late hour is recomputed, ingest adds rows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { openDb } from './open.ts';
import { STORED } from './sample-layout.ts';
import { atStep } from '../../protocol/metrics.ts';
import { tempDir } from '../../test/support/temp.ts';
import { runRollups } from '../rollup/rollup.ts';
import { storeBatch } from '../ingest/store-batch.ts';
import { batch as batchSchema } from '../../protocol/batch.ts';

const FIXTURE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../test/fixtures/berth-0011.db');

const HOST = ['cpu_pct', 'mem_used_bytes', 'load1'];
const CONTAINER = ['cpu_pct', 'mem_bytes', 'mem_limit_bytes', 'mem_pct', 'net_rx_bps', 'blk_write_bps', 'pids'];

/** A plain value as the new layout keeps it: at its step. */
function kept(kind: 'host' | 'container', metric: string, v: number | null): number | null {
  return v === null ? null : atStep(v, STORED[kind].find((m) => m.metric === metric)!.step);
}

type Row = (string | number | null)[];

test('a database made before 0012 is moved into integer samples, every value kept at its step', () => {
  const file = path.join(tempDir(), 'berth.db');
  fs.copyFileSync(FIXTURE, file);

  // What the old layout holds, read as its users read it.
  const old = new Database(file, { readonly: true });
  const all = (db: Database.Database, sql: string) => db.prepare(sql).raw().all() as Row[];
  const hostSql = `SELECT host, ts, ${HOST.join(', ')} FROM host_metrics ORDER BY host, ts`;
  const contSql = `SELECT host, container, ts, ${CONTAINER.join(', ')} FROM container_metrics ORDER BY host, container, ts`;
  const seriesSql = 'SELECT host, series, labels, ts, value FROM series_metrics ORDER BY host, series, ts';
  const oldHost = all(old, hostSql);
  const oldCont = all(old, contSql);
  const oldSeries = all(old, seriesSql);
  const oldRollups = (tier: string) =>
    all(
      old,
      `SELECT h.name, c.name, s.ts, ${CONTAINER.map((m) => `s.${m}_n, s.${m}_avg, s.${m}_min, s.${m}_max`).join(', ')}
       FROM container_samples_${tier} s JOIN containers c ON c.id = s.container_id JOIN hosts h ON h.id = c.host_id
       ORDER BY 1, 2, 3`,
    );
  const oldTiers = { '1m': oldRollups('1m'), '5m': oldRollups('5m'), '1h': oldRollups('1h') };
  const unchanged = ['hosts', 'containers', 'series', 'tokens', 'batches', 'rollup_state', 'rollup_dirty'];
  const entities = unchanged.map((t) => JSON.stringify(all(old, `SELECT * FROM ${t} ORDER BY 1, 2`)));
  old.close();
  assert.ok(oldCont.length > 4000 && oldTiers['1m'].length > 500, 'the fixture covers the cases');
  assert.ok(
    oldTiers['1m'].some((r) => (r[3 + 4 * 5] as number) > 0 && (r[3 + 4 * 5] as number) < (r[3] as number)),
    'a metric with fewer samples than its bucket',
  );

  const sqlite = openDb(file).$client;
  assert.deepEqual(
    all(sqlite, hostSql),
    oldHost.map(([h, ts, ...v]) => [h, ts, ...v.map((x, i) => kept('host', HOST[i], x as number | null))]),
  );
  assert.deepEqual(
    all(sqlite, contSql),
    oldCont.map(([h, c, ts, ...v]) => [
      h,
      c,
      ts,
      ...v.map((x, i) => kept('container', CONTAINER[i], x as number | null)),
    ]),
  );
  assert.deepEqual(all(sqlite, seriesSql), oldSeries, 'labelled series keep their values as sent');
  assert.deepEqual(
    unchanged.map((t) => JSON.stringify(all(sqlite, `SELECT * FROM ${t} ORDER BY 1, 2`))),
    entities,
    'entities, tokens, batch ids, watermarks and late marks are as they were',
  );

  // Rollups, read through their views: each metric's own count, its mean within half a step,
  // min and max at their step; a metric with no samples in a bucket is null.
  for (const [tier, rows] of Object.entries(oldTiers)) {
    const got = all(
      sqlite,
      `SELECT host, container, ts, samples, ${CONTAINER.map((m) => `${m}, ${m}_min, ${m}_max`).join(', ')}
       FROM container_metrics_${tier} ORDER BY 1, 2, 3`,
    );
    assert.equal(got.length, rows.length, `${tier} rows`);
    rows.forEach((o, i) => {
      const g = got[i];
      const what = `${tier} ${o[0]}/${o[1]} ${o[2]}`;
      assert.deepEqual(g.slice(0, 3), o.slice(0, 3), what);
      const counts = CONTAINER.map((_, k) => o[3 + 4 * k] as number);
      assert.equal(g[3], Math.max(...counts), `${what}: samples`);
      CONTAINER.forEach((m, k) => {
        const [n, avg, min, max] = o.slice(3 + 4 * k, 7 + 4 * k) as [
          number,
          number | null,
          number | null,
          number | null,
        ];
        const [gAvg, gMin, gMax] = g.slice(4 + 3 * k, 7 + 3 * k) as (number | null)[];
        if (n === 0) return assert.deepEqual([gAvg, gMin, gMax], [null, null, null], `${what} ${m}`);
        const step = STORED.container.find((s) => s.metric === m)!.step;
        assert.ok(Math.abs(gAvg! - avg!) <= step / 2 + 1e-9, `${what} ${m}: mean ${gAvg} vs ${avg}`);
        assert.deepEqual([gMin, gMax], [kept('container', m, min), kept('container', m, max)], `${what} ${m}`);
      });
    });
  }

  // The server goes on: the late hour is rolled up from the converted raw rows, and a new
  // batch adds rows.
  const marked = sqlite
    .prepare("SELECT entity, bucket FROM rollup_dirty WHERE kind = 'container' AND tier = '1m'")
    .raw()
    .all() as [number, number][];
  assert.ok(marked.length > 60, 'late marks waiting');
  const last = sqlite.prepare('SELECT max(ts) FROM container_samples').pluck().get() as number;
  const report = runRollups(sqlite, last + 7200);
  assert.ok(report.dirty >= marked.length, 'the late hour recomputed');
  assert.equal(sqlite.prepare('SELECT count(*) FROM rollup_dirty').pluck().get(), 0);
  // Recomputed from the converted raw rows: each mean is the mean of its raw rows (the
  // converted rollups were within half a step of it).
  const mean1m = sqlite.prepare(
    `SELECT r.cpu_pct, (SELECT avg(cpu_pct) FROM container_metrics s WHERE s.host = r.host AND s.container = r.container
       AND s.ts >= r.ts AND s.ts < r.ts + 60)
     FROM container_metrics_1m r JOIN containers c ON c.name = r.container
       JOIN hosts h ON h.id = c.host_id AND h.name = r.host WHERE c.id = ? AND r.ts = ?`,
  );
  for (const [entity, bucket] of marked) {
    const [got, want] = mean1m.raw().get(entity, bucket) as [number, number];
    assert.ok(Math.abs(got - want) < 1e-9, `${entity}@${bucket}: ${got} vs ${want}`);
  }
  const stored = storeBatch(
    sqlite,
    batchSchema.parse({
      v: 1,
      batch_id: 'after-migration',
      agent: { host: 'alpha', interval: 10, machine_id: 'm-alpha' },
      snapshots: [
        { ts: last + 10, host: { cpu_pct: 12.345 }, containers: [{ id: 'x', name: 'web', metrics: { cpu_pct: 1.5 } }] },
      ],
    }),
    last + 20,
  );
  assert.deepEqual([stored.hostRows, stored.containerRows], [1, 1]);
  assert.deepEqual(all(sqlite, `SELECT cpu_pct FROM host_metrics WHERE ts = ${last + 10}`), [[12.35]]);
  sqlite.close();
});

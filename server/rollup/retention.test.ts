// Retention on a real migrated SQLite file: each tier of each kind loses exactly the rows
// older than its horizon and nothing else, in steps that let other work run in between, and
// the freed pages go back to the file system.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { openDb } from '../db/open.ts';
import { storeBatch } from '../ingest/store-batch.ts';
import { batch as batchSchema } from '../../protocol/batch.ts';
import { tempDir } from '../../test/support/temp.ts';
import { enforceRetention } from './retention.ts';
import { KINDS, ROLLUP_TIERS, tableOf, type Kind, type Retention, type TierName } from './tiers.ts';
import { rawValueColumns, rollupValueColumns } from '../db/sample-layout.ts';

const DAY = 86400;
const NOW = 1_790_000_000;
const RETENTION: Retention = { raw: 2 * DAY, '1m': 10 * DAY, '5m': 40 * DAY, '1h': 400 * DAY };
const TIERS: TierName[] = ['raw', ...ROLLUP_TIERS.map((t) => t.name)];

/** 120 containers (more than one retention step), a host, a series; ids of each kind. */
function entities(sqlite: Database.Database): Record<Kind, number[]> {
  const containers = Array.from({ length: 120 }, (_, i) => ({
    id: `c${i}`,
    name: `svc-${i}`,
    metrics: { cpu_pct: 1 },
  }));
  storeBatch(
    sqlite,
    batchSchema.parse({
      v: 1,
      batch_id: 'setup-batch',
      agent: { host: 'alpha' },
      snapshots: [
        {
          ts: NOW - 5 * DAY,
          host: { cpu_pct: 1 },
          containers,
          series: [{ name: 'net_rx_bps', labels: { iface: 'eth0' }, value: 1 }],
        },
      ],
    }),
    NOW - 5 * DAY,
  );
  const ids = (t: string) => sqlite.prepare(`SELECT id FROM ${t} ORDER BY id`).pluck().all() as number[];
  return { host: ids('hosts'), container: ids('containers'), series: ids('series') };
}

/** Rows every 7 hours over three years, plus one on each side of every tier's cutoff. */
function fill(sqlite: Database.Database, ids: Record<Kind, number[]>): void {
  const stamps = new Set<number>();
  for (let t = NOW - 3 * 365 * DAY; t <= NOW; t += 7 * 3600) stamps.add(t);
  for (const tier of TIERS) for (const d of [-1, 0, 1]) stamps.add(NOW - RETENTION[tier] + d);
  sqlite.transaction(() => {
    for (const kind of Object.keys(KINDS) as Kind[]) {
      for (const tier of TIERS) {
        // A rollup row's first column is n (hosts, containers) or value_avg (series).
        const first = (tier === 'raw' ? rawValueColumns(kind) : rollupValueColumns(kind))[0];
        const ins = sqlite.prepare(
          `INSERT OR IGNORE INTO ${tableOf(kind, tier)} (${KINDS[kind].key}, ts, ${first}) VALUES (?, ?, 2)`,
        );
        // Containers get a sparse share each, so the table holds many entities' ranges.
        ids[kind].forEach((id, i) => {
          for (const ts of stamps)
            if (kind !== 'container' || (ts / 3600 + i) % 5 === 0 || Math.abs(ts - (NOW - RETENTION[tier])) <= 1)
              ins.run(id, ts);
        });
      }
    }
  })();
}

const keys = (sqlite: Database.Database, kind: Kind, tier: TierName) =>
  sqlite
    .prepare(`SELECT ${KINDS[kind].key} || ':' || ts FROM ${tableOf(kind, tier)} ORDER BY 1`)
    .pluck()
    .all() as string[];

test('each tier loses exactly the rows older than its horizon, in every kind, and nothing else', async () => {
  const dir = tempDir();
  const db = openDb(path.join(dir, 'retention.db'));
  const sqlite = db.$client;
  const ids = entities(sqlite);
  fill(sqlite, ids);
  const addBatch = sqlite.prepare(
    'INSERT INTO batches (batch_id, host_id, received_at, snapshots) VALUES (?, ?, ?, 1)',
  );
  for (const d of [-1, 0, 1]) addBatch.run(`b${d}`, ids.host[0], NOW - RETENTION.raw + d);
  const dirty = sqlite.prepare('INSERT INTO rollup_dirty (kind, tier, bucket) VALUES (?, ?, ?)');
  for (const tier of ['1m', '5m'])
    for (const b of [NOW - RETENTION.raw - 60, NOW - RETENTION.raw + 60]) dirty.run('host', tier, b);

  const before = new Map<string, string[]>();
  for (const kind of Object.keys(KINDS) as Kind[])
    for (const tier of TIERS) before.set(`${kind}/${tier}`, keys(sqlite, kind, tier));
  const entityRows = JSON.stringify(
    ['hosts', 'containers', 'series'].map((t) => sqlite.prepare(`SELECT * FROM ${t}`).all()),
  );

  const report = await enforceRetention(sqlite, RETENTION, NOW);

  let expectDeleted = 0;
  for (const kind of Object.keys(KINDS) as Kind[]) {
    for (const tier of TIERS) {
      const cutoff = NOW - RETENTION[tier];
      const all = before.get(`${kind}/${tier}`)!;
      const keep = all.filter((k) => Number(k.split(':')[1]) >= cutoff);
      expectDeleted += all.length - keep.length;
      assert.deepEqual(
        keys(sqlite, kind, tier),
        keep,
        `${kind} ${tier}: rows at or after now − ${RETENTION[tier] / DAY} d stay, older ones go`,
      );
      assert.ok(keep.length > 0 && keep.length < all.length, `${kind} ${tier}: the data straddles the horizon`);
    }
  }
  // The setup batch (received 5 days ago) and b-1 are older than the raw horizon.
  assert.deepEqual(sqlite.prepare('SELECT batch_id FROM batches ORDER BY batch_id').pluck().all(), ['b0', 'b1']);
  assert.equal(report.deleted, expectDeleted + 2);
  // Late-data markers of the 1m tier past the raw horizon cannot be recomputed any more.
  assert.deepEqual(
    sqlite
      .prepare('SELECT tier, bucket - ? FROM rollup_dirty ORDER BY tier, bucket')
      .raw()
      .all(NOW - RETENTION.raw),
    [
      ['1m', 60],
      ['5m', -60],
      ['5m', 60],
    ],
  );
  assert.equal(
    JSON.stringify(['hosts', 'containers', 'series'].map((t) => sqlite.prepare(`SELECT * FROM ${t}`).all())),
    entityRows,
    'entities are kept',
  );
  // Where it cut each tier is recorded for the rollups (kind 'retention').
  assert.deepEqual(
    sqlite.prepare("SELECT tier, watermark FROM rollup_state WHERE kind = 'retention' ORDER BY watermark").raw().all(),
    [
      ['1h', NOW - RETENTION['1h']],
      ['5m', NOW - RETENTION['5m']],
      ['1m', NOW - RETENTION['1m']],
      ['raw', NOW - RETENTION.raw],
    ],
  );

  // A second pass finds nothing more to delete.
  assert.equal((await enforceRetention(sqlite, RETENTION, NOW)).deleted, 0);
  db.$client.close();
});

test('freed pages go back to the file system (incremental vacuum), so the file shrinks', async () => {
  const file = path.join(tempDir(), 'vacuum.db');
  const db = openDb(file);
  const sqlite = db.$client;
  assert.equal(
    sqlite.pragma('auto_vacuum', { simple: true }),
    2,
    'a new file is created with auto_vacuum = INCREMENTAL',
  );
  fill(sqlite, entities(sqlite));
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const pagesBefore = sqlite.pragma('page_count', { simple: true }) as number;
  const sizeBefore = fs.statSync(file).size;
  const report = await enforceRetention(sqlite, RETENTION, NOW, { vacuumPages: 1_000_000 });
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  assert.ok(report.freedPages > 0, 'pages were freed');
  assert.equal(sqlite.pragma('freelist_count', { simple: true }), 0);
  assert.equal(sqlite.pragma('page_count', { simple: true }), pagesBefore - report.freedPages);
  assert.ok(fs.statSync(file).size < sizeBefore, `file shrank from ${sizeBefore} to ${fs.statSync(file).size} bytes`);
  db.$client.close();
});

test('retention yields to the event loop between small deletes, so requests are served meanwhile', async () => {
  const db = openDb(path.join(tempDir(), 'yield.db'));
  const sqlite = db.$client;
  fill(sqlite, entities(sqlite));
  let turns = 0;
  let running = true;
  const spin = () => {
    turns++;
    if (running) setImmediate(spin);
  };
  setImmediate(spin);
  await enforceRetention(sqlite, RETENTION, NOW);
  running = false;
  // At least one turn per tier and kind, and more where a kind has over 50 entities.
  assert.ok(turns >= 3 * TIERS.length + 4, `other work ran ${turns} times during retention`);
  db.$client.close();
});

test('a later pass visits only the entities whose samples reach its horizon, not every one ever seen', async () => {
  const db = openDb(path.join(tempDir(), 'churned.db'));
  const sqlite = db.$client;
  // 120 containers seen once, five days ago, then gone; two that go on reporting.
  entities(sqlite);
  const live = (ts: number, id: string) =>
    storeBatch(
      sqlite,
      batchSchema.parse({
        v: 1,
        batch_id: id,
        agent: { host: 'alpha' },
        snapshots: [
          {
            ts,
            host: { cpu_pct: 1 },
            containers: ['web', 'db'].map((name) => ({ id: `live-${name}`, name, metrics: { cpu_pct: 2 } })),
          },
        ],
      }),
      ts,
    );
  for (let d = 4; d >= 0; d--) live(NOW - d * DAY, `live-batch-${d}`);
  const raw = (name: string) =>
    sqlite
      .prepare('SELECT count(*) FROM container_metrics WHERE container = ? AND ts >= ?')
      .pluck()
      .get(name, 0) as number;

  const first = await enforceRetention(sqlite, RETENTION, NOW);
  assert.ok(first.visited >= 122 * TIERS.length, `the first pass visits every entity (${first.visited})`);
  assert.equal(raw('svc-0'), 0, 'a container seen five days ago has no raw rows past the 2-day horizon');
  assert.equal(raw('web'), 3, "a live container's raw rows of the last two days stay");

  // A day later: only what reached the raw horizon since (the live containers; hosts, being
  // few, in every tier).
  const later = await enforceRetention(sqlite, RETENTION, NOW + DAY);
  assert.equal(later.visited, 2 + TIERS.length, `a day later, not ${first.visited} entity ranges`);
  assert.equal(raw('web'), 2, "the live container's row that crossed the horizon went");
  assert.equal(later.deleted, 4, "three days ago's host row, both live containers' rows and its batch id");
  db.$client.close();
});

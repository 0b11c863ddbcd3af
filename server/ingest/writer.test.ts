// The writer thread on a real file: a batch's promise resolves once its rows are committed
// (the server's own connection reads them at once), batches posted together are stored
// together without one refused batch taking the others down, rollups run on the same
// thread, and closing waits for everything already posted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openDb } from '../db/open.ts';
import { makeBatch, testConfig, TEST_TOKEN } from '../../test/support/server.ts';
import { tempDir } from '../../test/support/temp.ts';
import { createApp } from '../app.ts';
import { memoryLogger } from '../../lib/log.ts';
import { startWriterThread } from './writer.ts';
import { HostConflict } from './store-batch.ts';
import { toColumnBatch } from '../../protocol/columns.ts';
import type { Batch, ColumnBatch } from '../../protocol/batch.ts';

const NOW = 1_790_000_000;

const batchFor = (host: string, stamps: number[], machine = `m-${host}`) =>
  toColumnBatch({
    ...(makeBatch(host, stamps, (ts) => ({
      host: { cpu_pct: ts % 100 },
      containers: [{ id: `${host}-c1`.padEnd(12, '0'), name: 'web', metrics: { cpu_pct: 1, mem_bytes: 2 } }],
    })) as Batch),
    agent: { host, machine_id: machine, interval: 10 },
  });

function setup() {
  const file = path.join(tempDir(), 'berth.db');
  const db = openDb(file);
  const log = memoryLogger();
  const writer = startWriterThread(db.$client, { allowDuplicateHostnames: false, log });
  const count = (table: string) => db.$client.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  return { db, writer, log, count };
}

test('a stored batch is committed when its promise resolves: the server connection reads it at once', async () => {
  const { db, writer, count } = setup();
  const r = await writer.store({ batch: batchFor('alpha', [NOW - 20, NOW - 10]), t: NOW, tokenId: null });
  assert.deepEqual(r, { duplicate: false, hostRows: 2, containerRows: 2, seriesRows: 0 });
  assert.equal(count('host_samples'), 2);
  assert.equal(count('container_samples'), 2);
  const again = await writer.store({ batch: batchFor('alpha', [NOW - 20, NOW - 10]), t: NOW, tokenId: null });
  assert.deepEqual(
    again,
    { duplicate: false, hostRows: 0, containerRows: 0, seriesRows: 0 },
    'the same rows under a new batch id add nothing',
  );
  await writer.close();
  db.$client.close();
});

test('through the route, batches that leave out what the schema defaults (no containers, no labels, an empty v1 snapshot) are stored by the thread, together', async () => {
  const { db, writer, count } = setup();
  const config = testConfig({ dbPath: db.$client.name });
  const app = createApp({ db, config, log: memoryLogger(), now: () => NOW, writer });
  const post = (body: unknown) =>
    app.request('/api/v1/ingest', {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const agent = (host: string) => ({ host, machine_id: `m-${host}`, interval: 10 });
  const answers = await Promise.all([
    // v2 with only a host: containers and series default to [].
    post({ v: 2, batch_id: 'only-host-batch', agent: agent('a'), host: { ts: [NOW - 20], metrics: { cpu_pct: [5] } } }),
    // v2 series without labels: {} by default.
    post({
      v: 2,
      batch_id: 'no-labels-batch',
      agent: agent('b'),
      series: [{ name: 'temp_c', ts: [NOW - 20], values: [40] }],
    }),
    // v1 snapshots that leave out host, containers or series.
    post({
      v: 1,
      batch_id: 'bare-v1-batch',
      agent: agent('c'),
      snapshots: [{ ts: NOW - 20, host: { cpu_pct: 7 } }, { ts: NOW - 10 }],
    }),
  ]);
  assert.deepEqual(
    answers.map((r) => r.status),
    [200, 200, 200],
    await Promise.all(answers.map((r) => r.clone().text())).then((t) => t.join(' | ')),
  );
  assert.equal(count('host_samples'), 2);
  assert.equal(count('series_samples'), 1);
  assert.equal(db.$client.prepare("SELECT labels FROM series WHERE name = 'temp_c'").pluck().get(), '{}');
  await writer.close();
  db.$client.close();
});

test('a batch the store cannot take fails alone: the rest of its group is stored', async () => {
  const { db, writer, count } = setup();
  // Accepted (its id and host are fine), then refused by the rows step: a series without labels.
  const broken = {
    ...batchFor('broken', [NOW - 10]),
    series: [{ name: 'x', ts: [NOW - 10], values: [1] }],
  } as unknown as ColumnBatch;
  const results = await Promise.allSettled([
    writer.store({ batch: batchFor('good-1', [NOW - 10]), t: NOW, tokenId: null }),
    writer.store({ batch: broken, t: NOW, tokenId: null }),
    writer.store({ batch: batchFor('good-2', [NOW - 10]), t: NOW, tokenId: null }),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled'],
  );
  assert.equal(count('host_samples'), 2);
  assert.equal(
    db.$client.prepare("SELECT count(*) FROM hosts WHERE name = 'broken'").pluck().get(),
    0,
    'nothing of the failed batch stays',
  );
  await writer.close();
  db.$client.close();
});

test('batches posted together are all stored; a refused one (host name conflict) leaves the rest in', async () => {
  const { db, writer, count } = setup();
  await writer.store({ batch: batchFor('shared', [NOW - 100]), t: NOW, tokenId: null });
  const hosts = Array.from({ length: 12 }, (_, i) => `host-${i}`);
  const results = await Promise.allSettled([
    ...hosts.map((h, i) => writer.store({ batch: batchFor(h, [NOW - 30 + i, NOW - 20 + i]), t: NOW, tokenId: null })),
    // Same name, another machine: refused, alone.
    writer.store({ batch: batchFor('shared', [NOW - 10], 'another-machine'), t: NOW, tokenId: null }),
  ]);
  const refused = results.filter((r) => r.status === 'rejected');
  assert.equal(refused.length, 1);
  assert.ok((refused[0] as PromiseRejectedResult).reason instanceof HostConflict);
  assert.equal(count('hosts'), 13);
  assert.equal(count('host_samples'), 1 + 12 * 2);
  assert.equal(
    db.$client
      .prepare("SELECT count(*) FROM host_samples s JOIN hosts h ON h.id = s.host_id WHERE h.name = 'shared'")
      .pluck()
      .get(),
    1,
  );
  await writer.close();
  db.$client.close();
});

test('rollups run on the writer thread and close() waits for the batches already posted', async () => {
  const { db, writer, count } = setup();
  const stamps = Array.from({ length: 30 }, (_, i) => NOW - 900 + i * 10);
  const pending = stamps.map((ts, i) =>
    writer.store({ batch: batchFor('alpha', [ts]), t: NOW, tokenId: null }).then(() => i),
  );
  const report = await writer.rollup(NOW);
  assert.ok(report.buckets > 0, 'the rollup saw the rows');
  const closed = writer.close();
  assert.equal((await Promise.all(pending)).length, 30);
  await closed;
  assert.equal(count('host_samples'), 30);
  assert.ok(count('host_samples_1m') >= 4, 'minutes rolled up');
  db.$client.close();
});

test('a refused request is answered while another connection holds the write lock, and still counted', async () => {
  const { db, writer } = setup();
  const config = testConfig({ dbPath: db.$client.name });
  const app = createApp({ db, config, log: memoryLogger(), now: () => NOW, writer });
  await writer.ready;
  // An operator's sqlite3 (or a long transaction) holding the lock for longer than busy_timeout.
  const holder = new Database(db.$client.name);
  holder.exec('BEGIN IMMEDIATE');
  const t0 = performance.now();
  const res = await app.request('/api/v1/ingest', {
    method: 'POST',
    headers: { authorization: 'Bearer nope', 'content-type': 'application/json' },
    body: '{}',
  });
  const ms = performance.now() - t0;
  assert.equal(res.status, 401);
  // busy_timeout is 5 s: well under that is an answer that did not wait for the lock.
  assert.ok(ms < 3000, `answered in ${ms.toFixed(0)} ms, not after the lock's wait`);
  const health = await app.request('/healthz');
  assert.equal(health.status, 200);
  holder.exec('COMMIT');
  holder.close();
  // The thread counts it once the lock is free (it waits as long as busy_timeout allows), in
  // turn with its other work: all of which it has done when it has closed.
  await writer.close();
  const counted = db.$client
    .prepare("SELECT value FROM counters WHERE name = 'ingest_rejected_unauthorized'")
    .pluck()
    .get();
  assert.equal(counted, 1);
  db.$client.close();
});

test('a batch that arrives during a retention pass is stored between its steps, not after the pass', async () => {
  const { db, writer, count } = setup();
  await writer.store({ batch: batchFor('alpha', [NOW - 20]), t: NOW, tokenId: null });
  const order: string[] = [];
  const retention = { raw: 86400, '1m': 7 * 86400, '5m': 30 * 86400, '1h': 365 * 86400 };
  const pass = writer.retention(retention, NOW).then(() => order.push('retention pass'));
  const batch = writer
    .store({ batch: batchFor('beta', [NOW - 10]), t: NOW, tokenId: null })
    .then(() => order.push('batch'));
  await Promise.all([pass, batch]);
  assert.deepEqual(order, ['batch', 'retention pass']);
  assert.equal(count('host_samples'), 2);
  await writer.close();
  db.$client.close();
});

// The writer thread on a real file: a batch's promise resolves once its rows are committed
// (the server's own connection reads them at once), batches posted together are stored
// together without one refused batch taking the others down, rollups run on the same
// thread, and closing waits for everything already posted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openDb } from '../db/open.ts';
import { tempDir, makeBatch } from '../../test/support/server.ts';
import { memoryLogger } from '../../agent/log.ts';
import { startWriterThread } from './writer.ts';
import { HostConflict } from './store-batch.ts';
import { toColumnBatch } from '../../protocol/columns.ts';
import type { Batch } from '../../protocol/batch.ts';

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
  assert.deepEqual(again, { duplicate: false, hostRows: 0, containerRows: 0, seriesRows: 0 }, 'the same rows under a new batch id add nothing');
  await writer.close();
  db.$client.close();
});

test('a batch posted as the request JSON (v2 columns or v1 snapshots) is parsed and stored by the thread, its bytes moved to it', async () => {
  const { db, writer, count } = setup();
  const v1 = { ...(makeBatch('beta', [NOW - 30, NOW - 20], (ts) => ({ host: { cpu_pct: ts % 100 }, containers: [] })) as Batch), agent: { host: 'beta', interval: 10 } };
  const v2 = batchFor('gamma', [NOW - 10]);
  for (const batch of [v1, v2]) {
    const json = new Uint8Array(Buffer.from(JSON.stringify(batch)));
    const r = await writer.store({ batch: toColumnBatch(v1), t: NOW, tokenId: null, json });
    assert.equal(r.duplicate, false);
    assert.equal(json.byteLength, 0, 'moved, not copied');
  }
  assert.equal(count('host_samples'), 3, 'rows from the JSON, not from the batch object');
  assert.equal(db.$client.prepare("SELECT count(*) FROM container_samples s JOIN containers c ON c.id = s.container_id JOIN hosts h ON h.id = c.host_id WHERE h.name = 'gamma'").pluck().get(), 1);
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
  assert.equal(db.$client.prepare("SELECT count(*) FROM host_samples s JOIN hosts h ON h.id = s.host_id WHERE h.name = 'shared'").pluck().get(), 1);
  await writer.close();
  db.$client.close();
});

test('rollups run on the writer thread and close() waits for the batches already posted', async () => {
  const { db, writer, count } = setup();
  const stamps = Array.from({ length: 30 }, (_, i) => NOW - 900 + i * 10);
  const pending = stamps.map((ts, i) => writer.store({ batch: batchFor('alpha', [ts]), t: NOW, tokenId: null }).then(() => i));
  const report = await writer.rollup(NOW);
  assert.ok(report.buckets > 0, 'the rollup saw the rows');
  const closed = writer.close();
  assert.equal((await Promise.all(pending)).length, 30);
  await closed;
  assert.equal(count('host_samples'), 30);
  assert.ok(count('host_samples_1m') >= 4, 'minutes rolled up');
  db.$client.close();
});

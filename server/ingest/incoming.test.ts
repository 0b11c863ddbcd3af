// Group commit through the incoming tables, on a real migrated file: while another request is
// still arriving, an acknowledged batch's rows wait in the incoming tables, yet every reader
// (the views, the API) sees them; the burst's last request, a read or a restart merges them
// into the sample tables exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, makeBatch, TEST_TOKEN, type TestApp } from '../../test/support/server.ts';
import { openDb } from '../db/open.ts';
import { storeBatch } from './store-batch.ts';
import { hasIncoming } from './incoming.ts';
import type { Batch, BatchInput } from '../../protocol/batch.ts';

const NOW = 1_790_000_000;

const count = (t: TestApp, table: string) => t.db.$client.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;

const fill = (ts: number): Partial<BatchInput['snapshots'][number]> => ({
  host: { cpu_pct: ts % 50 },
  containers: [
    { id: 'a'.repeat(64), name: 'web', metrics: { cpu_pct: ts % 100, mem_bytes: 5e7 } },
    { id: 'b'.repeat(64), name: 'db', metrics: { cpu_pct: 3 } },
  ],
  series: [{ name: 'net_rx_bps', labels: { iface: 'eth0' }, value: ts }],
});

/** An ingest request whose body arrives only when `finish` is called: it stays in flight. */
function slowIngest(t: TestApp, body: unknown): { done: Promise<Response>; finish: () => void } {
  let finish!: () => void;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      finish = () => {
        controller.enqueue(new TextEncoder().encode(JSON.stringify(body)));
        controller.close();
      };
    },
  });
  const done = Promise.resolve(
    t.app.request('/api/v1/ingest', {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit),
  );
  return { done, finish };
}

test('while another request is in flight, an acknowledged batch waits in the incoming tables and every reader still sees it', async () => {
  const t = testApp({}, NOW);
  const slow = slowIngest(t, makeBatch('beta', [NOW - 20], fill));
  const fast = await t.ingest(makeBatch('alpha', [NOW - 20, NOW - 10], fill));
  assert.equal(fast.status, 200);
  assert.deepEqual(await fast.json(), { ok: true, duplicate: false, hostRows: 2, containerRows: 4, seriesRows: 2 });

  // Committed, not merged yet: the sample tables lack the rows, the incoming tables hold them.
  assert.equal(count(t, 'container_samples'), 0);
  assert.equal(count(t, 'container_samples_incoming'), 4);
  // The human views read both, so ad-hoc SQL sees every acknowledged row.
  assert.deepEqual(
    t.db.$client.prepare("SELECT container, ts, cpu_pct FROM container_metrics WHERE host = 'alpha' ORDER BY container, ts").raw().all(),
    [['db', NOW - 20, 3], ['db', NOW - 10, 3], ['web', NOW - 20, (NOW - 20) % 100], ['web', NOW - 10, (NOW - 10) % 100]],
  );
  assert.equal(t.db.$client.prepare('SELECT count(*) FROM series_metrics').pluck().get(), 2);

  // The burst's last request merges everything, its own rows and the earlier ones.
  slow.finish();
  assert.equal((await slow.done).status, 200);
  assert.equal(count(t, 'container_samples_incoming'), 0);
  assert.equal(count(t, 'host_samples_incoming') + count(t, 'series_samples_incoming'), 0);
  assert.equal(count(t, 'container_samples'), 6);
  assert.equal(count(t, 'host_samples'), 3);
  assert.equal(count(t, 'series_samples'), 3);
});

test('a read of the API merges first: /series returns rows a burst left unmerged', async () => {
  const t = testApp({}, NOW);
  const slow = slowIngest(t, makeBatch('beta', [NOW - 20], fill));
  assert.equal((await t.ingest(makeBatch('alpha', [NOW - 20, NOW - 10], fill))).status, 200);
  assert.equal(count(t, 'container_samples'), 0);
  const res = await t.get(`/api/v1/series?host=alpha&container=web&metrics=cpu_pct&from=${NOW - 60}&to=${NOW}`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { series: { cpu_pct: (number | null)[] } };
  assert.deepEqual(body.series.cpu_pct.filter((v) => v !== null), [(NOW - 20) % 100, (NOW - 10) % 100]);
  assert.equal(count(t, 'container_samples_incoming'), 0);
  assert.equal(count(t, 'container_samples'), 4);
  slow.finish();
  await slow.done;
});

test('a duplicate (entity, ts) is absorbed whether its first copy is merged or still incoming', async () => {
  const t = testApp({}, NOW);
  const slow = slowIngest(t, makeBatch('beta', [NOW - 20], fill));
  await t.ingest(makeBatch('alpha', [NOW - 20], fill));
  // First copy still incoming: the replay adds only its new timestamp.
  const again = await t.ingest(makeBatch('alpha', [NOW - 20, NOW - 10], fill));
  assert.deepEqual(await again.json(), { ok: true, duplicate: false, hostRows: 1, containerRows: 2, seriesRows: 1 });
  slow.finish();
  await slow.done;
  // First copies merged: a third replay adds nothing.
  const third = await t.ingest(makeBatch('alpha', [NOW - 20, NOW - 10], (ts) => ({ ...fill(ts), host: { cpu_pct: 99 } })));
  assert.deepEqual(await third.json(), { ok: true, duplicate: false, hostRows: 0, containerRows: 0, seriesRows: 0 });
  assert.equal(count(t, 'container_samples'), 2 * 2 + 2);
  assert.deepEqual(
    t.db.$client.prepare("SELECT h.ts, h.cpu_pct FROM host_samples h JOIN hosts ON hosts.id = h.host_id WHERE hosts.name = 'alpha' ORDER BY ts").raw().all(),
    [[NOW - 20, (NOW - 20) % 50], [NOW - 10, (NOW - 10) % 50]],
  );
});

test('rows left incoming when the process stops are merged after a restart, once', async () => {
  const t = testApp({}, NOW);
  const batch = makeBatch('alpha', [NOW - 20, NOW - 10], fill) as Batch;
  storeBatch(t.db.$client, batch, NOW, { merge: false });
  t.db.$client.close(); // as a killed server would: nothing merged

  const db = openDb(t.config.dbPath);
  assert.equal(hasIncoming(db.$client), true);
  const t2 = { ...t, db };
  assert.equal(count(t2, 'container_samples_incoming'), 4);
  const { createApp } = await import('../app.ts');
  const app = createApp({ db, config: t.config, log: t.log, now: () => NOW });
  const res = await app.request('/api/v1/hosts');
  assert.equal(res.status, 200);
  assert.equal(hasIncoming(db.$client), false);
  assert.equal(count(t2, 'container_samples'), 4);
  assert.equal(count(t2, 'host_samples'), 2);
  assert.equal(count(t2, 'series_samples'), 2);
  db.$client.close();
});

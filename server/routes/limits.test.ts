// Bounds on what one request can make the server do: rows in a batch, list lengths, values in
// a /series answer, series in a catalog, the size of a token request. Each is a 4xx naming why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { testApp, makeBatch, TEST_TOKEN } from '../../test/support/server.ts';
import { overlong } from './ingest.ts';
import { batchRows } from '../../protocol/columns.ts';
import type { ColumnBatch } from '../../protocol/batch.ts';

const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;

test('rows a batch stores are counted across host, containers and series; lists past the protocol are named', () => {
  const b = {
    host: { ts: [1, 2, 3], metrics: {} },
    containers: [{ ts: [1, 2] }, { ts: [1] }],
    series: [{ ts: [1, 2, 3, 4] }],
  } as unknown as ColumnBatch;
  assert.equal(batchRows(b), 10);
  assert.equal(overlong({ v: 2, series: new Array(100_001).fill({}) }), 'series: 100001 entries, at most 100000');
  assert.equal(overlong({ v: 2, containers: new Array(50_001).fill({}) }), 'containers: 50001 entries, at most 50000');
  assert.equal(overlong({ v: 2, series: [{}] }), undefined);
});

test('a batch with a list past the protocol is refused at once, naming it', async () => {
  const t = testApp();
  const body = {
    v: 2,
    batch_id: 'too-many-series',
    agent: { host: 'alpha' },
    series: new Array(200_000).fill({ name: 'x', labels: {}, ts: [1], values: ['bad'] }),
  };
  const res = await t.ingest(new Uint8Array(zlib.gzipSync(JSON.stringify(body))), { 'content-encoding': 'gzip' });
  assert.equal(res.status, 400);
  assert.equal(await errorOf(res), 'series: 200000 entries, at most 100000');
});

test('/series: a metric named twice is read once; an answer past 2 million values is a 400 naming the cause', async () => {
  const t = testApp();
  const now = t.clock.now;
  assert.equal(
    (
      await t.ingest(
        makeBatch('alpha', [now - 10, now], () => ({
          host: { cpu_pct: 5 },
          series: Array.from({ length: 200 }, (_, i) => ({ name: 'wide', labels: { i: String(i) }, value: i })),
        })),
      )
    ).status,
    200,
  );
  const twice = await t.get(
    `/api/v1/series?host=alpha&metrics=${Array(600).fill('cpu_pct').join(',')}&from=${now - 60}&to=${now}`,
  );
  assert.equal(twice.status, 200);
  assert.deepEqual(Object.keys(((await twice.json()) as { series: object }).series), ['cpu_pct']);
  const huge = await t.get(
    `/api/v1/series?host=alpha&series=wide&from=${now - 10 * 365 * 86400}&to=${now}&maxPoints=20000&minmax=1`,
  );
  assert.equal(huge.status, 400);
  assert.match(await errorOf(huge), /^series: 200 columns × \d+ points is more than 2000000 values/);
});

test('/catalog lists at most 10,000 series and says when there are more', async () => {
  const t = testApp();
  const now = t.clock.now;
  assert.equal((await t.ingest(makeBatch('alpha', [now]))).status, 200);
  const sqlite = t.db.$client;
  const hostId = sqlite.prepare("SELECT id FROM hosts WHERE name = 'alpha'").pluck().get() as number;
  const ins = sqlite.prepare(
    'INSERT INTO series (host_id, name, labels, first_seen, last_seen) VALUES (?, ?, ?, ?, ?)',
  );
  sqlite.transaction(() => {
    for (let i = 0; i < 10_001; i++) ins.run(hostId, 'many', JSON.stringify({ i: String(i) }), now, now);
  })();
  const body = (await (await t.get('/api/v1/catalog?host=alpha')).json()) as {
    truncated?: boolean;
    limit?: number;
    series: unknown[];
  };
  assert.deepEqual([body.truncated, body.limit, body.series.length], [true, 10_000, 10_000]);
});

test('a token request is a host name: a body past 4 KB is 413', async () => {
  const t = testApp();
  const res = await t.app.request('/api/v1/tokens', {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ host: 'web-1', pad: 'x'.repeat(10_000) }),
  });
  assert.equal(res.status, 413);
  assert.match(await errorOf(res), /^body: larger than 4096 bytes/);
});

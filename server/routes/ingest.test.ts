// POST /api/v1/ingest through app.request() on a real migrated file: who may write, what is
// refused and why (with the field path), size limits plain and gzip, idempotent resends, extra
// metrics kept as series, and every refusal counted and leaving nothing behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { testApp, makeBatch, TEST_TOKEN, type TestApp } from '../../test/support/server.ts';
import type { BatchInput } from '../../protocol/batch.ts';
import { addHostToken, revokeHostToken } from '../auth.ts';

const NOW = 1_790_000_000;

async function json(res: Response): Promise<Record<string, unknown> & { error?: string }> {
  return (await res.json()) as Record<string, unknown> & { error?: string };
}

function count(t: TestApp, table: string): number {
  return t.db.$client.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
}

/** Every table a batch writes to, so "nothing written" can be checked in one line. */
function written(t: TestApp): Record<string, number> {
  const out: Record<string, number> = {};
  for (const table of [
    'hosts',
    'containers',
    'series',
    'batches',
    'host_samples',
    'container_samples',
    'series_samples',
    'rollup_dirty',
  ])
    out[table] = count(t, table);
  return out;
}
const NOTHING = {
  hosts: 0,
  containers: 0,
  series: 0,
  batches: 0,
  host_samples: 0,
  container_samples: 0,
  series_samples: 0,
  rollup_dirty: 0,
};

async function counters(t: TestApp): Promise<Record<string, number>> {
  return (await json(await t.get('/api/v1/status'))).counters as Record<string, number>;
}

const withContainers = (ts: number): Partial<BatchInput['snapshots'][number]> => ({
  host: { cpu_pct: 12.5, mem_used_bytes: 2e9 },
  containers: [
    {
      id: 'a'.repeat(64),
      name: 'web',
      image: 'nginx:1.27',
      compose_project: 'shop',
      compose_service: 'web',
      metrics: { cpu_pct: ts % 100, mem_bytes: 5e7 },
    },
    { id: 'b'.repeat(64), name: 'db', metrics: { cpu_pct: 3, pids: 12 } },
  ],
  series: [{ name: 'net_rx_bps', labels: { iface: 'eth0' }, value: 1234 }],
});

test('a missing, wrong or malformed bearer token is 401 and writes nothing', async () => {
  const t = testApp({}, NOW);
  const body = makeBatch('alpha', [NOW]);
  for (const authorization of [
    '',
    'Bearer ',
    'Bearer wrong-token-0123456789',
    `Basic ${TEST_TOKEN}`,
    `Bearer ${TEST_TOKEN}x`,
    TEST_TOKEN,
  ]) {
    const res = await t.ingest(body, { authorization });
    assert.equal(res.status, 401, `authorization "${authorization}"`);
    assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="berth"', 'a 401 says how to authenticate');
    assert.match((await json(res)).error!, /token/);
  }
  assert.deepEqual(written(t), NOTHING);
  assert.equal((await counters(t)).ingest_rejected_unauthorized, 6);
  // The token is checked before the body is even parsed: garbage from a stranger is a 401.
  assert.equal((await t.ingest('{not json', { authorization: 'Bearer nope' })).status, 401);
});

test('plain and gzip JSON are both stored; the answer comes after the commit with what was stored', async () => {
  const t = testApp({}, NOW);
  const plain = await t.ingest(makeBatch('alpha', [NOW - 20], withContainers));
  assert.equal(plain.status, 200);
  assert.deepEqual(await json(plain), { ok: true, duplicate: false, hostRows: 1, containerRows: 2, seriesRows: 1 });
  const gz = zlib.gzipSync(JSON.stringify(makeBatch('alpha', [NOW - 10, NOW], withContainers)));
  const res = await t.ingest(gz, { 'content-encoding': 'gzip' });
  assert.equal(res.status, 200);
  assert.deepEqual(await json(res), { ok: true, duplicate: false, hostRows: 2, containerRows: 4, seriesRows: 2 });
  assert.deepEqual(
    t.db.$client
      .prepare("SELECT ts, cpu_pct, mem_bytes, pids FROM container_metrics WHERE container = 'web' ORDER BY ts")
      .raw()
      .all(),
    [
      [NOW - 20, (NOW - 20) % 100, 5e7, null],
      [NOW - 10, (NOW - 10) % 100, 5e7, null],
      [NOW, NOW % 100, 5e7, null],
    ],
  );
  assert.equal(count(t, 'batches'), 2);
  // Content-Encoding is case-insensitive; anything but gzip/identity is 415.
  assert.equal(
    (await t.ingest(zlib.gzipSync(JSON.stringify(makeBatch('alpha', [NOW + 10]))), { 'content-encoding': 'GZIP' }))
      .status,
    200,
  );
  const br = await t.ingest(zlib.brotliCompressSync(JSON.stringify(makeBatch('alpha', [NOW + 20]))), {
    'content-encoding': 'br',
  });
  assert.equal(br.status, 415);
  // x-gzip is gzip, identity adds no coding, and an empty header is none (RFC 9110 §8.4).
  const codings: [string, boolean][] = [
    ['x-gzip', true],
    ['identity, gzip', true],
    ['gzip, identity', true],
    ['', false],
    ['identity', false],
  ];
  for (const [i, [coding, gzip]] of codings.entries()) {
    const text = JSON.stringify(makeBatch('alpha', [NOW + 30 + i]));
    const r = await t.ingest(gzip ? zlib.gzipSync(text) : text, { 'content-encoding': coding });
    assert.equal(r.status, 200, `Content-Encoding "${coding}"`);
  }
  assert.equal(
    (await t.ingest(zlib.gzipSync(zlib.gzipSync('{}')), { 'content-encoding': 'gzip, gzip' })).status,
    415,
    'two layers are not what an agent sends',
  );
  const badGz = await t.ingest(Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' });
  assert.equal(badGz.status, 400);
  assert.match((await json(badGz)).error!, /gzip/);
});

test('malformed JSON is 400 and says so', async () => {
  const t = testApp({}, NOW);
  for (const body of ['', '{', '{"v":1,}', "{'v':1}", 'null garbage', '\u0000']) {
    const res = await t.ingest(body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.match((await json(res)).error!, /^body: not valid JSON/);
  }
  assert.deepEqual(written(t), NOTHING);
});

test('schema violations are 400 naming the field path', async () => {
  const t = testApp({}, NOW);
  const base = () => makeBatch('alpha', [NOW - 10, NOW], withContainers) as unknown as Record<string, any>;
  const cases: [string, (b: Record<string, any>) => unknown, RegExp][] = [
    ['wrong protocol version', (b) => ({ ...b, v: 3 }), /^v: protocol version 3 /],
    ['v2 with v1 snapshots (no columns)', (b) => ({ ...b, v: 2 }), /^\(body\): no samples/],
    ['no batch id', (b) => ({ ...b, batch_id: undefined }), /^batch_id: /],
    ['batch id with a slash', (b) => ({ ...b, batch_id: 'abc/defgh' }), /^batch_id: letters, digits/],
    ['no snapshots', (b) => ({ ...b, snapshots: [] }), /^snapshots: /],
    ['not an object', () => [1, 2, 3], /^\(body\): /],
    [
      'a string where a number goes',
      (b) => ((b.snapshots[1].containers[1].metrics.cpu_pct = '3'), b),
      /^snapshots\.1\.containers\.1\.metrics\.cpu_pct: /,
    ],
    ['a bad metric name', (b) => ((b.snapshots[0].host['cpu pct'] = 1), b), /^snapshots\.0\.host\.cpu pct: /],
    ['a float timestamp', (b) => ((b.snapshots[0].ts = NOW + 0.5), b), /^snapshots\.0\.ts: /],
    [
      'milliseconds before 2000? no: seconds before 2000',
      (b) => ((b.snapshots[0].ts = 900_000_000), b),
      /^snapshots\.0\.ts: timestamp before 2000/,
    ],
    [
      'a container without a name',
      (b) => (delete b.snapshots[0].containers[0].name, b),
      /^snapshots\.0\.containers\.0\.name: /,
    ],
    [
      'a label value that is a number',
      (b) => ((b.snapshots[0].series[0].labels.iface = 0), b),
      /^snapshots\.0\.series\.0\.labels\.iface: /,
    ],
    ['no agent host', (b) => ((b.agent.host = ''), b), /^agent\.host: /],
    ['a host named ..', (b) => ((b.agent.host = '..'), b), /^agent\.host: not a host name \(letters, digits/],
    ['a host named .', (b) => ((b.agent.host = '.'), b), /^agent\.host: not a host name /],
    ['a host name with a space', (b) => ((b.agent.host = 'web 1'), b), /^agent\.host: not a host name /],
  ];
  for (const [what, change, path] of cases) {
    const res = await t.ingest(change(base()));
    assert.equal(res.status, 400, what);
    assert.match((await json(res)).error!, path, what);
  }
  assert.deepEqual(written(t), NOTHING);
  assert.equal((await counters(t)).ingest_rejected_invalid, cases.length);
});

test('a "__proto__" key (however spelled) or half a surrogate pair in a name is 400 naming where', async () => {
  const t = testApp({}, NOW);
  const text = JSON.stringify(makeBatch('alpha', [NOW], withContainers));
  const cases: [string, string, RegExp][] = [
    [
      'a host metric',
      text.replace('"host":{', '"host":{"__proto__":5,'),
      /^snapshots\.0\.host\.__proto__: "__proto__" is not a name Berth takes/,
    ],
    [
      'a label key, spelled with an escape',
      text.replace('"labels":{', '"labels":{"\\u005f_proto__":"one",'),
      /^snapshots\.0\.series\.0\.labels\.__proto__: /,
    ],
    // Half a surrogate pair would be stored as bytes that are not UTF-8 and read back as U+FFFD.
    [
      'a container name with half a surrogate pair',
      text.replace('"name":"web"', '"name":"web\\ud800"'),
      /^snapshots\.0\.containers\.0\.name: holds half a UTF-16 surrogate pair/,
    ],
  ];
  for (const [what, body, message] of cases) {
    assert.ok(body !== text, `${what}: the case changed the body`);
    const res = await t.ingest(body);
    assert.equal(res.status, 400, what);
    assert.match((await json(res)).error!, message, what);
  }
  assert.deepEqual(written(t), NOTHING);
  // A name that only holds the word is fine, and so is a whole pair (an emoji) spelled as escapes.
  assert.equal((await t.ingest(text.replace('"host":{', '"host":{"my__proto__x":5,'))).status, 200);
  assert.equal(
    (
      await t.ingest(
        text
          .replace('"name":"web"', '"name":"web\\ud83d\\udc33"')
          .replace(/"batch_id":"[^"]+"/, '"batch_id":"whole-pair-1"'),
      )
    ).status,
    200,
  );
});

test('NaN and Infinity are refused: the literal NaN is not JSON, 1e999 parses to Infinity and fails validation', async () => {
  const t = testApp({}, NOW);
  const text = JSON.stringify(makeBatch('alpha', [NOW], withContainers));
  const nan = await t.ingest(text.replace('"cpu_pct":12.5', '"cpu_pct":NaN'));
  assert.equal(nan.status, 400);
  assert.match((await json(nan)).error!, /not valid JSON/);
  for (const [literal, where] of [
    ['1e999', 'snapshots.0.host.cpu_pct'],
    ['-1e999', 'snapshots.0.host.cpu_pct'],
  ]) {
    const res = await t.ingest(text.replace('"cpu_pct":12.5', `"cpu_pct":${literal}`));
    assert.equal(res.status, 400, literal);
    assert.match((await json(res)).error!, new RegExp(`^${where.replaceAll('.', '\\.')}: `), literal);
  }
  const inSeries = await t.ingest(text.replace('"value":1234', '"value":1e400'));
  assert.equal(inSeries.status, 400);
  assert.match((await json(inSeries)).error!, /^snapshots\.0\.series\.0\.value: /);
  const inContainer = await t.ingest(text.replace('"pids":12', '"pids":Infinity'));
  assert.equal(inContainer.status, 400);
  assert.deepEqual(written(t), NOTHING);
});

test('a snapshot more than a day ahead of the server clock is refused with its index; exactly a day ahead is fine', async () => {
  const t = testApp({}, NOW);
  const res = await t.ingest(makeBatch('alpha', [NOW, NOW + 86400 + 1]));
  assert.equal(res.status, 400);
  assert.match((await json(res)).error!, /^snapshots\.1\.ts: more than a day in the future/);
  assert.deepEqual(written(t), NOTHING);
  assert.equal((await t.ingest(makeBatch('alpha', [NOW + 86400]))).status, 200);
  assert.equal((await counters(t)).ingest_rejected_future, 1);
});

test('bodies beyond the limit are 413, plain or as a gzip bomb beyond the inflated limit', async () => {
  const t = testApp({ bodyLimit: 64 * 1024, inflatedLimit: 1024 * 1024 }, NOW);
  const big = JSON.stringify(makeBatch('alpha', [NOW])).replace(
    '"version":"test"',
    `"version":"test","pad":"${'x'.repeat(70 * 1024)}"`,
  );
  const plain = await t.ingest(big);
  assert.equal(plain.status, 413);
  assert.match((await json(plain)).error!, /larger than 65536 bytes/);
  // Without a Content-Length the limit still holds (the body is counted as it streams).
  const chunked = await t.app.request('/api/v1/ingest', {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}` },
    body: new ReadableStream({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode('x'.repeat(8192)));
        c.close();
      },
    }),
    duplex: 'half',
  } as RequestInit);
  assert.equal(chunked.status, 413);
  // A Content-Length that understates the body does not get it past the limit either.
  const understated = await t.app.request('/api/v1/ingest', {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-length': '10' },
    body: big,
  });
  assert.equal(understated.status, 413);
  // 64 MB of spaces gzip to ~64 KB: under the wire limit, far over the inflated one.
  const bomb = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x20), { level: 9 });
  assert.ok(bomb.length < 64 * 1024);
  const res = await t.ingest(bomb, { 'content-encoding': 'gzip' });
  assert.equal(res.status, 413);
  assert.match((await json(res)).error!, /after gunzip/);
  // Just under both limits is fine.
  const ok = zlib.gzipSync(
    JSON.stringify(
      makeBatch('alpha', [NOW], (ts) => ({
        series: Array.from({ length: 3000 }, (_, i) => ({ name: 'x', labels: { i: String(i) }, value: ts })),
      })),
    ),
  );
  assert.ok(ok.length < 64 * 1024);
  assert.equal((await t.ingest(ok, { 'content-encoding': 'gzip' })).status, 200);
  assert.equal(count(t, 'series'), 3000);
  assert.equal((await counters(t)).ingest_rejected_too_large, 4);
});

test('a resent batch id is absorbed: 200 with duplicate:true and no second copy', async () => {
  const t = testApp({}, NOW);
  const b = makeBatch('alpha', [NOW - 10, NOW], withContainers);
  assert.equal((await json(await t.ingest(b))).duplicate, false);
  const before = written(t);
  const again = await t.ingest(b);
  assert.equal(again.status, 200);
  assert.deepEqual(await json(again), { ok: true, duplicate: true, hostRows: 0, containerRows: 0, seriesRows: 0 });
  assert.deepEqual(written(t), before);
  assert.equal((await counters(t)).ingest_duplicate_batches, 1);
});

test('the same (entity, ts) in another batch is absorbed: the first value stays, nothing doubles', async () => {
  const t = testApp({}, NOW);
  await t.ingest(makeBatch('alpha', [NOW - 10, NOW], withContainers));
  const before = written(t);
  // A replay of the same samples under a new batch id, plus one new timestamp.
  const res = await t.ingest(
    makeBatch('alpha', [NOW - 10, NOW, NOW + 10], (ts) => ({ ...withContainers(ts), host: { cpu_pct: 99 } })),
  );
  assert.equal(res.status, 200);
  assert.deepEqual(await json(res), { ok: true, duplicate: false, hostRows: 1, containerRows: 2, seriesRows: 1 });
  assert.equal(count(t, 'host_samples'), before.host_samples + 1);
  assert.equal(count(t, 'container_samples'), before.container_samples + 2);
  assert.deepEqual(
    t.db.$client.prepare('SELECT cpu_pct FROM host_metrics ORDER BY ts').pluck().all(),
    [12.5, 12.5, 99],
  );
});

test('metrics outside the catalogue are stored as series, not dropped', async () => {
  const t = testApp({}, NOW);
  const res = await t.ingest(
    makeBatch('alpha', [NOW - 10, NOW], (ts) => ({
      host: { cpu_pct: 1, tcp_established: 42, 'nginx.requests': ts % 7 },
      containers: [{ id: 'c1', name: 'web', metrics: { cpu_pct: 2, gpu_pct: 55 } }],
    })),
  );
  assert.deepEqual(await json(res), { ok: true, duplicate: false, hostRows: 2, containerRows: 2, seriesRows: 6 });
  assert.deepEqual(
    t.db.$client.prepare('SELECT series, labels, ts, value FROM series_metrics ORDER BY series, ts').raw().all(),
    [
      ['gpu_pct', '{"container":"web"}', NOW - 10, 55],
      ['gpu_pct', '{"container":"web"}', NOW, 55],
      ['nginx.requests', '{}', NOW - 10, (NOW - 10) % 7],
      ['nginx.requests', '{}', NOW, NOW % 7],
      ['tcp_established', '{}', NOW - 10, 42],
      ['tcp_established', '{}', NOW, 42],
    ],
  );
  const q = await json(
    await t.get(`/api/v1/series?host=alpha&container=web&series=gpu_pct&from=${NOW - 60}&to=${NOW}`),
  );
  assert.deepEqual(
    (q.series as Record<string, (number | null)[]>)['gpu_pct{"container":"web"}'].filter((v) => v !== null),
    [55, 55],
  );
});

test('per-host tokens: bound to their host (403 elsewhere), dead once revoked (401)', async () => {
  const t = testApp({}, NOW);
  const { token } = addHostToken(t.db.$client, 'alpha', NOW);
  const auth = { authorization: `Bearer ${token}` };
  assert.equal((await t.ingest(makeBatch('alpha', [NOW]), auth)).status, 200);
  const other = await t.ingest(makeBatch('beta', [NOW]), auth);
  assert.equal(other.status, 403);
  assert.match((await json(other)).error!, /^agent\.host: this token belongs to host "alpha"/);
  assert.equal(count(t, 'hosts'), 1, 'beta was not created');
  assert.ok(revokeHostToken(t.db.$client, 'alpha', NOW));
  const revoked = await t.ingest(makeBatch('alpha', [NOW + 10]), auth);
  assert.equal(revoked.status, 401);
  assert.equal(count(t, 'host_samples'), 1);
  // The shared token still writes for any host.
  assert.equal((await t.ingest(makeBatch('beta', [NOW]))).status, 200);
  const c = await counters(t);
  assert.deepEqual([c.ingest_rejected_wrong_host, c.ingest_rejected_unauthorized], [1, 1]);
});

test('a host name already used by another machine-id is 409 and writes nothing, unless duplicates are allowed', async () => {
  const t = testApp({}, NOW);
  const as = (machine: string, ts: number) => ({
    ...makeBatch('alpha', [ts], withContainers),
    agent: { host: 'alpha', machine_id: machine, interval: 10 },
  });
  assert.equal((await t.ingest(as('machine-1', NOW))).status, 200);
  const before = written(t);
  const clash = await t.ingest(as('machine-2', NOW + 10));
  assert.equal(clash.status, 409);
  assert.match(
    (await json(clash)).error!,
    /^agent\.host: host name "alpha" already belongs to another machine.*--host NAME/,
  );
  assert.deepEqual(written(t), before, 'the refused batch left nothing (one transaction)');
  assert.equal((await counters(t)).ingest_rejected_host_conflict, 1);
  assert.equal((await t.ingest(as('machine-1', NOW + 10))).status, 200, 'the owner carries on');

  const lax = testApp({ allowDuplicateHostnames: true }, NOW);
  assert.equal((await lax.ingest(as('machine-1', NOW))).status, 200);
  assert.equal((await lax.ingest(as('machine-2', NOW + 10))).status, 200);
});

test('every refusal is counted by reason in /api/v1/status', async () => {
  const t = testApp({ bodyLimit: 4096 }, NOW);
  await t.ingest(makeBatch('alpha', [NOW]), { authorization: 'Bearer nope' });
  await t.ingest('{');
  await t.ingest({ v: 1 });
  await t.ingest(makeBatch('alpha', [NOW + 2 * 86400]));
  await t.ingest('x'.repeat(5000));
  await t.ingest('x', { 'content-encoding': 'zstd' });
  await t.ingest(makeBatch('alpha', [NOW]));
  const c = await counters(t);
  assert.deepEqual(c, {
    ingest_batches: 1,
    ingest_rejected_bad_encoding: 1,
    ingest_rejected_bad_json: 1,
    ingest_rejected_future: 1,
    ingest_rejected_invalid: 1,
    ingest_rejected_too_large: 1,
    ingest_rejected_unauthorized: 1,
  });
});

// Container events through ingest into SQLite: stored once whatever is resent or replayed,
// causes derived from the events before, readable in the view with readable times, and kept
// as long as the 1 h tier.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import type { ColumnBatch, ContainerEvent } from '../../protocol/batch.ts';
import type { EventsResponse } from '../../protocol/events.ts';
import { mergeColumnBatches } from '../../protocol/columns.ts';
import { testApp } from '../../test/support/server.ts';
import { enforceRetention } from '../rollup/retention.ts';

const NOW = 1_790_000_000;
let seq = 0;

/** A v2 batch of one host tick and these events. */
function batch(events: ContainerEvent[], host = 'alpha', id = `ev-${process.pid}-${seq++}`): ColumnBatch {
  return {
    v: 2,
    batch_id: id,
    agent: { host, interval: 10 },
    host: { ts: [NOW], metrics: { cpu_pct: [1] } },
    containers: [],
    series: [],
    events,
  };
}

const ID = 'a'.repeat(64);
const ev = (s: number, ns: number, type: string, extra: Partial<ContainerEvent> = {}): ContainerEvent => ({
  ts: NOW - 100 + s,
  ns,
  type,
  id: ID,
  name: 'web',
  image: 'nginx:1.27',
  ...extra,
});

async function ingestOk(
  t: ReturnType<typeof testApp>,
  b: unknown,
): Promise<{ eventRows?: number; duplicate: boolean }> {
  const res = await t.ingest(b);
  const body = (await res.json()) as { eventRows?: number; duplicate: boolean; error?: string };
  assert.equal(res.status, 200, body.error);
  return body;
}

const list = async (t: ReturnType<typeof testApp>, q = '') =>
  (await t.getOk<EventsResponse>(`/api/v1/events?host=alpha${q}`)).events;

test('a die gets its cause from the events before it: oom, kill (asked for) or exit (a crash)', async () => {
  const t = testApp({}, NOW);
  const other = (n: string) => ({ id: n.repeat(64), name: n });
  await ingestOk(
    t,
    batch([
      // OOM-killed: oom, then die 137.
      ev(0, 1, 'create'),
      ev(0, 2, 'start'),
      ev(1, 0, 'oom'),
      ev(1, 5, 'die', { exit_code: 137 }),
      // docker stop: kill 15, die, stop.
      ev(2, 0, 'create', other('b')),
      ev(2, 1, 'start', other('b')),
      ev(3, 0, 'kill', { ...other('b'), signal: 15 }),
      ev(4, 0, 'die', { ...other('b'), exit_code: 0 }),
      ev(4, 1, 'stop', other('b')),
      // A crash: die without anything before it since its start.
      ev(5, 0, 'create', other('c')),
      ev(5, 1, 'start', other('c')),
      ev(6, 0, 'die', { ...other('c'), exit_code: 1 }),
      // A kill long before (a HUP an hour ago) does not make a crash now asked for.
      ev(7, 0, 'create', other('d')),
      ev(7, 1, 'start', other('d')),
      ev(8, 0, 'kill', { ...other('d'), signal: 1 }),
      ev(8 + 3600, 0, 'die', { ...other('d'), exit_code: 2 }),
    ]),
  );
  const dies = (await list(t, '&type=die')).map((e) => [e.container, e.exit_code, e.cause]);
  assert.deepEqual(dies, [
    ['d', 2, 'exit'],
    ['c', 1, 'exit'],
    ['b', 0, 'kill'],
    ['web', 137, 'oom'],
  ]);
});

test('a restart loop: every start after a death is a restart; a new container under the name is not', async () => {
  const t = testApp({}, NOW);
  const loop: ContainerEvent[] = [ev(0, 0, 'create'), ev(0, 1, 'start')];
  for (let i = 1; i <= 4; i++) loop.push(ev(i, 0, 'die', { exit_code: 1 }), ev(i, 500_000_000, 'start'));
  // Sent over two batches, as ticks would: the deaths in the first are what the second's starts follow.
  await ingestOk(t, batch(loop.slice(0, 5)));
  await ingestOk(t, batch(loop.slice(5)));
  const B = 'b'.repeat(64);
  await ingestOk(
    t,
    batch([
      ev(10, 0, 'kill', { signal: 9 }),
      ev(10, 1, 'die', { exit_code: 137 }),
      ev(10, 2, 'destroy'),
      ev(11, 0, 'create', { id: B, image: 'nginx:1.28' }),
      ev(11, 0, 'deploy', { id: B, image: 'nginx:1.28', attrs: { previous_image: 'nginx:1.27' } }),
      ev(11, 1, 'start', { id: B, image: 'nginx:1.28' }),
    ]),
  );
  const starts = (await list(t, '&type=start')).map((e) => e.cause);
  assert.deepEqual(starts, [null, 'restart', 'restart', 'restart', 'restart', null]);
  const [deploy] = await list(t, '&type=deploy');
  assert.equal(deploy.image, 'nginx:1.28');
  assert.deepEqual(deploy.attrs, { previous_image: 'nginx:1.27' });
  const summary = await t.getOk<{ containers: Record<string, unknown> }>(
    `/api/v1/events/summary?host=alpha&from=${NOW - 200}&to=${NOW}`,
  );
  assert.deepEqual(summary.containers.web, {
    restarts: 4,
    ooms: 0,
    last_exit: { ts: NOW - 90, exit_code: 137, cause: 'kill' },
    health: null,
  });
});

test('stored once: a resent batch, the same events in another batch, a catch-up batch, a v1 batch', async () => {
  const t = testApp({}, NOW);
  const events = [ev(0, 1, 'create'), ev(0, 2, 'start'), ev(1, 3, 'die', { exit_code: 3 })];
  const first = batch(events);
  assert.equal((await ingestOk(t, first)).eventRows, 3);
  assert.equal((await ingestOk(t, first)).duplicate, true, 'the same batch id: absorbed');
  assert.equal((await ingestOk(t, batch(events))).eventRows, 0, 'an agent that asked the engine again');
  const more = batch([ev(2, 0, 'start')]);
  const merged = mergeColumnBatches([batch(events), more], `m2-${seq++}-catchup`);
  assert.equal((await ingestOk(t, merged)).eventRows, 1, 'a catch-up batch adds only what is new');
  const v1 = {
    v: 1,
    batch_id: `v1-${seq++}-xxxxxx`,
    agent: { host: 'alpha', interval: 10 },
    snapshots: [{ ts: NOW, host: { cpu_pct: 1 }, events: [ev(1, 3, 'die', { exit_code: 3 }), ev(3, 0, 'oom')] }],
  };
  assert.equal((await ingestOk(t, v1)).eventRows, 1);
  const res = await t.ingest(zlib.gzipSync(JSON.stringify(batch(events))), { 'content-encoding': 'gzip' });
  assert.equal(((await res.json()) as { eventRows: number }).eventRows, 0, 'gzip, as agents send it');
  assert.equal((await list(t)).length, 5);
  assert.equal(
    t.db.$client.prepare('SELECT count(*) FROM events').pluck().get(),
    5,
    'five rows: create, start, die, start, oom',
  );
});

test('sub-second order and exact times; the view shows them readably for the sqlite3 CLI', async () => {
  const t = testApp({}, NOW);
  await ingestOk(
    t,
    batch([
      ev(0, 999_999_999, 'oom'),
      ev(0, 5, 'start'),
      ev(0, 123_456_789, 'die', { exit_code: 137, compose_project: 'shop', compose_service: 'web' }),
    ]),
  );
  const got = await list(t);
  assert.deepEqual(
    got.map((e) => [e.type, e.ts, e.time]),
    [
      ['oom', NOW - 100 + 0.999999, '2026-09-21T14:11:40.999Z'],
      ['die', NOW - 100 + 0.123456, '2026-09-21T14:11:40.123Z'],
      ['start', NOW - 100, '2026-09-21T14:11:40.000Z'],
    ],
  );
  const view = t.db.$client
    .prepare(
      "SELECT host, container, type, time, ts, exit_code, cause, compose_project FROM container_events WHERE type = 'die'",
    )
    .get();
  assert.deepEqual(view, {
    host: 'alpha',
    container: 'web',
    type: 'die',
    time: '2026-09-21T14:11:40.123Z',
    ts: NOW - 100 + 0.123456789,
    exit_code: 137,
    cause: 'exit',
    compose_project: 'shop',
  });
});

test('an event more than a day ahead of the server is refused naming it; the batch is not stored', async () => {
  const t = testApp({}, NOW);
  const res = await t.ingest(batch([ev(0, 0, 'start'), { ...ev(0, 0, 'die'), ts: NOW + 2 * 86400 }]));
  assert.equal(res.status, 400);
  assert.match(((await res.json()) as { error: string }).error, /^events\.1\.ts: more than a day in the future/);
});

test('events are kept as long as the 1 h tier, then deleted by retention', async () => {
  const t = testApp({ retention: { raw: 3600, '1m': 7200, '5m': 10_800, '1h': 86_400 } }, NOW);
  await ingestOk(t, batch([{ ...ev(0, 0, 'die'), ts: NOW - 90_000 }, ev(0, 0, 'oom')]));
  const report = await enforceRetention(t.db.$client, t.config.retention, NOW);
  assert.ok(report.deleted >= 1);
  assert.deepEqual(
    (await list(t)).map((e) => e.type),
    ['oom'],
  );
});

test('an agent without events: its v1 and v2 batches are stored and answered as before', async () => {
  const t = testApp({}, NOW);
  const v2: Partial<ColumnBatch> = batch([]);
  delete v2.events;
  const v1 = {
    v: 1,
    batch_id: `v1-${seq++}-old-agent`,
    agent: { host: 'alpha', interval: 10 },
    snapshots: [{ ts: NOW - 10, host: { cpu_pct: 2 } }],
  };
  for (const b of [v2, v1]) {
    const body = await ingestOk(t, b);
    assert.equal(body.duplicate, false);
    assert.equal('eventRows' in body, false, 'the answer an older agent knows');
  }
  assert.equal(t.db.$client.prepare('SELECT count(*) FROM host_samples').pluck().get(), 2, 'both ticks stored');
  assert.equal(t.db.$client.prepare('SELECT count(*) FROM events').pluck().get(), 0);
  assert.deepEqual(await list(t), []);
});

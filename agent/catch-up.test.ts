// What the agent sends for a backlog: the oldest spooled batches of one agent as one v2 batch
// the server's schema takes, within the limits, with an id the same members always give.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { CATCH_UP_MAX_BYTES, CATCH_UP_MAX_ROWS, mergeSpooled, mergedId, type Spooled } from './catch-up.ts';
import { MAX_EVENTS, MAX_TICKS } from '../protocol/constants.ts';
import { columnBatch } from '../protocol/batch.ts';
import { snapshotsToColumns } from '../protocol/columns.ts';
import type { ColumnBatch, Snapshot } from '../protocol/batch.ts';

const T0 = 1_790_000_000;
const agent = { host: 'alpha', interval: 10, version: '1.0.0' };
let n = 0;

function spooled(ticks: number[], containers = 2, who: ColumnBatch['agent'] = agent, events = 0): Spooled {
  const snaps: Snapshot[] = ticks.map((ts) => ({
    ts,
    host: { cpu_pct: ts % 100 },
    containers: Array.from({ length: containers }, (_, i) => ({
      id: `id-${i}`,
      name: `c${i}`,
      metrics: { cpu_pct: i },
    })),
    series: [],
  }));
  if (events)
    snaps[0].events = Array.from({ length: events }, (_, k) => ({
      ts: ticks[0],
      ns: k,
      type: 'die',
      id: 'i',
      name: 'c0',
    }));
  const batch: ColumnBatch = { v: 2, batch_id: `batch-${n++}-xxxx`, agent: who, ...snapshotsToColumns(snaps) };
  return { batchId: batch.batch_id, body: zlib.gzipSync(JSON.stringify(batch)) };
}

const decode = (body: Buffer) => JSON.parse(zlib.gunzipSync(body).toString()) as ColumnBatch;

test('a backlog of one agent goes out as one batch the server takes, every tick in order', () => {
  const list = Array.from({ length: 30 }, (_, i) => spooled([T0 + i * 10]));
  const m = mergeSpooled(list)!;
  assert.equal(m.count, 30);
  const b = decode(m.body);
  const parsed = columnBatch.safeParse(b);
  assert.ok(parsed.success, parsed.success ? '' : parsed.error.message);
  assert.equal(b.batch_id, m.batchId);
  assert.deepEqual(
    b.host!.ts,
    list.map((_, i) => T0 + i * 10),
  );
  assert.deepEqual(
    b.containers.map((c) => [c.name, c.ts.length]),
    [
      ['c0', 30],
      ['c1', 30],
    ],
  );
  assert.equal(mergeSpooled(list)!.batchId, m.batchId, 'the same members, the same id: a resend is absorbed');
  assert.notEqual(mergeSpooled(list.slice(1))!.batchId, m.batchId);
  assert.match(m.batchId, /^[A-Za-z0-9_-]{8,64}$/);
});

test('a run stops at a batch from another configuration, an older agent or a damaged file', () => {
  const a = [spooled([T0]), spooled([T0 + 10])];
  assert.equal(mergeSpooled([...a, spooled([T0 + 20], 2, { ...agent, interval: 5 }), spooled([T0 + 30])])!.count, 2);
  const v1 = {
    batchId: 'old-v1-batch',
    body: zlib.gzipSync(JSON.stringify({ v: 1, batch_id: 'old-v1-batch', agent, snapshots: [] })),
  };
  assert.equal(mergeSpooled([...a, v1, spooled([T0 + 30])])!.count, 2);
  const damaged = { batchId: 'damaged-file', body: Buffer.from('not gzip') };
  assert.equal(mergeSpooled([...a, damaged])!.count, 2);
  // A v2 file of another shape (a container without times, labels that are not an object):
  // the run stops before it, and the server is left to say what is wrong with it alone.
  const gz = (x: unknown) => ({ batchId: 'odd-v2-batch', body: zlib.gzipSync(JSON.stringify(x)) });
  assert.equal(
    mergeSpooled([
      ...a,
      gz({ v: 2, batch_id: 'odd-v2-batch', agent, containers: [{ name: 'x', id: 'y', metrics: {} }], series: [] }),
    ])!.count,
    2,
  );
  assert.equal(
    mergeSpooled([
      ...a,
      gz({
        v: 2,
        batch_id: 'odd-v2-batch',
        agent,
        containers: [],
        series: [{ name: 's', labels: 'x', ts: [T0], values: [1] }],
      }),
    ])!.count,
    2,
  );
  assert.equal(
    mergeSpooled([...a, gz({ v: 2, batch_id: 'odd-v2-batch', agent, host: { ts: [T0], metrics: { cpu_pct: [] } } })])!
      .count,
    2,
  );
  // null is not left out: the server refuses it, so the merge does not mend it.
  assert.equal(
    mergeSpooled([...a, gz({ v: 2, batch_id: 'odd-v2-batch', agent, containers: null, series: [] })])!.count,
    2,
  );
  assert.equal(
    mergeSpooled([
      ...a,
      gz({ v: 2, batch_id: 'odd-v2-batch', agent, series: [{ name: 's', labels: null, ts: [T0], values: [1] }] }),
    ])!.count,
    2,
  );
  // What the schema fills in (no lists, no labels) is read as the server reads it.
  const sparse = gz({ v: 2, batch_id: 'sparse-v2-batch', agent, series: [{ name: 's', ts: [T0 + 20], values: [1] }] });
  const m = mergeSpooled([...a, sparse])!;
  assert.equal(m.count, 3);
  assert.deepEqual(decode(m.body).series, [{ name: 's', labels: {}, ts: [T0 + 20], values: [1] }]);
  assert.ok(columnBatch.safeParse(decode(m.body)).success);
  // Nothing to merge: the first goes out alone, as it is.
  assert.equal(mergeSpooled([damaged, ...a]), undefined);
  assert.equal(mergeSpooled([a[0]]), undefined);
});

test('a run holds at most CATCH_UP_MAX_ROWS rows: a big host merges fewer ticks', () => {
  // 1 host row + 499 container rows a tick: 500 rows a batch.
  const list = Array.from({ length: 100 }, (_, i) => spooled([T0 + i * 10], 499));
  const m = mergeSpooled(list)!;
  assert.equal(m.count, CATCH_UP_MAX_ROWS / 500);
  assert.equal(mergeSpooled(list.slice(m.count))!.count, CATCH_UP_MAX_ROWS / 500, 'the rest in the next');
});

test('a run holds at most MAX_TICKS ticks: a host-only agent at --interval 1 --flush 60', () => {
  const list = Array.from({ length: 300 }, (_, i) =>
    spooled(
      Array.from({ length: 60 }, (_, k) => T0 + i * 60 + k),
      0,
    ),
  );
  const m = mergeSpooled(list)!;
  assert.equal(m.count, Math.floor(MAX_TICKS / 60));
  const parsed = columnBatch.safeParse(decode(m.body));
  assert.ok(parsed.success, 'the server takes it');
});

test('a run holds at most MAX_EVENTS events, and keeps them in order', () => {
  const per = MAX_EVENTS / 4;
  const list = Array.from({ length: 10 }, (_, i) => spooled([T0 + i * 10], 1, agent, per));
  const m = mergeSpooled(list)!;
  assert.equal(m.count, 4);
  const b = decode(m.body);
  assert.equal(b.events!.length, MAX_EVENTS);
  assert.deepEqual([...new Set(b.events!.map((e) => e.ts))], [T0, T0 + 10, T0 + 20, T0 + 30]);
  assert.ok(columnBatch.safeParse(b).success, 'the server takes it');
});

test('merged ids differ with the members and their order', () => {
  assert.notEqual(mergedId(['a', 'b']), mergedId(['b', 'a']));
  assert.notEqual(mergedId(['ab']), mergedId(['a', 'b']));
});

test('a run holds at most 360 batches and 2 MB of members (less after a 413)', () => {
  // Labels of random text barely compress: ~50 KB of gzip a batch, two rows.
  const heavy = (i: number): Spooled => {
    const labels = () =>
      Object.fromEntries(Array.from({ length: 32 }, (_, k) => [`l${k}`, crypto.randomBytes(768).toString('base64')]));
    const containers = [0, 1].map((k) => ({
      id: `id-${i}-${k}`,
      name: `c${i}-${k}`,
      labels: labels(),
      ts: [T0 + i],
      metrics: { cpu_pct: [1] },
    }));
    const batch: ColumnBatch = { v: 2, batch_id: `heavy-batch-${i}`, agent, containers, series: [] };
    return { batchId: batch.batch_id, body: zlib.gzipSync(JSON.stringify(batch)) };
  };
  const heavies = Array.from({ length: 60 }, (_, i) => heavy(i));
  /** How many of the first bodies fit in `bytes`. */
  const fit = (list: Spooled[], bytes: number) => {
    let n = 0;
    for (let sum = 0; n < list.length && (sum += list[n].body.length) <= bytes; n++);
    return n;
  };
  const rows: [name: string, list: Spooled[], maxBytes: number | undefined, count: number][] = [
    ['400 small batches', Array.from({ length: 400 }, (_, i) => spooled([T0 + i * 10], 0)), undefined, 360],
    ['~50 KB a batch', heavies, undefined, fit(heavies, CATCH_UP_MAX_BYTES)],
    ['~50 KB a batch, after a 413 lowered the bytes', heavies, 200_000, fit(heavies, 200_000)],
  ];
  for (const [name, list, maxBytes, count] of rows) assert.equal(mergeSpooled(list, maxBytes)?.count, count, name);
  assert.ok(fit(heavies, CATCH_UP_MAX_BYTES) < heavies.length, 'the bytes bind there, not the count');
});

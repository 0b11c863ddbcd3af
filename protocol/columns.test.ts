// Batches merged (as the agent's catch-up sends a backlog) are the batch their ticks would
// have made in one: for random snapshots cut into runs at random, merging the runs' columns
// gives exactly the columns of all the snapshots at once, identity fields included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchRows, firstTimeAfter, mergeColumnBatches, snapshotsToColumns, timeSpan } from './columns.ts';
import { COLUMNS_VERSION, type ColumnBatch, type Snapshot } from './batch.ts';
import { rng } from '../test/support/random.ts';

const T0 = 1_790_000_000;
const agent = { host: 'alpha', interval: 10 };

function randomSnapshots(r: () => number, n: number): Snapshot[] {
  const out: Snapshot[] = [];
  for (let i = 0; i < n; i++) {
    const ts = T0 + i * 10;
    const host: Record<string, number> = {};
    if (r() < 0.8) host.cpu_pct = r() * 100;
    if (r() < 0.3) host.load1 = r() * 4; // a metric only some ticks have
    const containers = ['web', 'db', 'cache']
      .filter(() => r() < 0.8)
      .map((name) => {
        const metrics: Record<string, number> = {};
        if (r() < 0.9) metrics.cpu_pct = r() * 200;
        if (r() < 0.3) metrics[`only_${name}`] = i;
        return {
          id: `${name}-${i > n / 2 && name === 'web' ? 'new' : 'old'}`,
          name,
          // Identity that changes while the id stays: the newest wins, one left out is gone.
          state: r() < 0.8 ? 'running' : 'restarting',
          ...(r() < 0.5 ? { image: `${name}:${i % 3}` } : {}),
          ...(r() < 0.3 ? { labels: { tick: String(i) } } : {}),
          metrics,
        };
      });
    const series = [];
    if (r() < 0.7) series.push({ name: 'net_rx_bps', labels: { iface: r() < 0.5 ? 'eth0' : 'eth1' }, value: r() });
    if (r() < 0.3) series.push({ name: 'blk', labels: {}, container: 'db', value: i });
    const snap: Snapshot = { ts, host, containers, series };
    // Events between ticks, in the order the engine sent them: the merge keeps that order.
    if (r() < 0.3)
      snap.events = Array.from({ length: 1 + Math.floor(r() * 2) }, (_, k) => ({
        ts: ts - 5,
        ns: k,
        type: r() < 0.5 ? 'die' : 'start',
        id: 'web-old',
        name: 'web',
        ...(r() < 0.5 ? { exit_code: i } : {}),
      }));
    out.push(snap);
  }
  return out;
}

for (const seed of [1, 2, 3, 4]) {
  test(`seed ${seed}: runs of batches merged are the one batch of all their ticks`, () => {
    const r = rng(seed);
    const snaps = randomSnapshots(r, 60);
    const parts: ColumnBatch[] = [];
    for (let i = 0; i < snaps.length;) {
      const n = 1 + Math.floor(r() * 7);
      parts.push({ v: COLUMNS_VERSION, batch_id: `part-${i}-xx`, agent, ...snapshotsToColumns(snaps.slice(i, i + n)) });
      i += n;
    }
    const before = JSON.stringify(parts);
    const merged = mergeColumnBatches(parts, 'merged-id');
    assert.equal(JSON.stringify(parts), before, 'the parts are left as they were');
    assert.deepEqual(merged, { v: COLUMNS_VERSION, batch_id: 'merged-id', agent, ...snapshotsToColumns(snaps) });
    assert.equal(
      batchRows(merged),
      parts.reduce((n, p) => n + batchRows(p), 0),
    );
  });
}

test('meta is merged, the newer part winning; a batch of one part is that part', () => {
  const a: ColumnBatch = {
    v: COLUMNS_VERSION,
    batch_id: 'a-aaaaaaaa',
    agent,
    containers: [],
    series: [{ name: 'x', labels: {}, ts: [T0], values: [1] }],
    meta: { x: { unit: 'B' }, y: { unit: 'ms' } },
  };
  const b: ColumnBatch = {
    v: COLUMNS_VERSION,
    batch_id: 'b-bbbbbbbb',
    agent,
    containers: [],
    series: [{ name: 'x', labels: {}, ts: [T0 + 10], values: [2] }],
    meta: { x: { unit: 'KiB' } },
  };
  const m = mergeColumnBatches([a, b], 'm-mmmmmmmm');
  assert.deepEqual(m.meta, { x: { unit: 'KiB' }, y: { unit: 'ms' } });
  assert.deepEqual(m.series, [{ name: 'x', labels: {}, ts: [T0, T0 + 10], values: [1, 2] }]);
  assert.equal(m.host, undefined);
  assert.deepEqual(mergeColumnBatches([a], a.batch_id), a);
});

test('metric names an object has (constructor, __proto__) are columns like any other', () => {
  // As a spool file read back: JSON.parse makes "__proto__" an own key.
  const a = JSON.parse(
    `{"v":2,"batch_id":"a-aaaaaaaa","agent":{"host":"h"},"host":{"ts":[${T0}],"metrics":{"cpu_pct":[1]}},"containers":[{"id":"i","name":"c","ts":[${T0}],"metrics":{"toString":[3]}}],"series":[]}`,
  ) as ColumnBatch;
  const b = JSON.parse(
    `{"v":2,"batch_id":"b-bbbbbbbb","agent":{"host":"h"},"host":{"ts":[${T0 + 10}],"metrics":{"constructor":[2],"__proto__":[5]}},"containers":[{"id":"i","name":"c","ts":[${T0 + 10}],"metrics":{"constructor":[4]}}],"series":[]}`,
  ) as ColumnBatch;
  const m = JSON.parse(JSON.stringify(mergeColumnBatches([a, b], 'm-mmmmmmmm'))) as ColumnBatch;
  assert.deepEqual(Object.keys(m.host!.metrics), ['cpu_pct', 'constructor', '__proto__']);
  assert.deepEqual(
    [m.host!.metrics.cpu_pct, m.host!.metrics.constructor],
    [
      [1, null],
      [null, 2],
    ],
  );
  assert.deepEqual(Object.entries(m.containers[0].metrics), [
    ['toString', [3, null]],
    ['constructor', [null, 4]],
  ]);
});

test('events: carried in order by snapshotsToColumns and the merge; absent when there are none', () => {
  const e = (ts: number, type: string) => ({ ts, ns: 1, type, id: 'i', name: 'web' });
  const snaps: Snapshot[] = [
    { ts: T0, host: { cpu_pct: 1 }, containers: [], series: [], events: [e(T0 - 3, 'oom'), e(T0 - 3, 'die')] },
    { ts: T0 + 10, host: { cpu_pct: 1 }, containers: [], series: [] },
    { ts: T0 + 20, host: {}, containers: [], series: [], events: [e(T0 + 15, 'start')] },
  ];
  const all = snapshotsToColumns(snaps);
  assert.deepEqual(
    all.events!.map((x) => x.type),
    ['oom', 'die', 'start'],
  );
  assert.equal('events' in snapshotsToColumns(snaps.slice(1, 2)), false, 'no events: no key (what older agents sent)');
  const parts = snaps.map((s, i) => ({
    v: COLUMNS_VERSION,
    batch_id: `p-${i}-xxxxx`,
    agent,
    ...snapshotsToColumns([s]),
  })) as ColumnBatch[];
  assert.deepEqual(mergeColumnBatches(parts, 'm-mmmmmmmm').events, all.events);
  assert.equal('events' in mergeColumnBatches(parts.slice(1, 2), 'm-mmmmmmmm'), false);
  assert.equal(firstTimeAfter({ containers: [], series: [], events: all.events }, T0 + 10), 'events.2.ts');
  assert.equal(firstTimeAfter({ containers: [], series: [], events: all.events }, T0 + 20), undefined);
});

test("top processes: each tick's rows with its time, merged in order, counted and spanned", () => {
  const p = (pid: number, cpu: number) => ({ pid, name: 'yes', command: 'yes', cpu_pct: cpu, mem_bytes: 4096 });
  const cols = snapshotsToColumns([
    { ts: T0, host: {}, containers: [], series: [], processes: [p(7, 99)] },
    { ts: T0 + 10, host: {}, containers: [], series: [] },
    { ts: T0 + 20, host: {}, containers: [], series: [], processes: [p(7, 98), p(8, 1)] },
  ]);
  assert.deepEqual(cols.processes, [
    { ts: T0, ...p(7, 99) },
    { ts: T0 + 20, ...p(7, 98) },
    { ts: T0 + 20, ...p(8, 1) },
  ]);
  assert.equal(cols.host, undefined, 'no host metric: no host columns');
  const a: ColumnBatch = { v: 2, batch_id: 'a-aaaaaaaa', agent: { host: 'h' }, ...cols };
  const b: ColumnBatch = {
    v: 2,
    batch_id: 'b-bbbbbbbb',
    agent: { host: 'h' },
    containers: [],
    series: [],
    processes: [{ ts: T0 + 30, ...p(9, 5) }],
  };
  const m = mergeColumnBatches([a, b], 'm-mmmmmmmm');
  assert.deepEqual(
    m.processes!.map((r) => [r.ts, r.pid]),
    [
      [T0, 7],
      [T0 + 20, 7],
      [T0 + 20, 8],
      [T0 + 30, 9],
    ],
  );
  assert.equal(batchRows(m), 4);
  assert.deepEqual(timeSpan(m), { min: T0, max: T0 + 30, ticks: 3 });
  assert.equal(firstTimeAfter(m, T0 + 20), 'processes.3.ts');
});

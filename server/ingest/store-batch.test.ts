// Both wire shapes store exactly what the snapshots hold: random batches (gaps, metrics
// missing at some ticks, metrics outside the catalogue, labelled series, a container
// recreated under its name within a batch, a few with more ticks than one insert statement
// takes) stored as v1 snapshots in one file and as v2 columns in another, and (as the writer
// thread stores them) accepted one by one and their rows stored in groups of random size in
// a third, and merged in runs of random length (as the agent's catch-up sends a backlog) in a
// fourth, each compared row for row with a naive reading of the snapshots.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openDb } from '../db/open.ts';
import { tempDir } from '../../test/support/temp.ts';
import { acceptBatch, storeBatch, storeSamples, type AcceptedBatch } from './store-batch.ts';
import { mergeColumnBatches, toColumnBatch } from '../../protocol/columns.ts';
import {
  batch as batchSchema,
  columnBatch as columnSchema,
  type Batch,
  type BatchInput,
} from '../../protocol/batch.ts';
import { rng } from '../../test/support/random.ts';
import { atStep } from '../../protocol/metrics.ts';
import { STORED } from '../db/sample-layout.ts';

const T0 = 1_790_000_000;

function randomBatches(r: () => number, n: number): Batch[] {
  const out: Batch[] = [];
  let ts = T0;
  for (let b = 0; b < n; b++) {
    const snapshots: BatchInput['snapshots'] = [];
    // Mostly a minute's ticks, as the agent flushes; now and then a long one (a spool written
    // while the server was away), more ticks than one insert statement takes.
    for (let i = 0, k = b % 8 === 5 ? 17 + b : 1 + Math.floor(r() * 6); i < k; i++) {
      ts += r() < 0.2 ? 30 : 10; // gaps now and then
      const host: Record<string, number> = {};
      if (r() < 0.9) host.cpu_pct = r() * 100;
      if (r() < 0.7) host.mem_used_bytes = Math.round(r() * 8e9);
      if (r() < 0.2) host.tcp_established = Math.round(r() * 100); // not a core metric: a series
      const containers = ['web', 'db', 'cache']
        .filter(() => r() < 0.8)
        .map((name) => {
          const metrics: Record<string, number> = {};
          if (r() < 0.9) metrics.cpu_pct = r() * 200;
          if (r() < 0.8) metrics.mem_bytes = Math.round(r() * 1e9);
          if (r() < 0.2) metrics.gpu_pct = r() * 100;
          // A recreation: a new Docker id under the same name, even within one batch.
          // The last batch's web is always the new one, so a recreation stays in the data.
          const recreated = ts > T0 + 300 && (r() < 0.5 || (b === n - 1 && name === 'web'));
          const id = `${name}-${recreated ? 'new' : 'old'}`.padEnd(12, 'x');
          return {
            id,
            name,
            image: `${name}:${id.slice(-8)}`,
            state: 'running',
            metrics,
            ...(r() < 0.3 ? { labels: { team: name } } : {}),
          };
        });
      const series: { name: string; labels: Record<string, string>; value: number; container?: string }[] = [];
      if (r() < 0.7)
        series.push({ name: 'net_rx_bps', labels: { iface: r() < 0.5 ? 'eth0' : 'eth1' }, value: r() * 1e6 });
      if (r() < 0.2) series.push({ name: 'blk_queue', labels: {}, value: 3, container: 'db' });
      snapshots.push({ ts, host, containers, series });
    }
    out.push(batchSchema.parse({ v: 1, batch_id: `eq-batch-${b}`, agent: { host: 'alpha', interval: 10 }, snapshots }));
  }
  return out;
}

const HOST_CORE = ['cpu_pct', 'mem_used_bytes'];
const CONTAINER_CORE = ['cpu_pct', 'mem_bytes'];
const canon = (l: Record<string, string>) =>
  JSON.stringify(
    Object.fromEntries(
      Object.keys(l)
        .sort()
        .map((k) => [k, l[k]]),
    ),
  );

/** A core value as it is kept: at its catalogue step (protocol/metrics.ts STORED_STEP). */
function stepped(kind: 'host' | 'container', name: string, v: number | undefined): number | null {
  return v === undefined ? null : atStep(v, STORED[kind].find((m) => m.metric === name)!.step);
}

/** What the tables must hold, worked out naively from the snapshots: first value per key wins. */
function expected(batches: Batch[]): Record<string, unknown[]> {
  const host = new Map<number, unknown[]>();
  const cont = new Map<string, unknown[]>();
  const ser = new Map<string, unknown[]>();
  const ident = new Map<string, { id: string; image: string | null; first: number; last: number }>();
  for (const b of batches) {
    for (const snap of b.snapshots) {
      const ts = snap.ts;
      if (HOST_CORE.some((n) => snap.host[n] !== undefined) && !host.has(ts))
        host.set(ts, [ts, ...HOST_CORE.map((n) => stepped('host', n, snap.host[n]))]);
      for (const n of Object.keys(snap.host)) {
        if (!HOST_CORE.includes(n) && !ser.has(`${n}|{}|${ts}`)) ser.set(`${n}|{}|${ts}`, [n, '{}', ts, snap.host[n]]);
      }
      for (const c of snap.containers) {
        const k = `${c.name}|${ts}`;
        if (!cont.has(k))
          cont.set(k, [c.name, ts, ...CONTAINER_CORE.map((n) => stepped('container', n, c.metrics[n]))]);
        const id = ident.get(c.name);
        if (!id) ident.set(c.name, { id: c.id, image: c.image ?? null, first: ts, last: ts });
        else {
          if (ts >= id.last) Object.assign(id, { id: c.id, image: c.image ?? null, last: ts });
          id.first = Math.min(id.first, ts);
        }
        for (const n of Object.keys(c.metrics)) {
          const l = canon({ container: c.name });
          if (!CONTAINER_CORE.includes(n) && !ser.has(`${n}|${l}|${ts}`))
            ser.set(`${n}|${l}|${ts}`, [n, l, ts, c.metrics[n]]);
        }
      }
      for (const x of snap.series) {
        const l = canon(x.container === undefined ? x.labels : { ...x.labels, container: x.container });
        if (!ser.has(`${x.name}|${l}|${ts}`)) ser.set(`${x.name}|${l}|${ts}`, [x.name, l, ts, x.value]);
      }
    }
  }
  const sorted = (m: Map<unknown, unknown[]>) =>
    [...m.values()].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  return {
    host: sorted(host),
    containers: sorted(cont),
    series: sorted(ser),
    identity: [...ident]
      .map(([name, v]) => [name, v.id, v.image, v.first, v.last])
      .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
  };
}

function dump(file: string): Record<string, unknown[]> {
  const sqlite = openDb(file).$client;
  const sorted = (rows: unknown[][]) => rows.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
  const out = {
    host: sorted(
      sqlite
        .prepare(`SELECT ts, ${HOST_CORE.join(', ')} FROM host_metrics`)
        .raw()
        .all() as unknown[][],
    ),
    containers: sorted(
      sqlite
        .prepare(`SELECT container, ts, ${CONTAINER_CORE.join(', ')} FROM container_metrics`)
        .raw()
        .all() as unknown[][],
    ),
    series: sorted(
      sqlite
        .prepare('SELECT r.name, r.labels, s.ts, s.value FROM series_samples s JOIN series r ON r.id = s.series_id')
        .raw()
        .all() as unknown[][],
    ),
    identity: sqlite
      .prepare('SELECT name, container_id, image, first_seen, last_seen FROM containers ORDER BY name')
      .raw()
      .all(),
  };
  sqlite.close();
  return out;
}

for (const seed of [1, 2, 3]) {
  test(`seed ${seed}: v1 snapshots, v2 columns and rows stored in groups all hold exactly the rows the snapshots hold`, () => {
    const r = rng(seed);
    const batches = randomBatches(r, 25);
    const dir = tempDir();
    const a = path.join(dir, 'v1.db');
    const b = path.join(dir, 'v2.db');
    const c = path.join(dir, 'grouped.db');
    const d = path.join(dir, 'merged.db');
    const dbA = openDb(a).$client;
    const dbB = openDb(b).$client;
    const dbC = openDb(c).$client;
    let group: AcceptedBatch[] = [];
    const expectCounts: unknown[] = [];
    const flush = () => {
      const counts = dbC.transaction(() => storeSamples(dbC, group))();
      assert.deepEqual(counts, expectCounts.splice(0), 'each batch of a group is told the rows it inserted');
      group = [];
    };
    for (const batch of batches) {
      const now = Math.max(...batch.snapshots.map((s) => s.ts)) + 5;
      const ra = storeBatch(dbA, batch, now);
      // Through JSON and the schema, as the server receives what the agent sends.
      const v2 = columnSchema.parse(JSON.parse(JSON.stringify(toColumnBatch(batch))));
      const rb = storeBatch(dbB, v2, now);
      assert.deepEqual(rb, ra);
      const accepted = dbC.transaction(() => acceptBatch(dbC, v2, now))();
      assert.equal(accepted.duplicate, false);
      if (!accepted.duplicate)
        group.push({ batch: v2, hostId: accepted.hostId, first: accepted.first, last: accepted.last });
      const { duplicate: _, ...counts } = ra;
      expectCounts.push(counts);
      if (r() < 0.3) flush();
    }
    flush();
    assert.equal(
      dbC.transaction(() => acceptBatch(dbC, toColumnBatch(batches[0]), T0))().duplicate,
      true,
      'an accepted batch id is a duplicate',
    );
    // Replaying every batch under new ids adds nothing.
    for (const batch of batches) {
      const r = storeBatch(dbB, { ...toColumnBatch(batch), batch_id: `${batch.batch_id}-again` }, T0 + 1e5);
      assert.equal(r.hostRows + r.containerRows + r.seriesRows, 0);
    }
    // The agent's catch-up: runs of consecutive batches as one, through JSON and the schema.
    const dbD = openDb(d).$client;
    for (let i = 0; i < batches.length;) {
      const n = 1 + Math.floor(r() * 8);
      const run = batches.slice(i, i + n);
      const merged = columnSchema.parse(
        JSON.parse(JSON.stringify(mergeColumnBatches(run.map(toColumnBatch), `merged-run-${i}`))),
      );
      const ticks = run.flatMap((b) => b.snapshots.filter((x) => Object.keys(x.host).length).map((x) => x.ts));
      assert.deepEqual(merged.host?.ts ?? [], ticks, "the host's ticks, in order, each once");
      assert.ok(merged.containers.length <= 6, 'a container (name and id) is one entry');
      storeBatch(dbD, merged, Math.max(...run.flatMap((b) => b.snapshots.map((x) => x.ts))) + 5);
      i += n;
    }
    dbA.close();
    dbB.close();
    dbC.close();
    dbD.close();
    const want = expected(batches);
    assert.ok(
      want.containers.length > 100 && want.series.some((s) => JSON.stringify(s).includes('gpu_pct')),
      'the generator covers the cases',
    );
    assert.ok(
      want.identity.some(
        (r) => String((r as unknown[])[1]).startsWith('web-new') || String((r as unknown[])[1]).startsWith('db-new'),
      ),
      'a recreation happened',
    );
    assert.deepEqual(dump(a), want);
    assert.deepEqual(dump(b), want);
    assert.deepEqual(dump(c), want);
    assert.deepEqual(dump(d), want);
  });
}

test("a series is first and last seen at its own times with a value, not the whole batch's", () => {
  const db = openDb(path.join(tempDir(), 'span.db')).$client;
  const b = columnSchema.parse({
    v: 2,
    batch_id: 'series-span-1',
    agent: { host: 'alpha' },
    host: { ts: [T0, T0 + 10, T0 + 20, T0 + 30], metrics: { cpu_pct: [1, 2, 3, 4], odd_extra: [null, null, 5, null] } },
    series: [
      { name: 'fs_used_pct', labels: { mount: '/data' }, ts: [T0 + 10, T0 + 20], values: [1, 2] },
      { name: 'fs_used_pct', labels: { mount: '/gone' }, ts: [T0, T0 + 10], values: [null, null] },
    ],
  });
  storeBatch(db, b, T0 + 40);
  assert.deepEqual(
    db.prepare('SELECT name, labels, first_seen, last_seen FROM series ORDER BY name, labels').raw().all(),
    [
      ['fs_used_pct', '{"mount":"/data"}', T0 + 10, T0 + 20],
      ['fs_used_pct', '{"mount":"/gone"}', T0, T0 + 10],
      ['odd_extra', '{}', T0 + 20, T0 + 20],
    ],
  );
  db.close();
});

test('a NUL in a container name or id cannot run two containers together', () => {
  const db = openDb(path.join(tempDir(), 'nul.db')).$client;
  const containers = [
    { id: 'b\u0000c', name: 'a', metrics: { cpu_pct: 1 } },
    { id: 'c', name: 'a\u0000b', metrics: { cpu_pct: 50 } },
  ];
  const v1 = batchSchema.parse({
    v: 1,
    batch_id: 'nul-names-v1',
    agent: { host: 'alpha' },
    snapshots: [{ ts: T0, host: {}, containers, series: [] }],
  });
  assert.equal(storeBatch(db, v1, T0).containerRows, 2);
  const v2 = columnSchema.parse(JSON.parse(JSON.stringify({ ...toColumnBatch(v1), batch_id: 'nul-names-v2' })));
  storeBatch(db, { ...v2, containers: v2.containers.map((c) => ({ ...c, ts: [T0 + 10] })) }, T0 + 10);
  assert.deepEqual(
    db
      .prepare(
        'SELECT c.name, c.container_id, s.ts, s.cpu_pct_x100 / 100.0 FROM container_samples s JOIN containers c ON c.id = s.container_id ORDER BY c.name, s.ts',
      )
      .raw()
      .all(),
    [
      ['a', 'b\u0000c', T0, 1],
      ['a', 'b\u0000c', T0 + 10, 1],
      ['a\u0000b', 'c', T0, 50],
      ['a\u0000b', 'c', T0 + 10, 50],
    ],
  );
  db.close();
});

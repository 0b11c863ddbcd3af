// GET /api/v1/hosts: newest values and running containers as of now, even after an agent
// whose clock ran ahead sent one snapshot stamped hours in the future (ingest takes up to a day).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type Database from 'better-sqlite3';
import { testApp, makeBatch } from '../../test/support/server.ts';
import { rng } from '../../test/support/random.ts';
import { statement } from '../db/statements.ts';
import { CONTAINER_METRIC_NAMES, HOST_METRIC_NAMES } from '../../protocol/metrics.ts';
import { rawValueColumns, reading } from '../db/sample-layout.ts';

const NOW = 1_790_000_000;

test('a snapshot stamped hours ahead does not stand for now: latest values and running containers come from now', async () => {
  const t = testApp({}, NOW);
  const web = (cpu: number) => [{ id: 'abcdef0123456789', name: 'web', metrics: { cpu_pct: cpu } }];
  // The clock ran six hours ahead for one snapshot, then was put right.
  const ahead = await t.ingest({
    ...makeBatch('alpha', [NOW + 6 * 3600], () => ({ host: { cpu_pct: 99 }, containers: web(99) })),
    batch_id: 'clock-ahead',
  });
  assert.equal(ahead.status, 200);
  const live = await t.ingest({
    ...makeBatch('alpha', [NOW - 20, NOW - 10, NOW], () => ({ host: { cpu_pct: 5 }, containers: web(5) })),
    batch_id: 'clock-right',
  });
  assert.equal(live.status, 200);
  const body = (await (await t.get('/api/v1/hosts')).json()) as {
    hosts: {
      name: string;
      online: boolean;
      latest: Record<string, number>;
      containers: { name: string; running: boolean; last_seen: number; latest: Record<string, number> }[];
    }[];
  };
  const h = body.hosts[0];
  assert.equal(h.latest.cpu_pct, 5, 'the host value of now, not the one from six hours ahead');
  assert.deepEqual(
    h.containers.map((c) => [c.name, c.running, c.last_seen, c.latest.cpu_pct]),
    [['web', true, NOW, 5]],
  );
});

test('a host whose clock runs a minute ahead shows its newest values; one whose every sample is far ahead shows those', async () => {
  for (const [ahead, label] of [
    [60, 'a minute ahead'],
    [2 * 3600, 'two hours ahead, every sample'],
  ] as const) {
    const t = testApp({}, NOW);
    const res = await t.ingest({
      ...makeBatch('alpha', [NOW + ahead - 10, NOW + ahead], (ts) => ({
        host: { cpu_pct: ts % 97 },
        containers: [{ id: 'abcdef0123456789', name: 'web', metrics: { cpu_pct: 3 } }],
      })),
      batch_id: `ahead-${ahead}`,
    });
    assert.equal(res.status, 200);
    const body = (await (await t.get('/api/v1/hosts')).json()) as {
      hosts: { latest: Record<string, number>; containers: { running: boolean; latest: Record<string, number> }[] }[];
    };
    const h = body.hosts[0];
    assert.equal(h.latest.cpu_pct, (NOW + ahead) % 97, label);
    assert.deepEqual(
      h.containers.map((c) => [c.running, c.latest.cpu_pct]),
      [[true, 3]],
      label,
    );
  }
});

test('latest holds a metric the newest sample lacks for up to two intervals, then drops it', async () => {
  const t = testApp({}, NOW);
  // The agent restarted at NOW - 10: its first reading has memory but no CPU % yet (a rate needs two).
  const stamps = [NOW - 40, NOW - 30, NOW - 20, NOW - 10];
  const res = await t.ingest(
    makeBatch('alpha', stamps, (ts) => {
      const restarted = ts === NOW - 10;
      const host: Record<string, number> = restarted
        ? { mem_used_bytes: 2000 }
        : { cpu_pct: 40, mem_used_bytes: 1000, load1: 0.5 };
      const metrics: Record<string, number> = restarted ? { mem_bytes: 20 } : { cpu_pct: 7, mem_bytes: 10 };
      return {
        host,
        containers: [{ id: 'abcdef0123456789', name: 'web', metrics }],
      };
    }),
  );
  assert.equal(res.status, 200);
  type Body = { hosts: { latest: Record<string, number>; containers: { latest: Record<string, number> }[] }[] };
  let h = ((await (await t.get('/api/v1/hosts')).json()) as Body).hosts[0];
  assert.deepEqual(
    h.latest,
    { cpu_pct: 40, mem_used_bytes: 2000, load1: 0.5 },
    'CPU % of a tick ago beside the newest memory',
  );
  assert.deepEqual(h.containers[0].latest, { cpu_pct: 7, mem_bytes: 20 });

  // Two more ticks without CPU %: its last value is now three intervals old and no longer shown.
  const more = await t.ingest(
    makeBatch('alpha', [NOW, NOW + 10], () => ({
      host: { mem_used_bytes: 3000 },
      containers: [{ id: 'abcdef0123456789', name: 'web', metrics: { mem_bytes: 30 } }],
    })),
  );
  assert.equal(more.status, 200);
  t.clock.now = NOW + 10;
  h = ((await (await t.get('/api/v1/hosts')).json()) as Body).hosts[0];
  assert.deepEqual(h.latest, { mem_used_bytes: 3000 });
  assert.deepEqual(h.containers[0].latest, { mem_bytes: 30 });
});

/**
 * Counts the statements a connection runs from now on: every statement is prepared through
 * it (db/statements.ts), so each prepared one is wrapped to count its runs.
 */
function countStatements(sqlite: Database.Database): { runs: number } {
  const counter = { runs: 0 };
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((sql: string) => {
    const st = prepare(sql);
    for (const m of ['run', 'get', 'all', 'iterate'] as const) {
      const f = st[m].bind(st) as (...a: unknown[]) => unknown;
      (st as unknown as Record<string, unknown>)[m] = (...a: unknown[]) => (counter.runs++, f(...a));
    }
    return st;
  }) as typeof sqlite.prepare;
  return counter;
}

/** A fleet with the cases /hosts must tell apart: clocks ahead, gone containers, gaps in metrics. */
function seedFleet(sqlite: Database.Database, hosts: number, containers: number, seed: number): void {
  const rand = rng(seed);
  const pickOf = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)];
  sqlite.transaction(() => {
    for (let h = 0; h < hosts; h++) {
      const interval = pickOf([5, 10, 30, 60]);
      // Most clocks are right; some run minutes or hours ahead for the newest samples, or for all.
      const skew = pickOf([0, 0, 0, 60, 2 * 3600]);
      const allAhead = rand() < 0.2;
      const stamps = Array.from({ length: 6 }, (_, i) => NOW - (5 - i) * interval + (allAhead || i === 5 ? skew : 0));
      const lastTs = Math.max(...stamps);
      const hostId = insertedId(
        sqlite,
        'INSERT INTO hosts (name, machine_id, interval_s, first_seen, last_seen, last_ts) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
        [
          `host-${String(h).padStart(3, '0')}`,
          `m-${h}`,
          interval,
          NOW - 86_400,
          NOW - (rand() < 0.2 ? 600 : 0),
          lastTs,
        ],
      );
      for (const ts of stamps.slice(rand() < 0.1 ? 6 : 0)) insertRow(sqlite, 'host', hostId, ts, rand);
      for (let c = 0; c < containers; c++) {
        const gone = rand() < 0.2 ? pickOf([interval * 3, 3600, 2 * 86_400]) : 0;
        const own = stamps.map((ts) => ts - gone).filter(() => rand() < 0.9);
        if (own.length === 0) continue;
        const id = insertedId(
          sqlite,
          `INSERT INTO containers (host_id, name, container_id, image, state, compose_project, compose_service, labels, first_seen, last_seen)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
          [
            hostId,
            `c-${c}`,
            `${c}`.padStart(12, 'f'),
            'img',
            pickOf(['running', 'running', 'exited', null]),
            pickOf(['shop', 'blog', null]),
            pickOf(['web', null]),
            rand() < 0.3 ? '{"tier":"front"}' : null,
            Math.min(...own),
            Math.max(...own),
          ],
        );
        for (const ts of own) insertRow(sqlite, 'container', id, ts, rand);
      }
    }
  })();
}

function insertedId(sqlite: Database.Database, sql: string, args: unknown[]): number {
  return (statement(sqlite, sql).get(...args) as { id: number }).id;
}

/** A sample row with every metric, a fifth of them missing (null). */
function insertRow(
  sqlite: Database.Database,
  kind: 'host' | 'container',
  id: number,
  ts: number,
  rand: () => number,
): void {
  const names = kind === 'host' ? HOST_METRIC_NAMES : CONTAINER_METRIC_NAMES;
  const table = kind === 'host' ? 'host_samples' : 'container_samples';
  const key = kind === 'host' ? 'host_id' : 'container_id';
  const sql = `INSERT INTO ${table} (${[key, 'ts', ...rawValueColumns(kind)].join(', ')}) VALUES (${['?', '?', ...names.map(() => '?')].join(', ')})`;
  statement(sqlite, sql).run(id, ts, ...names.map(() => (rand() < 0.2 ? null : Math.round(rand() * 1000))));
}

/** The answer as /hosts gave it when it read each host and container on its own (its rule, restated). */
function referenceHosts(sqlite: Database.Database, t: number) {
  const newest = (table: string, key: string, id: number, bound: number, fallback: number) => {
    const kind = table === 'host_samples' ? 'host' : 'container';
    const names = kind === 'host' ? HOST_METRIC_NAMES : CONTAINER_METRIC_NAMES;
    const plain = names.map((n) => `${reading(kind, n, false).avg} AS ${n}`).join(', ');
    const q = `SELECT ts, ${plain} FROM ${table} WHERE ${key} = ? AND ts <= ? ORDER BY ts DESC LIMIT 3`;
    const rows = sqlite.prepare(q).all(id, bound) as Row[];
    return rows.length ? rows : (sqlite.prepare(q).all(id, fallback) as Row[]);
  };
  const latest = (rows: Row[], names: readonly string[], interval: number) => {
    const out: Record<string, number> = {};
    for (const n of names) {
      const row = rows.find((r) => rows.length && r.ts >= rows[0].ts - 2 * interval && typeof r[n] === 'number');
      if (row) out[n] = row[n] as number;
    }
    return out;
  };
  const hosts = sqlite.prepare('SELECT * FROM hosts ORDER BY name').all() as Row[];
  return hosts.map((h) => {
    const interval = h.interval_s as number;
    const bound = t + Math.max(2 * interval, 300);
    const rows = newest('host_samples', 'host_id', h.id as number, bound, Number.MAX_SAFE_INTEGER);
    const lastTs = h.last_ts as number;
    const ref = lastTs <= bound ? lastTs : (rows[0]?.ts ?? lastTs);
    const list = (
      sqlite
        .prepare(
          'SELECT * FROM containers WHERE host_id = ? AND last_seen >= ? ORDER BY compose_project IS NULL, compose_project, name',
        )
        .all(h.id, ref - 86_400) as Row[]
    ).map((r) => {
      const seen = r.last_seen as number;
      const own = newest('container_samples', 'container_id', r.id as number, Math.min(seen, bound), seen);
      const lastSeen = seen <= bound ? seen : (own[0]?.ts ?? seen);
      const running = lastSeen >= ref - interval && ((r.state as string | null) ?? 'running') === 'running';
      return { name: r.name, running, last_seen: lastSeen, latest: latest(own, CONTAINER_METRIC_NAMES, interval) };
    });
    return { name: h.name, latest: latest(rows, HOST_METRIC_NAMES, interval), containers: list };
  });
}

type Row = Record<string, unknown> & { ts: number };

test('/hosts reads every host and container in a fixed number of statements, with the answer each read alone gives', async () => {
  const runs: number[] = [];
  for (const [hosts, containers, seed] of [
    [1, 1, 1],
    [3, 0, 2],
    [60, 30, 3],
  ] as const) {
    const t = testApp({}, NOW);
    const counter = countStatements(t.db.$client);
    seedFleet(t.db.$client, hosts, containers, seed);
    counter.runs = 0;
    const body = await t.getOk<{
      hosts: {
        name: string;
        latest: Record<string, number>;
        containers: { name: string; running: boolean; last_seen: number; latest: Record<string, number> }[];
      }[];
    }>('/api/v1/hosts');
    runs.push(counter.runs);
    const got = body.hosts.map((h) => ({
      name: h.name,
      latest: h.latest,
      containers: h.containers.map((c) => ({
        name: c.name,
        running: c.running,
        last_seen: c.last_seen,
        latest: c.latest,
      })),
    }));
    assert.deepEqual(got, referenceHosts(t.db.$client, NOW), `${hosts} hosts × ${containers} containers`);
    if (hosts > 10) {
      assert.ok(
        got.some((h) => h.containers.some((c) => !c.running)),
        'some containers are gone',
      );
      assert.ok(
        got.some((h) => h.containers.length < containers),
        'some are gone for more than a day',
      );
    }
    t.db.$client.close();
  }
  assert.deepEqual(runs, [4, 3, 4], 'the same statements whatever the fleet (none for no containers)');
});

test('the overview asks a page of host summaries, offline first, found by name; a host page asks one host whole', async () => {
  const t = testApp({}, NOW);
  const containers = (n: number) =>
    Array.from({ length: n }, (_, k) => ({
      id: `c0ffee${String(k).padStart(10, '0')}`,
      name: `app-${k}`,
      metrics: { cpu_pct: k },
    }));
  // Five hosts with eight containers each; "db-2" stopped reporting an hour ago.
  for (const [name, ts] of [
    ['db-2', NOW - 3600],
    ['web-1', NOW],
    ['web-2', NOW],
    ['web-3', NOW],
    ['db-1', NOW],
  ] as const) {
    t.clock.now = ts;
    const res = await t.ingest({
      ...makeBatch(name, [ts], () => ({ host: { cpu_pct: 1 }, containers: containers(8) })),
      batch_id: `page-${name}`,
    });
    assert.equal(res.status, 200);
  }
  type Entry = {
    name: string;
    online: boolean;
    running_containers: number;
    gone_containers: number;
    containers_shown: string;
    containers: { name: string; latest: Record<string, number> }[];
  };
  type Page = { total: number; online: number; hosts: Entry[] };

  const whole = await t.getOk<Page>('/api/v1/hosts');
  assert.deepEqual(
    whole.hosts.map((h) => [h.name, h.containers.length, h.containers_shown]),
    [
      ['db-1', 8, 'all'],
      ['db-2', 8, 'all'],
      ['web-1', 8, 'all'],
      ['web-2', 8, 'all'],
      ['web-3', 8, 'all'],
    ],
    'without parameters: every host whole, by name, as before',
  );
  assert.deepEqual([whole.total, whole.online], [5, 4]);

  const first = await t.getOk<Page>('/api/v1/hosts?view=summary&sort=offline&limit=2');
  assert.deepEqual(
    first.hosts.map((h) => h.name),
    ['db-2', 'db-1'],
    'the offline host first, then by name',
  );
  assert.deepEqual([first.total, first.online], [5, 4], 'counts are of every matching host, not the page');
  const db1 = first.hosts[1];
  assert.deepEqual([db1.running_containers, db1.gone_containers, db1.containers_shown], [8, 0, 'busiest']);
  assert.deepEqual(
    db1.containers.map((c) => [c.name, c.latest.cpu_pct]),
    [
      ['app-7', 7],
      ['app-6', 6],
      ['app-5', 5],
      ['app-4', 4],
      ['app-3', 3],
    ],
    'a summary lists only its busiest running containers',
  );
  const next = await t.getOk<Page>('/api/v1/hosts?view=summary&sort=offline&limit=2&offset=2');
  assert.deepEqual(
    next.hosts.map((h) => h.name),
    ['web-1', 'web-2'],
  );

  const found = await t.getOk<Page>('/api/v1/hosts?view=summary&q=WEB&limit=10');
  assert.deepEqual(
    [found.total, found.online, found.hosts.map((h) => h.name)],
    [3, 3, ['web-1', 'web-2', 'web-3']],
    'found by part of the name, whatever its case',
  );

  const one = await t.getOk<Page>('/api/v1/hosts?host=web-2');
  assert.deepEqual(
    one.hosts.map((h) => [h.name, h.containers.length, h.containers_shown]),
    [['web-2', 8, 'all']],
  );
  assert.deepEqual((await t.getOk<Page>('/api/v1/hosts?host=nowhere')).hosts, []);

  for (const [query, field] of [
    ['limit=0', /^limit: /],
    ['limit=ten', /^limit: /],
    ['offset=-1', /^offset: /],
    ['view=tiny', /^view: /],
    ['sort=cpu', /^sort: /],
  ] as const) {
    const res = await t.get(`/api/v1/hosts?${query}`);
    assert.equal(res.status, 400, query);
    assert.match(((await res.json()) as { error: string }).error, field, query);
  }
});

// Top processes through the real ingest route into a migrated SQLite file: stored compactly
// (names once), read back for the moment asked and sorted by each measure, in plain units in
// the top_processes view, replays absorbed, gone with the raw tier.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp } from '../../test/support/server.ts';
import { enforceRetention } from '../rollup/retention.ts';
import type { ProcessesResponse } from '../../protocol/batch.ts';

const T0 = 1_790_000_000;

const proc = (pid: number, name: string, cpu: number | undefined, mem: number, io?: [number, number]) => ({
  pid,
  name,
  command: `${name} --serve`,
  user: 'www-data',
  ...(cpu !== undefined && { cpu_pct: cpu }),
  mem_bytes: mem,
  ...(io && { read_bps: io[0], write_bps: io[1] }),
});

function batch(id: string, ticks: number[]) {
  return {
    v: 2,
    batch_id: id,
    agent: { host: 'alpha', interval: 10 },
    host: { ts: ticks, metrics: { cpu_pct: ticks.map(() => 50) } },
    containers: [],
    series: [],
    processes: ticks.flatMap((ts, i) => [
      { ts, ...proc(100, 'nginx', 80 + i, 50e6, [0, 1000]) },
      { ts, ...proc(200, 'postgres', 5.25, 900e6, [2e6, 3e6]), container: 'db' },
      { ts, ...proc(300, 'backup', undefined, 1e6, [9e6, 0]), user: undefined },
    ]),
  };
}

test('stored per tick, read back for the moment asked, by CPU, memory or I/O', async () => {
  const t = testApp({}, T0 + 100);
  const res = await t.ingest(batch('batch-aaaaaaaa', [T0, T0 + 10, T0 + 20]));
  assert.equal(res.status, 200, await res.text());
  // A replay adds nothing.
  assert.equal((await t.ingest(batch('batch-bbbbbbbb', [T0, T0 + 10]))).status, 200);
  const sqlite = t.db.$client;
  assert.equal(sqlite.prepare('SELECT count(*) FROM process_samples').pluck().get(), 9);
  assert.equal(sqlite.prepare('SELECT count(*) FROM process_names').pluck().get(), 3, 'each command once');

  const at = await t.getOk<ProcessesResponse>(`/api/v1/processes?host=alpha&at=${T0 + 15}`);
  assert.equal(at.ts, T0 + 10, 'the tick at or before the moment');
  assert.deepEqual(at.rows[0], {
    pid: 100,
    name: 'nginx',
    command: 'nginx --serve',
    user: 'www-data',
    container: null,
    cpu_pct: 81,
    mem_bytes: 50e6,
    read_bps: 0,
    write_bps: 1000,
  });
  assert.deepEqual(
    at.rows.map((r) => [r.pid, r.cpu_pct]),
    [
      [100, 81],
      [200, 5.25],
      [300, null],
    ],
  );
  const byMem = await t.getOk<ProcessesResponse>(`/api/v1/processes?host=alpha&at=${T0 + 15}&by=mem&limit=1`);
  assert.deepEqual(
    byMem.rows.map((r) => [r.pid, r.container]),
    [[200, 'db']],
  );
  const byIo = await t.getOk<ProcessesResponse>(`/api/v1/processes?host=alpha&at=${T0 + 15}&by=io`);
  assert.deepEqual(
    byIo.rows.map((r) => r.pid),
    [300, 200, 100],
  );
  assert.equal(byIo.rows[0]!.user, null);
  // Now (no at): the newest tick; long after the last tick: nothing for that moment.
  assert.equal((await t.getOk<ProcessesResponse>('/api/v1/processes?host=alpha')).ts, null);
  t.clock.now = T0 + 25;
  assert.equal((await t.getOk<ProcessesResponse>('/api/v1/processes?host=alpha')).ts, T0 + 20);
  assert.deepEqual(await t.getOk<ProcessesResponse>(`/api/v1/processes?host=alpha&at=${T0 - 5}`), {
    host: 'alpha',
    ts: null,
    rows: [],
  });

  // The SQL view, in plain units.
  const view = sqlite
    .prepare(
      'SELECT host, ts, pid, name, command, user, container, cpu_pct, mem_bytes FROM top_processes WHERE ts = ? ORDER BY pid',
    )
    .all(T0 + 20);
  assert.deepEqual(view[1], {
    host: 'alpha',
    ts: T0 + 20,
    pid: 200,
    name: 'postgres',
    command: 'postgres --serve',
    user: 'www-data',
    container: 'db',
    cpu_pct: 5.25,
    mem_bytes: 900e6,
  });
  t.db.$client.close();
});

test('bad queries name the parameter', async () => {
  const t = testApp({}, T0 + 100);
  await t.ingest(batch('batch-cccccccc', [T0]));
  const cases: [string, number, RegExp][] = [
    ['/api/v1/processes', 400, /host: required/],
    ['/api/v1/processes?host=nope', 404, /host "nope" not found/],
    ['/api/v1/processes?host=alpha&by=disk', 400, /by: "disk" is not cpu, mem or io/],
    ['/api/v1/processes?host=alpha&by=constructor', 400, /by: "constructor"/],
    ['/api/v1/processes?host=alpha&at=yesterday', 400, /at: "yesterday"/],
    ['/api/v1/processes?host=alpha&limit=0', 400, /limit: must be between 1 and 1000/],
  ];
  for (const [url, status, re] of cases) {
    const res = await t.get(url);
    assert.equal(res.status, status, url);
    assert.match(((await res.json()) as { error: string }).error, re, url);
  }
  t.db.$client.close();
});

test('kept as long as raw samples; names no row refers to go too', async () => {
  const t = testApp({}, T0 + 100);
  await t.ingest(batch('batch-dddddddd', [T0, T0 + 10]));
  const sqlite = t.db.$client;
  const day = 86400;
  await enforceRetention(sqlite, { raw: day, '1m': 2 * day, '5m': 3 * day, '1h': 4 * day }, T0 + 5 + day);
  assert.deepEqual(sqlite.prepare('SELECT DISTINCT ts FROM process_samples').pluck().all(), [T0 + 10]);
  assert.equal(sqlite.prepare('SELECT count(*) FROM process_names').pluck().get(), 3);
  await enforceRetention(sqlite, { raw: day, '1m': 2 * day, '5m': 3 * day, '1h': 4 * day }, T0 + 20 + day);
  assert.equal(sqlite.prepare('SELECT count(*) FROM process_samples').pluck().get(), 0);
  assert.equal(sqlite.prepare('SELECT count(*) FROM process_names').pluck().get(), 0);
  t.db.$client.close();
});

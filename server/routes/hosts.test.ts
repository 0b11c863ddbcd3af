// GET /api/v1/hosts: newest values and running containers as of now, even after an agent
// whose clock ran ahead sent one snapshot stamped hours in the future (ingest takes up to a day).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, makeBatch } from '../../test/support/server.ts';

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

// GET /api/v1/events and /summary: filters by container (name or id prefix), time and type,
// newest first and bounded, and every bad parameter a 400 naming it (never a 500).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerEvent } from '../../protocol/batch.ts';
import type { EventSummaryResponse, EventsResponse } from '../../protocol/events.ts';
import { testApp, type TestApp } from '../../test/support/server.ts';
import { rng } from '../../test/support/random.ts';
import { MAX_EVENTS_LIMIT } from './events.ts';

const NOW = 1_790_000_000;
let t: TestApp;

const WEB = 'abc0'.repeat(16);
const DB = 'def1'.repeat(16);

before(async () => {
  t = testApp({}, NOW);
  const events: ContainerEvent[] = [];
  // web: restarts every 10 s for 100 s; db: one OOM kill; both unhealthy once.
  events.push({ ts: NOW - 200, ns: 0, type: 'create', id: WEB, name: 'web', image: 'nginx:1.27' });
  events.push({ ts: NOW - 200, ns: 1, type: 'start', id: WEB, name: 'web', image: 'nginx:1.27' });
  for (let i = 0; i < 10; i++) {
    events.push({ ts: NOW - 190 + i * 10, ns: 0, type: 'die', id: WEB, name: 'web', exit_code: 1 });
    events.push({ ts: NOW - 190 + i * 10, ns: 500, type: 'start', id: WEB, name: 'web' });
  }
  events.push({ ts: NOW - 50, ns: 0, type: 'health_status', id: WEB, name: 'web', health: 'unhealthy' });
  events.push({ ts: NOW - 40, ns: 0, type: 'start', id: DB, name: 'db', image: 'postgres:16' });
  events.push({ ts: NOW - 30, ns: 0, type: 'oom', id: DB, name: 'db' });
  events.push({ ts: NOW - 30, ns: 1, type: 'die', id: DB, name: 'db', exit_code: 137 });
  events.push({ ts: NOW - 20, ns: 0, type: 'health_status', id: DB, name: 'db', health: 'healthy' });
  const res = await t.ingest({
    v: 2,
    batch_id: 'events-route-1',
    agent: { host: 'alpha', interval: 10 },
    events,
  });
  assert.equal(res.status, 200, await res.clone().text());
  // Another host's events never show under alpha.
  await t.ingest({
    v: 2,
    batch_id: 'events-route-2',
    agent: { host: 'beta', interval: 10 },
    events: [{ ts: NOW - 5, ns: 0, type: 'oom', id: WEB, name: 'web' }],
  });
});

const get = (q: string) => t.getOk<EventsResponse>(`/api/v1/events?${q}`);

test('newest first; by container name or Docker id prefix; by type; by time', async () => {
  const all = await get('host=alpha');
  assert.equal(all.events.length, 27);
  assert.equal(all.truncated, false);
  const times = all.events.map((e) => e.ts);
  assert.deepEqual(
    times,
    [...times].sort((a, b) => b - a),
    'newest first',
  );
  assert.ok(all.events.every((e) => e.host === 'alpha'));
  assert.deepEqual(
    (await get('host=alpha&container=db')).events.map((e) => e.type),
    ['health_status', 'die', 'oom', 'start'],
  );
  assert.deepEqual(
    (await get(`host=alpha&container=${DB.slice(0, 8)}`)).events.map((e) => e.container),
    ['db', 'db', 'db', 'db'],
    'an id prefix',
  );
  assert.equal((await get('host=alpha&container=nobody')).events.length, 0, 'a container with no events: none');
  const ooms = await get('host=alpha&type=oom,die&container=db');
  assert.deepEqual(
    ooms.events.map((e) => [e.type, e.exit_code, e.cause]),
    [
      ['die', 137, 'oom'],
      ['oom', null, null],
    ],
  );
  const window = await get(`host=alpha&from=${NOW - 45}&to=${NOW - 25}`);
  assert.deepEqual(
    window.events.map((e) => e.type),
    ['die', 'oom', 'start'],
  );
  const iso = await get(`host=alpha&from=${new Date((NOW - 45) * 1000).toISOString()}&type=start`);
  assert.deepEqual(
    iso.events.map((e) => e.container),
    ['db'],
  );
});

test('bounded: limit, and truncated says more matched', async () => {
  const r = await get('host=alpha&limit=3');
  assert.equal(r.events.length, 3);
  assert.equal(r.truncated, true);
  assert.equal(r.events[0].ts, NOW - 20);
  assert.equal((await get('host=alpha&limit=27')).truncated, false);
});

test('summary: restarts, OOM kills, last exit and health of each container over a range', async () => {
  const s = await t.getOk<EventSummaryResponse>(`/api/v1/events/summary?host=alpha&from=${NOW - 300}&to=${NOW}`);
  assert.deepEqual(s.containers, {
    web: { restarts: 10, ooms: 0, last_exit: { ts: NOW - 100, exit_code: 1, cause: 'exit' }, health: 'unhealthy' },
    db: { restarts: 0, ooms: 1, last_exit: { ts: NOW - 30, exit_code: 137, cause: 'oom' }, health: 'healthy' },
  });
  const narrow = await t.getOk<EventSummaryResponse>(
    `/api/v1/events/summary?host=alpha&from=${NOW - 125}&to=${NOW - 95}&container=web`,
  );
  assert.deepEqual(narrow.containers, {
    web: { restarts: 3, ooms: 0, last_exit: { ts: NOW - 100, exit_code: 1, cause: 'exit' }, health: null },
  });
});

async function err(path: string): Promise<[number, string]> {
  const res = await t.get(path);
  const body = (await res.json()) as { error?: string };
  return [res.status, body.error ?? ''];
}

test('every bad parameter is a 400 naming it; an unknown host a 404', async () => {
  const cases: [string, number, RegExp][] = [
    ['/api/v1/events', 400, /^host: required/],
    ['/api/v1/events?host=', 400, /^host: required/],
    ['/api/v1/events?host=nope', 404, /^host "nope" not found/],
    ['/api/v1/events?host=alpha&from=yesterday', 400, /^from: "yesterday" is neither epoch seconds nor an ISO 8601/],
    ['/api/v1/events?host=alpha&to=1e99', 400, /^to: /],
    [`/api/v1/events?host=alpha&from=${NOW}&to=${NOW - 1}`, 400, /^from \(\d+\) is after to/],
    ['/api/v1/events?host=alpha&type=ooms', 400, /^type: unknown event type "ooms" \(known: create, start, /],
    ['/api/v1/events?host=alpha&type=oom,__proto__', 400, /^type: unknown event type "__proto__"/],
    ['/api/v1/events?host=alpha&limit=0', 400, /^limit: must be between 1 and 5000/],
    [`/api/v1/events?host=alpha&limit=${MAX_EVENTS_LIMIT + 1}`, 400, /^limit: must be between/],
    ['/api/v1/events?host=alpha&limit=ten', 400, /^limit: "ten" is not a whole number/],
    ['/api/v1/events?host=alpha&container=', 400, /^container: empty/],
    ['/api/v1/events/summary', 400, /^host: required/],
    ['/api/v1/events/summary?host=nope', 404, /^host "nope" not found/],
    [`/api/v1/events/summary?host=alpha&from=${NOW}&to=${NOW - 5}`, 400, /^from \(\d+\) is after to/],
    ['/api/v1/events/summary?host=alpha&to=soon', 400, /^to: /],
  ];
  for (const [path, status, message] of cases) {
    const [s, m] = await err(path);
    assert.equal(s, status, `${path}: ${m}`);
    assert.match(m, message, path);
  }
});

test('random query strings never make a 500', async () => {
  const r = rng(18);
  const pieces = ['host', 'container', 'from', 'to', 'type', 'limit', 'x', '', '%', '%zz', '&&', '=', "'", ';--'];
  const values = [
    'alpha',
    'web',
    'db',
    '0',
    '-1',
    '1e308',
    'NaN',
    'oom',
    'die,oom',
    '%00',
    "'; DROP TABLE events;--",
    'abc0',
  ];
  for (let i = 0; i < 300; i++) {
    const parts = Array.from({ length: 1 + Math.floor(r() * 5) }, () => {
      const k = pieces[Math.floor(r() * pieces.length)];
      const v = values[Math.floor(r() * values.length)];
      return `${k}=${encodeURIComponent(v)}`;
    });
    const path = `/api/v1/events${r() < 0.3 ? '/summary' : ''}?${parts.join('&')}`;
    const res = await t.get(path);
    assert.ok(res.status < 500, `${path}: ${res.status}`);
  }
  assert.equal(t.db.$client.prepare('SELECT count(*) FROM events').pluck().get(), 28, 'nothing changed');
});

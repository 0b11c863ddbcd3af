// The evaluator on stored data with an injected clock: thresholds with for: and hysteresis,
// silent hosts, events, data that arrives late, a restart, a receiver that is down, reloads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { alertHarness, containerTicks, hostTicks } from '../../test/support/alerts.ts';
import type { ContainerEvent } from '../../protocol/batch.ts';

const RECEIVERS = `receivers:
  ops:
    webhook: http://127.0.0.1:9/hook
`;

const T0 = 1_790_000_000;

/** One rule: a host's CPU above `above`, at once (no for:), to ops. */
const hotHost = (above: number) => `${RECEIVERS}rules:
  - name: hot
    entity: host
    metric: cpu_pct
    above: ${above}
    notify: [ops]
`;
/** A container's CPU above 80 for 2 min, to ops. */
const busyFor2m = `${RECEIVERS}rules:
  - name: busy container
    entity: container
    metric: cpu_pct
    above: 80
    for: 2m
    notify: [ops]
`;
const summary = (s: { payload: { status: string; summary: string } }) => `${s.payload.status}: ${s.payload.summary}`;

test('a threshold with for: fires only after it held that long, once, and resolves', async () => {
  const h = await alertHarness(
    `${RECEIVERS}rules:
  - name: busy container
    entity: container
    metric: cpu_pct
    above: 80
    for: 2m
    containers: "web*"
    notify: [ops]
`,
    T0,
  );
  // web-1 at 95 % from T0 on, a tick every 10 s, sent as it happens; db-1 too but not matched.
  for (let i = 0; i < 12; i++) {
    await h.advance(10);
    await h.ingest(containerTicks('alpha', 'web-1', 'cpu_pct', h.now(), [95]));
    await h.ingest(containerTicks('alpha', 'db-1', 'cpu_pct', h.now(), [99]));
  }
  assert.equal(h.sent.length, 0, '110 s past 80 %: not yet');
  await h.advance(10);
  await h.ingest(containerTicks('alpha', 'web-1', 'cpu_pct', h.now(), [96]));
  assert.deepEqual(h.sent.map(summary), ['firing: cpu_pct of web-1 on alpha is 96, above 80 for 2m']);
  const fired = h.sent[0].payload;
  assert.equal(fired.started_at, T0 + 10);
  assert.equal(fired.url, 'http://berth.test/host/alpha/container/web-1');
  assert.deepEqual(
    [fired.metric, fired.threshold, fired.container, fired.event, fired.ended_at],
    ['cpu_pct', 80, 'web-1', null, null],
  );
  // Ten minutes flapping 77..83 (inside the band): nothing more.
  for (let i = 0; i < 60; i++) {
    await h.advance(10);
    await h.ingest(containerTicks('alpha', 'web-1', 'cpu_pct', h.now(), [i % 2 ? 77 : 83]));
  }
  assert.equal(h.sent.length, 1, 'no storm');
  const view = await h.view();
  assert.deepEqual(
    view.firing.map((f) => [f.rule, f.container]),
    [['busy container', 'web-1']],
  );
  // Back under 76 for 2 min: resolved, once.
  for (let i = 0; i < 14; i++) {
    await h.advance(10);
    await h.ingest(containerTicks('alpha', 'web-1', 'cpu_pct', h.now(), [20]));
  }
  assert.deepEqual(
    h.sent.map((s) => s.payload.status),
    ['firing', 'resolved'],
  );
  assert.match(h.sent[1].payload.summary, /back below 76/);
  assert.ok(h.sent[1].payload.ended_at! > fired.started_at);
  assert.equal((await h.view()).firing.length, 0);
  await h.close();
});

test('a value flapping around the threshold never fires', async () => {
  const h = await alertHarness(
    `${RECEIVERS}rules:
  - name: disk filling
    entity: host
    metric: fs_used_pct
    above: 90
    for: 5m
    notify: [ops]
`,
  );
  // fs_used_pct is labelled per mount: "/" flaps 89/91 for an hour, "/data" stays at 95.
  for (let i = 0; i < 360; i++) {
    await h.advance(10);
    const ts = [h.now()];
    await h.ingest({
      agent: { host: 'alpha', interval: 10 },
      series: [
        { name: 'fs_used_pct', labels: { mount: '/' }, ts, values: [i % 2 ? 89 : 91] },
        { name: 'fs_used_pct', labels: { mount: '/data' }, ts, values: [95] },
      ],
    });
  }
  assert.deepEqual(h.sent.map(summary), ['firing: fs_used_pct{mount="/data"} of alpha is 95, above 90 for 5m']);
  await h.close();
});

test('host_offline: fires after for:, not before; its return resolves it', async () => {
  const h = await alertHarness(
    `${RECEIVERS}rules:
  - name: host silent
    event: host_offline
    for: 1m
    notify: [ops]
`,
  );
  for (let i = 0; i < 6; i++) {
    await h.advance(10);
    await h.ingest(hostTicks('alpha', 'cpu_pct', h.now(), [5]));
  }
  const last = h.now();
  // Silent: two intervals (20 s) + 2 s grace, then the 1 min of for:.
  await h.advance(75);
  assert.equal(h.sent.length, 0, 'silent 75 s: not yet');
  await h.advance(20);
  assert.equal(h.sent.length, 1);
  assert.equal(h.sent[0].payload.status, 'firing');
  assert.equal(h.sent[0].payload.event, 'host_offline');
  assert.equal(h.sent[0].payload.started_at, last);
  await h.advance(600);
  assert.equal(h.sent.length, 1, 'still silent: nothing more');
  await h.ingest(hostTicks('alpha', 'cpu_pct', h.now(), [5]));
  await h.advance(10);
  assert.deepEqual(
    h.sent.map((s) => s.payload.status),
    ['firing', 'resolved'],
  );
  await h.close();
});

test('a restart while an alert fires neither re-sends nor forgets it', async () => {
  let h = await alertHarness(
    `${RECEIVERS}rules:
  - name: host silent
    event: host_offline
    for: 1m
    notify: [ops]
`,
  );
  await h.advance(10);
  await h.ingest(hostTicks('alpha', 'cpu_pct', h.now(), [5]));
  await h.advance(200);
  assert.equal(h.sent.length, 1);
  h = await h.restart();
  await h.advance(600);
  assert.equal(h.sent.length, 0, 'nothing sent again after the restart');
  assert.deepEqual(
    (await h.view()).firing.map((f) => [f.rule, f.host, f.notified]),
    [['host silent', 'alpha', true]],
  );
  await h.ingest(hostTicks('alpha', 'cpu_pct', h.now(), [5]));
  await h.advance(10);
  assert.deepEqual(
    h.sent.map((s) => s.payload.status),
    ['resolved'],
    'and its end is sent',
  );
  await h.close();
});

test('a restart during a for: wait neither waits it again nor fires early', async () => {
  let h = await alertHarness(busyFor2m, T0);
  // web-1 past 80 from T0 + 10 on; db-1 too, but back under at T0 + 40 and past again from T0 + 50.
  const tick = async (web: number, db: number) => {
    await h.advance(10);
    await h.ingest(containerTicks('alpha', 'web-1', 'cpu_pct', h.now(), [web]));
    await h.ingest(containerTicks('alpha', 'db-1', 'cpu_pct', h.now(), [db]));
  };
  for (const db of [95, 95, 95, 50, 95, 95]) await tick(95, db);
  assert.equal(h.now(), T0 + 60);
  h = await h.restart();
  // Five more ticks (to T0 + 110): neither wait has lasted 2 min yet.
  for (let i = 0; i < 5; i++) await tick(95, 95);
  assert.equal(h.sent.length, 0, 'not early');
  // T0 + 130: web-1's wait, begun at T0 + 10 before the restart, is over.
  await tick(95, 95);
  await tick(95, 95);
  assert.deepEqual(
    h.sent.map((s) => [s.payload.container, s.payload.started_at]),
    [['web-1', T0 + 10]],
    'web-1 fires 2 min after its wait began, not 2 min after the restart',
  );
  // db-1's wait began again at T0 + 50: it fires at T0 + 170, not from its first start.
  for (let i = 0; i < 3; i++) await tick(95, 95);
  assert.equal(h.sent.length, 1);
  await tick(95, 95);
  assert.deepEqual(
    h.sent.map((s) => [s.payload.container, s.payload.started_at]),
    [
      ['web-1', T0 + 10],
      ['db-1', T0 + 50],
    ],
  );
  await h.close();
});

test('a crash loses at most the last minute of a for: wait, and never makes a rule fire early', async () => {
  let h = await alertHarness(busyFor2m, T0);
  const tick = async (cpu: Record<string, number>) => {
    await h.advance(10);
    for (const [name, v] of Object.entries(cpu)) await h.ingest(containerTicks('alpha', name, 'cpu_pct', h.now(), [v]));
  };
  // web-1 past 80 from T0 + 10 on; db-1 from T0 + 50 on; api-1 from T0 + 10, back under at
  // T0 + 90 (after its wait was written), past again from T0 + 100.
  for (let t = 10; t <= 100; t += 10)
    await tick({ 'web-1': 95, 'db-1': t >= 50 ? 95 : 10, 'api-1': t === 90 ? 10 : 95 });
  assert.equal(h.now(), T0 + 100);
  h = await h.crash();
  const all = { 'web-1': 95, 'db-1': 95, 'api-1': 95 };
  for (let t = 110; t <= 130; t += 10) await tick(all);
  assert.deepEqual(
    h.sent.map((s) => [s.payload.container, s.payload.started_at]),
    [['web-1', T0 + 10]],
    'web-1, whose wait had lasted a minute, fires 2 min after it began; api-1, whose wait had ended, not early',
  );
  // db-1's wait (40 s old at the crash) and api-1's new one are lost: both begin again at T0 + 110.
  for (let t = 140; t <= 220; t += 10) await tick(all);
  assert.equal(h.sent.length, 1, 'no wait fires before its 2 min from its new beginning');
  await tick(all);
  assert.deepEqual(
    h.sent
      .slice(1)
      .map((s) => [s.payload.container, s.payload.started_at])
      .sort(),
    [
      ['api-1', T0 + 110],
      ['db-1', T0 + 110],
    ],
  );
  await h.close();
});

test('a receiver that is down gets the notification once it is back', async () => {
  const h = await alertHarness(hotHost(90));
  h.down.value = true;
  await h.advance(10);
  await h.ingest(hostTicks('alpha', 'cpu_pct', h.now(), [99]));
  await h.advance(60);
  assert.equal(h.sent.length, 0);
  const v = await h.view();
  assert.equal(v.failures.length, 1);
  assert.equal(v.failures[0].receiver, 'ops');
  assert.equal(v.failures[0].error, 'HTTP 503');
  assert.ok(v.failures[0].attempts >= 3, `tried ${v.failures[0].attempts} times in a minute`);
  assert.ok(h.log.lines.some((l) => l.startsWith('warn alert "hot" to "ops" (webhook): HTTP 503')));
  assert.ok(!h.log.lines.some((l) => l.includes('127.0.0.1:9')), 'the URL is never logged');
  h.down.value = false;
  await h.advance(300);
  assert.deepEqual(
    h.sent.map((s) => s.payload.status),
    ['firing'],
    'delivered once',
  );
  assert.equal((await h.view()).failures.length, 0);
  assert.equal((await h.view()).history[0].deliveries[0].state, 'delivered');
  await h.close();
});

test('a for: wait whose series went quiet is forgotten after an hour', async () => {
  const h = await alertHarness(
    `${RECEIVERS}rules:
  - name: busy container
    entity: container
    metric: cpu_pct
    above: 80
    for: 2h
    notify: [ops]
`,
  );
  const waits = () =>
    h.db.$client.prepare("SELECT count(*) AS n FROM alert_state WHERE phase = 'pending'").get() as { n: number };
  await h.advance(10);
  await h.ingest(containerTicks('alpha', 'web-1', 'cpu_pct', h.now(), [95]));
  await h.advance(50);
  assert.equal(waits().n, 0, 'a wait is not written in its first minute');
  await h.advance(10);
  assert.equal(waits().n, 1, 'but once it lasted a minute');
  await h.advance(3540);
  assert.equal(waits().n, 1, 'an hour: kept');
  await h.advance(700);
  assert.equal(waits().n, 0, 'past an hour (and the next look): gone');
  await h.close();
});

test('a delivery whose bookkeeping failed is written down later, not sent again', async () => {
  const h = await alertHarness(hotHost(90));
  const store = h.alerts.evaluator.store;
  const delivered = store.delivered.bind(store);
  let failures = 0;
  store.delivered = (id, now) => {
    if (failures++ < 3) throw new Error('database is locked');
    delivered(id, now);
  };
  await h.advance(10);
  await h.ingest(hostTicks('alpha', 'cpu_pct', h.now(), [99]));
  await h.advance(30);
  assert.deepEqual(
    h.sent.map((s) => s.payload.status),
    ['firing'],
    'sent once',
  );
  assert.ok(failures > 3);
  assert.equal((await h.view()).history[0].deliveries[0].state, 'delivered');
  assert.ok(h.log.lines.some((l) => l.includes('alert delivery bookkeeping: database is locked')));
  await h.close();
});

test('data replayed late is recorded with its real times, not sent as news', async () => {
  const h = await alertHarness(
    `${RECEIVERS}rules:
  - name: hot
    entity: host
    metric: cpu_pct
    above: 90
    for: 1m
    notify: [ops]
`,
  );
  await h.advance(7200);
  // An agent back after two hours replays its spool: hot for 10 min an hour ago, then calm.
  const t0 = h.now() - 3600;
  const values = Array.from({ length: 360 }, (_, i) => (i >= 60 && i < 120 ? 99 : 10));
  await h.ingest(hostTicks('alpha', 'cpu_pct', t0, values));
  await h.advance(10);
  assert.equal(h.sent.length, 0);
  const v = await h.view();
  assert.deepEqual(
    v.history.map((e) => [e.status, e.late, e.started_at - t0, e.ended_at === null ? null : e.ended_at - t0]),
    [
      ['resolved', true, 600, 1200],
      ['firing', true, 600, null],
    ],
  );
  // Replayed while still hot: sent once, when its data is current.
  const t1 = h.now() - 1200;
  await h.ingest(hostTicks('alpha', 'cpu_pct', t1, Array(121).fill(99)));
  await h.advance(10);
  assert.deepEqual(h.sent.map(summary), ['firing: cpu_pct of alpha is 99, above 90 for 1m']);
  assert.equal(h.sent[0].payload.started_at, t1);
  await h.close();
});

const ev = (ts: number, type: string, name: string, more: Partial<ContainerEvent> = {}): ContainerEvent =>
  ({ ts, ns: 0, type, id: `${name}-id`.padEnd(12, '0'), name, ...more }) as ContainerEvent;

test('event rules: OOM, a restart loop, unhealthy; a compose recreate is no crash', async () => {
  const h = await alertHarness(
    `${RECEIVERS}rules:
  - name: oom
    event: oom
    notify: [ops]
  - name: crash loop
    event: restart_loop
    restarts: 3
    within: 10m
    notify: [ops]
  - name: died
    event: die
    containers: "api*"
    notify: [ops]
  - name: sick
    event: unhealthy
    notify: [ops]
`,
  );
  await h.advance(10);
  const t = h.now();
  const events: ContainerEvent[] = [
    ev(t, 'oom', 'hog'),
    ev(t, 'die', 'hog', { exit_code: 137 }),
    // A compose recreate of web: stop, die (killed), destroy, create, start, twice.
    ...[0, 1, 2, 3].flatMap((k) => [
      ev(t + k, 'kill', 'web', { signal: 15, id: `web${k}`.padEnd(12, '0') }),
      ev(t + k, 'die', 'web', { exit_code: 0, id: `web${k}`.padEnd(12, '0') }),
      ev(t + k, 'destroy', 'web', { id: `web${k}`.padEnd(12, '0') }),
      ev(t + k, 'create', 'web', { id: `web${k + 1}`.padEnd(12, '0') }),
      ev(t + k, 'start', 'web', { id: `web${k + 1}`.padEnd(12, '0') }),
    ]),
    // api crashes and is restarted by its policy, 3 times in a minute.
    ...[0, 20, 40].flatMap((s) => [ev(t + s, 'die', 'api', { exit_code: 1 }), ev(t + s, 'start', 'api')]),
    ev(t, 'health_status', 'svc', { health: 'unhealthy' }),
    ev(t + 5, 'health_status', 'svc', { health: 'unhealthy' }),
  ];
  await h.ingest({ agent: { host: 'alpha', interval: 10 }, events });
  await h.advance(10);
  const fired = h.sent
    .filter((s) => s.payload.status === 'firing')
    .map((s) => `${s.payload.rule} ${s.payload.container}`);
  assert.deepEqual(fired.sort(), ['crash loop api', 'died api', 'died api', 'died api', 'oom hog', 'sick svc'].sort());
  // Resolutions: died api each time it started again; the rest still firing.
  assert.deepEqual((await h.view()).firing.map((f) => f.rule).sort(), ['crash loop', 'oom', 'sick']);
  const n = h.sent.length;
  // A start from before the OOM (a batch stored late) does not end it.
  await h.ingest({ agent: { host: 'alpha', interval: 10 }, events: [ev(t - 5, 'start', 'hog')] });
  assert.equal(h.sent.length, n, 'an older start ends nothing');
  await h.ingest({
    agent: { host: 'alpha', interval: 10 },
    events: [ev(h.now(), 'destroy', 'hog'), ev(h.now(), 'health_status', 'svc', { health: 'healthy' })],
  });
  await h.advance(10);
  assert.deepEqual(h.sent.slice(n).map(summary).sort(), [
    'resolved: hog on alpha: removed',
    'resolved: svc on alpha is healthy again',
  ]);
  // The loop resolves once no crash came for 10 min after the last (at t + 40).
  await h.advance(600);
  assert.equal(h.sent.at(-1)!.payload.rule, 'sick', 'not yet');
  await h.advance(60);
  assert.deepEqual(h.sent.at(-1)!.payload.rule, 'crash loop');
  assert.deepEqual(h.sent.at(-1)!.payload.status, 'resolved');
  assert.equal((await h.view()).firing.length, 0);
  await h.close();
});

test('a bad file is refused on reload with its line; the previous rules keep running', async () => {
  const good = hotHost(90);
  const h = await alertHarness(good);
  fs.writeFileSync(h.file, good.replace('above: 90', 'above: ninety'));
  h.alerts.checkFile();
  const v = await h.view();
  assert.match(v.file!.error!, /^line 8: rules\[0\]\.above: .*\(the previous rules keep running\)$/);
  assert.ok(h.log.lines.some((l) => l.includes('refused: line 8: rules[0].above')));
  assert.deepEqual(
    v.rules.map((r) => r.name),
    ['hot'],
  );
  await h.advance(10);
  await h.ingest(hostTicks('alpha', 'cpu_pct', h.now(), [99]));
  assert.equal(h.sent.length, 1, 'the old rule still fires');
  // Replaced by a rename (as editors save): picked up, the error gone.
  fs.writeFileSync(`${h.file}.tmp`, good.replace('name: hot', 'name: very hot'));
  fs.renameSync(`${h.file}.tmp`, h.file);
  await h.advance(5);
  const w = await h.view();
  assert.equal(w.file!.error, null);
  assert.deepEqual(
    w.rules.map((r) => r.name),
    ['very hot'],
  );
  await h.close();
});

test('judging that fails a turn after ingest (the file cannot be written) is logged, not fatal', async () => {
  const h = await alertHarness(hotHost(80), T0);
  await h.advance(10);
  // Through the app, not h.ingest: the batch is judged a turn later, outside any request.
  assert.equal(await h.post(hostTicks('alpha', 'cpu_pct', h.now(), [95])), 200);
  h.db.$client.pragma('query_only = ON');
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.ok(
    h.log.lines.some((l) => /alert evaluation: .*readonly/i.test(l)),
    h.log.lines.join('\n'),
  );
  // Writable again: the next batch fires as it should.
  h.db.$client.pragma('query_only = OFF');
  await h.advance(10);
  await h.ingest(hostTicks('alpha', 'cpu_pct', h.now(), [96]));
  assert.deepEqual(
    h.sent.map((s) => s.payload.status),
    ['firing'],
  );
  await h.close();
});

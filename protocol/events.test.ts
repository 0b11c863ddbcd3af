import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EVENT_HELP, EVENT_TYPES, eventText, markerKind, signalName, type EventRecord } from './events.ts';

const e = (type: string, extra: Partial<EventRecord> = {}) => ({
  type,
  exit_code: null,
  signal: null,
  health: null,
  cause: null,
  image: null,
  attrs: {},
  ...extra,
});

test('what the page says for each event', () => {
  const cases: [ReturnType<typeof e>, string][] = [
    [e('oom'), 'OOM-killed'],
    [e('die', { exit_code: 137, cause: 'oom' }), 'exited 137 (OOM)'],
    [e('die', { exit_code: 137 }), 'exited 137'],
    [e('die', { exit_code: 0, cause: 'kill' }), 'exited 0 (stopped)'],
    [e('die'), 'exited'],
    [e('health_status', { health: 'unhealthy' }), 'unhealthy'],
    [e('health_status', { health: 'healthy' }), 'healthy'],
    [e('health_status', { health: 'starting' }), 'health starting'],
    [e('start', { cause: 'restart' }), 'restarted'],
    [e('start'), 'started'],
    [e('deploy', { image: 'nginx:1.27' }), 'new image nginx:1.27'],
    [e('kill', { signal: 15 }), 'sent SIGTERM'],
    [e('kill', { signal: 64 }), 'sent 64'],
    [e('rename', { attrs: { old_name: 'web-old' } }), 'renamed from web-old'],
    [e('destroy'), 'removed'],
    [e('some_new_type'), 'some_new_type'],
  ];
  for (const [ev, want] of cases) assert.equal(eventText(ev), want, JSON.stringify(ev));
});

test('which events mark a chart, and how loudly', () => {
  assert.equal(markerKind(e('oom')), 'bad');
  assert.equal(markerKind(e('die', { exit_code: 1, cause: 'exit' })), 'bad');
  assert.equal(markerKind(e('die', { exit_code: 0, cause: 'exit' })), 'info', 'a job that finished');
  assert.equal(markerKind(e('die', { exit_code: 137, cause: 'oom' })), undefined, 'the oom mark says it');
  assert.equal(markerKind(e('die', { exit_code: 0, cause: 'kill' })), undefined, 'a stop asked for');
  assert.equal(markerKind(e('health_status', { health: 'unhealthy' })), 'warn');
  assert.equal(markerKind(e('start', { cause: 'restart' })), 'warn');
  assert.equal(markerKind(e('start')), undefined);
  assert.equal(markerKind(e('deploy')), 'info');
  for (const t of ['create', 'kill', 'stop', 'destroy', 'pause', 'rename'])
    assert.equal(markerKind(e(t)), undefined, t);
});

test('every type has its line of help; signal names', () => {
  assert.deepEqual(Object.keys(EVENT_HELP), [...EVENT_TYPES]);
  assert.equal(signalName(9), 'SIGKILL');
  assert.equal(signalName(15), 'SIGTERM');
  assert.equal(signalName(200), '200');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventRecord } from '../protocol/events.ts';
import { groupMarkers, markersOf, type Marker } from './event-markers.ts';

const rec = (ts: number, type: string, extra: Partial<EventRecord> = {}): EventRecord => ({
  id: ts,
  ts,
  time: '',
  host: 'h',
  container: 'web',
  container_id: 'c',
  type,
  exit_code: null,
  signal: null,
  health: null,
  cause: null,
  image: null,
  compose_project: null,
  compose_service: null,
  attrs: {},
  ...extra,
});

test('markersOf: the events worth a mark, oldest first, named on charts of many containers', () => {
  const events = [
    rec(30, 'start', { cause: 'restart' }),
    rec(20, 'die', { exit_code: 137, cause: 'oom' }),
    rec(19, 'oom'),
    rec(10, 'kill', { signal: 15 }),
    rec(5, 'create'),
  ];
  assert.deepEqual(markersOf(events), [
    { ts: 19, text: 'OOM-killed', kind: 'bad' },
    { ts: 30, text: 'restarted', kind: 'warn' },
  ]);
  assert.deepEqual(
    markersOf(events, true).map((m) => m.name),
    ['web', 'web'],
  );
});

test('groupMarkers: marks a few pixels apart share one, in the colour of the worst; out of view left out', () => {
  const m = (ts: number, kind: Marker['kind']): Marker => ({ ts, text: String(ts), kind });
  const groups = groupMarkers(
    [m(0, 'ok'), m(2, 'bad'), m(3, 'info'), m(50, 'warn'), m(500, 'bad'), m(-20, 'bad')].sort((a, b) => a.ts - b.ts),
    (ts) => ts,
    100,
  );
  assert.deepEqual(
    groups.map((g) => [g.x, g.kind, g.items.map((i) => i.ts)]),
    [
      [0, 'bad', [0, 2, 3]],
      [50, 'warn', [50]],
    ],
  );
});

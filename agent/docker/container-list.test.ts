import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ContainerEvent } from '../../protocol/batch.ts';
import { LIST_EVERY_SECONDS, ListPolicy } from './container-list.ts';

const event = (type: string): ContainerEvent => ({ ts: 1, ns: 0, id: 'a'.repeat(64), name: 'web', type });

/** Asks and lists with `ids`, as the collector does when told to ask. */
function list(p: ListPolicy, mono: number, found: string | undefined, ids = ['b', 'a']): boolean {
  const ask = p.ask(mono, () => found);
  if (ask) p.listed(ask, mono, ids);
  return ask !== undefined;
}

test('without events: every tick when no directory tells, else when the cgroups differ or a minute passed', () => {
  const p = new ListPolicy();
  assert.equal(list(p, 0, undefined), true, 'first tick');
  assert.equal(list(p, 10, undefined), true, 'no membership: every tick');
  assert.equal(list(p, 20, 'a b'), false, 'the same containers');
  assert.equal(list(p, 30, 'a b c'), true, 'a cgroup came');
  assert.equal(list(p, 30 + LIST_EVERY_SECONDS - 1, 'a b'), false);
  assert.equal(list(p, 30 + LIST_EVERY_SECONDS, 'a b'), true, 'once a minute for a pause or a rename');
  assert.equal(p.asked, 4);
});

test('with events: asked after a (re)connection and after events that change the list, only then', () => {
  const p = new ListPolicy();
  let membershipRead = 0;
  const ask = (mono: number) => {
    const a = p.ask(mono, () => (membershipRead++, 'a b'));
    if (a) p.listed(a, mono, ['a', 'b']);
    return a !== undefined;
  };
  assert.equal(ask(0), true);
  p.subscriber.connected!({ reconnect: false });
  assert.equal(p.following, true);
  assert.equal(ask(10), true, 'events before the connection may be missed');
  const reads = membershipRead;
  assert.equal(ask(20), false);
  assert.equal(ask(20 + 10 * LIST_EVERY_SECONDS), false, 'no periodic list while events come');
  assert.equal(membershipRead, reads, 'no directory listing while events come');

  for (const [type, relist] of [
    ['start', true],
    ['die', true],
    ['stop', true],
    ['restart', true],
    ['pause', true],
    ['unpause', true],
    ['rename', true],
    ['destroy', true],
    ['create', true],
    ['health_status', false],
    ['oom', false],
    ['kill', false],
    ['deploy', false],
    ['a_future_type', false],
  ] as const) {
    p.subscriber.event!(event(type));
    assert.equal(ask(30), relist, type);
    assert.equal(ask(31), false, `${type}, next tick`);
  }

  // An event during a list in flight: the list asked before it may not have it, so asked again.
  const inFlight = p.ask(40, () => undefined);
  assert.equal(inFlight, undefined);
  p.subscriber.event!(event('start'));
  const a = p.ask(41, () => undefined)!;
  p.subscriber.event!(event('die'));
  p.listed(a, 41, ['a']);
  assert.equal(ask(42), true);

  p.subscriber.disconnected!('gone');
  assert.equal(p.following, false);
  assert.equal(ask(50), true, 'the break itself');
  assert.equal(ask(51), false, 'then the directory listing decides');
  assert.ok(membershipRead > reads);
});

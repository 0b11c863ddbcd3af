// Which rules a series gets, worked out once: hosts:, containers: and compose_project: globs, the
// same groups shared between hosts alike, and instances kept when the rules or a project change.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRuleFile } from './rule-file.ts';
import { SeriesPlans, seriesKey } from './series-plans.ts';
import type { Instance } from './store.ts';

const config = parseRuleFile(
  `receivers:
  ops:
    webhook: http://127.0.0.1:9/hook
rules:
  - { name: web cpu, entity: container, metric: cpu_pct, above: 80, containers: "web*", notify: [ops] }
  - { name: shop mem, entity: container, metric: mem_pct, above: 90, compose_project: shop, notify: [ops] }
  - { name: any cpu, entity: container, metric: cpu_pct, above: 95, hosts: "db-*", notify: [ops] }
  - { name: host cpu, entity: host, metric: cpu_pct, above: 90, hosts: "web-host-*", notify: [ops] }
  - { name: silent, event: host_offline, hosts: "web-host-*", notify: [ops] }
`,
  { smtp: false },
);
const names = (p: { groups: { metric: string; rules: { name: string }[] }[] }) =>
  p.groups.flatMap((g) => g.rules.map((r) => `${g.metric}: ${r.name}`));

test('a series gets the rules its host, name and project match, grouped by metric', () => {
  const plans = new SeriesPlans();
  plans.reset(config.rules, []);
  const web = plans.host('web-host-1');
  assert.deepEqual(names(web.self), ['cpu_pct: host cpu']);
  assert.deepEqual(
    web.offline.map((r) => r.name),
    ['silent'],
  );
  assert.deepEqual(names(plans.container(web, 'web-1', null)), ['cpu_pct: web cpu']);
  assert.deepEqual(names(plans.container(web, 'web-2', 'shop')), ['cpu_pct: web cpu', 'mem_pct: shop mem']);
  assert.deepEqual(names(plans.container(web, 'cache', null)), []);
  const db = plans.host('db-1');
  assert.deepEqual(names(db.self), []);
  assert.deepEqual(names(plans.container(db, 'web-1', null)), ['cpu_pct: web cpu', 'cpu_pct: any cpu']);
  // Hosts alike share their containers' groups.
  const other = plans.host('web-host-2');
  assert.equal(plans.container(other, 'web-1', null).groups, plans.container(web, 'web-1', null).groups);
});

test('instances read back find their series; a project change keeps what still matches', () => {
  const wait = (rule: string, container: string): Instance => ({
    rule,
    key: seriesKey('web-host-1', container, ''),
    host: 'web-host-1',
    container,
    labels: null,
    phase: 'pending',
    since: 1,
    clearSince: null,
    value: 99,
    lastTs: 1,
    notified: false,
    historyId: null,
  });
  const cpu = wait('web cpu', 'web-2');
  const mem = wait('shop mem', 'web-2');
  const plans = new SeriesPlans();
  plans.reset(config.rules, [cpu, mem]);
  const hp = plans.host('web-host-1');
  const shop = plans.container(hp, 'web-2', 'shop');
  assert.deepEqual(shop.slots, [cpu, mem]);
  // No longer in the shop project: the memory rule no longer applies to it, the CPU one does.
  const plain = plans.container(hp, 'web-2', null);
  assert.deepEqual(plain.slots, [cpu]);
  plans.unslot(cpu);
  assert.equal(plain.slots, null, 'emptied: no slots at all (its samples are judged the quick way)');
});

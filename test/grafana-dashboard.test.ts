// packaging/grafana-dashboard.json: a dashboard Grafana can import, and every metric it queries
// is a name Berth sends (the catalogue's generated names, the _info series, Berth's own health),
// so a renamed metric breaks this test rather than a user's dashboard. test/scale-out.test.ts
// runs its queries on a real Prometheus.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { catalogueNames } from '../protocol/prometheus.ts';
import { SELF_METRICS } from '../server/prometheus/health.ts';
import { DASHBOARD, dashboardQueries, type Panel } from './support/dashboard.ts';

test('the dashboard is importable Grafana JSON', () => {
  const d = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as {
    uid: string;
    title: string;
    schemaVersion: number;
    panels: Panel[];
    templating: { list: { name: string; type: string }[] };
  };
  assert.match(d.uid, /^[a-zA-Z0-9_-]{1,40}$/);
  assert.ok(d.title);
  assert.equal(typeof d.schemaVersion, 'number');
  assert.deepEqual(
    d.templating.list.map((v) => [v.name, v.type]),
    [
      ['datasource', 'datasource'],
      ['host', 'query'],
    ],
  );
  const ids = d.panels.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  for (const p of d.panels) {
    const g = p.gridPos;
    assert.ok(g.x >= 0 && g.w > 0 && g.x + g.w <= 24 && g.h > 0 && g.y >= 0, `${p.title}: gridPos within 24 columns`);
    if (p.type !== 'row') assert.ok(p.targets?.length, `${p.title}: has a query`);
  }
});

test('every metric the dashboard queries is one Berth sends', () => {
  const known = new Set<string>(catalogueNames());
  for (const m of Object.values(SELF_METRICS)) {
    known.add(m.name);
    if (m.type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) known.add(m.name + s);
  }
  const used = new Set<string>();
  for (const { title, expr } of dashboardQueries()) {
    const names = expr.match(/\b(?:berth|process)_[a-zA-Z0-9_]+/g) ?? [];
    assert.ok(names.length > 0, `${title}: queries a Berth metric`);
    for (const n of names) {
      assert.ok(known.has(n), `${title}: ${n} is not a name Berth sends`);
      used.add(n);
    }
  }
  // The variable's query too.
  assert.ok(known.has('berth_agent_info'));
  assert.ok(used.size >= 20, `${used.size} names used`);
});

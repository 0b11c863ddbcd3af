import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CatalogSeries } from '../api.ts';
import { MAX_PLUGIN_SERIES, pluginSeries, pluginSpecs } from './plugin-charts.ts';
import { seriesColumnKey as columnKey } from '../../protocol/series-key.ts';

const cat = (
  name: string,
  labels: Record<string, string>,
  unit: string | null = null,
  title: string | null = null,
): CatalogSeries => ({ name, labels, unit, title, first_seen: 0, last_seen: 1 });

test('plugin series are fetched by name (bad-line counts apart), at most a fixed number', () => {
  const many = Array.from({ length: MAX_PLUGIN_SERIES + 3 }, (_, i) =>
    cat(`p.m${String(i).padStart(3, '0')}`, { plugin: 'p' }),
  );
  const r = pluginSeries([
    ...many,
    cat('plugin_bad_lines', { plugin: 'p' }),
    cat('arp_entries_total', {}),
    cat('x.y', { plugin: 'p', container: 'c' }),
  ]);
  assert.equal(r.names.length, MAX_PLUGIN_SERIES + 1);
  assert.equal(r.names.at(-1), 'plugin_bad_lines');
  assert.equal(r.left, 3);
  assert.ok(!r.names.includes('arp_entries_total') && !r.names.includes('x.y'));
});

test('one chart per plugin graph and unit, titled by the graph, lines by the meta labels', () => {
  const catalog = [
    cat('memcached.conn.curr', { plugin: 'mc' }, 'count', 'Current'),
    cat('memcached.conn.total', { plugin: 'mc' }, 'count', null),
    cat('memcached.mem.bytes', { plugin: 'mc' }, 'bytes', 'Used'),
    cat('weird', { plugin: 'w' }, 'furlongs', null),
    cat('plugin_bad_lines', { plugin: 'mc' }, 'count'),
  ];
  const labels = Object.fromEntries(catalog.map((s) => [columnKey(s.name, s.labels), s.labels]));
  const cols = Object.fromEntries(
    catalog.map((s) => [columnKey(s.name, s.labels), s.name === 'plugin_bad_lines' ? [0, 3] : [1, 2]]),
  );
  const { specs, notes } = pluginSpecs(catalog, { cols, labels }, 0, false);
  assert.deepEqual(
    specs.map((s) => [s.id, s.title, s.unit]),
    [
      ['plugin:mc:memcached.conn:count', 'memcached.conn', 'count'],
      ['plugin:mc:memcached.mem:bytes', 'memcached.mem', 'bytes'],
      ['plugin:w:weird:furlongs', 'weird', 'count'],
    ],
  );
  assert.deepEqual(
    specs[0].lines.map((l) => l.label),
    ['Current', 'total'],
    'the meta label, else the last part of the name',
  );
  assert.equal(
    specs[2].note,
    'plugin w · unit furlongs',
    'a unit the page does not know is named, values drawn as plain numbers',
  );
  assert.deepEqual(notes, ['Plugin "mc": 3 lines of its last run were not name<TAB>value<TAB>epoch (ignored).']);
});

test('lines of one graph that read alike (same metric, other labels) are told apart and toggled one by one', () => {
  const catalog = [1, 2, 3].map((i) => cat('custom.big.m', { plugin: 'big', inst: `i${i}` }, 'count'));
  const labels = Object.fromEntries(catalog.map((s) => [columnKey(s.name, s.labels), s.labels]));
  const cols = Object.fromEntries(catalog.map((s) => [columnKey(s.name, s.labels), [1, 2]]));
  const { specs } = pluginSpecs(catalog, { cols, labels }, 0, false);
  assert.equal(specs.length, 1);
  assert.deepEqual(
    specs[0].lines.map((l) => l.label),
    ['m (inst=i1)', 'm (inst=i2)', 'm (inst=i3)'],
  );
  const keys = specs[0].lines.map((l) => l.group ?? l.label);
  assert.equal(new Set(keys).size, 3, 'each line has a toggle of its own');
});

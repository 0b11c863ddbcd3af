// The Prometheus names come from the catalogue by one rule: the names the issue and the
// README promise, Prometheus' data model and naming conventions, one name per metric.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTAINER_METRICS, HOST_METRICS, SERIES_METRICS } from './metrics.ts';
import {
  PROM_CONTAINER,
  PROM_HOST,
  PROM_INFO,
  PROM_LABEL_NAME_RE,
  PROM_METRICS,
  PROM_METRIC_NAME_RE,
  PROM_SERIES,
  UNIT_SUFFIX,
  catalogueNames,
  containerLabels,
  sanitizeLabelName,
  sanitizeMetricPart,
  seriesLabels,
  seriesPromName,
  spellOut,
} from './prometheus.ts';

test('the names users are promised', () => {
  assert.equal(PROM_CONTAINER.get('cpu_pct')?.prom, 'berth_container_cpu_percent');
  assert.equal(PROM_HOST.get('mem_used_bytes')?.prom, 'berth_host_memory_used_bytes');
  assert.equal(PROM_HOST.get('net_rx_bps')?.prom, 'berth_host_network_receive_bytes_per_second');
  assert.equal(PROM_HOST.get('uptime_seconds')?.prom, 'berth_host_uptime_seconds');
  assert.equal(PROM_HOST.get('load1')?.prom, 'berth_host_load1');
  assert.equal(PROM_CONTAINER.get('pids')?.prom, 'berth_container_pids');
  // A labelled series is not its entity's total: a name of its own, with its labels.
  assert.equal(PROM_SERIES.get('net_rx_bps')?.prom, 'berth_network_receive_bytes_per_second');
  assert.deepEqual(PROM_SERIES.get('fs_used_bytes')?.labels, ['mount', 'device', 'fstype']);
  assert.deepEqual(PROM_SERIES.get('ipvs_conns_per_s')?.labels, ['cpu']);
});

test('spellOut: abbreviations spelt out, the unit last, no _total on a gauge', () => {
  const cases: [string, Parameters<typeof spellOut>[1], string][] = [
    ['mem_used_bytes', 'bytes', 'memory_used_bytes'],
    ['cpu_pct', 'pct', 'cpu_percent'],
    ['disk_busy', 'pct', 'disk_busy_percent'],
    ['net_rx_bps', 'bytes_per_s', 'network_receive_bytes_per_second'],
    ['net_tx_pps', 'per_s', 'network_transmit_packets_per_second'],
    ['disk_read_iops', 'per_s', 'disk_read_operations_per_second'],
    ['ipvs_conns_per_s', 'per_s', 'ipvs_connections_per_second'],
    ['ipvs_rs_weight', 'count', 'ipvs_real_server_weight'],
    ['arp_entries_total', 'count', 'arp_entries_all'],
    ['uptime', 'seconds', 'uptime_seconds'],
    ['bytes', 'bytes', 'bytes'],
    ['queue', 'bytes', 'queue_bytes'],
    ['total_requests', 'count', 'total_requests'],
  ];
  for (const [name, unit, want] of cases) assert.equal(spellOut(name, unit), want, name);
});

test('every catalogue metric has one valid, unique name ending in its unit', () => {
  assert.equal(PROM_METRICS.length, HOST_METRICS.length + CONTAINER_METRICS.length + SERIES_METRICS.length);
  const names = catalogueNames();
  assert.equal(new Set(names).size, names.length, 'no two metrics share a name');
  for (const m of PROM_METRICS) {
    assert.match(m.prom, PROM_METRIC_NAME_RE);
    assert.ok(m.prom.startsWith('berth_'), m.prom);
    assert.ok(!m.prom.endsWith('_total'), `${m.prom}: _total is for counters`);
    const suffix = UNIT_SUFFIX[m.unit];
    if (suffix) assert.ok(m.prom.endsWith(`_${suffix}`), `${m.prom} ends in _${suffix}`);
    for (const l of m.labels) assert.match(l, PROM_LABEL_NAME_RE);
  }
  for (const i of Object.values(PROM_INFO)) for (const l of i.labels) assert.match(l, PROM_LABEL_NAME_RE);
});

test('series outside the catalogue are berth_custom_, sanitised', () => {
  assert.equal(seriesPromName('fs_used_pct'), 'berth_filesystem_used_percent');
  assert.equal(seriesPromName('custom.mysql.connections-max'), 'berth_custom_custom_mysql_connections_max');
  assert.equal(seriesPromName('a:b'), 'berth_custom_a:b');
  assert.match(seriesPromName('ü.x'), PROM_METRIC_NAME_RE);
  assert.equal(sanitizeMetricPart('a-b.c'), 'a_b_c');
});

test('label names: sanitised to the data model, never a reserved __ name', () => {
  const cases: [string, string][] = [
    ['iface', 'iface'],
    ['real-server', 'real_server'],
    ['com.docker.x', 'com_docker_x'],
    ['1st', '_1st'],
    ['', '_'],
    ['__name__', 'label__name__'],
    ['_x', '_x'],
    ['ä', '_'],
  ];
  for (const [given, want] of cases) {
    assert.equal(sanitizeLabelName(given), want, given);
    assert.match(sanitizeLabelName(given), PROM_LABEL_NAME_RE);
  }
});

test('seriesLabels: sorted, host and container Berth own, clashes renamed, empties left out', () => {
  assert.deepEqual(seriesLabels('web-1', { iface: 'eth0' }, undefined), [
    ['host', 'web-1'],
    ['iface', 'eth0'],
  ]);
  assert.deepEqual(seriesLabels('h', { host: 'other', 'a.b': '1', a_b: '2', empty: '' }, 'c1'), [
    ['a_b', '1'],
    ['a_b_', '2'],
    ['container', 'c1'],
    ['exported_host', 'other'],
    ['host', 'h'],
  ]);
  // A series the server keeps with its container among its labels says it once.
  assert.deepEqual(seriesLabels('h', { container: 'c1' }, 'c1'), [
    ['container', 'c1'],
    ['host', 'h'],
  ]);
  assert.deepEqual(seriesLabels('h', { __name__: 'x' }, undefined), [
    ['host', 'h'],
    ['label__name__', 'x'],
  ]);
});

test('containerLabels: the five, sorted, without the empty ones', () => {
  assert.deepEqual(
    containerLabels('h', { name: 'web', image: 'nginx:1', compose_project: 'shop', compose_service: 'front' }),
    [
      ['compose_project', 'shop'],
      ['compose_service', 'front'],
      ['container', 'web'],
      ['host', 'h'],
      ['image', 'nginx:1'],
    ],
  );
  assert.deepEqual(containerLabels('h', { name: 'solo', image: null, compose_project: '' }), [
    ['container', 'solo'],
    ['host', 'h'],
  ]);
});

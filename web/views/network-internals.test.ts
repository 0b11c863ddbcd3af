import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CatalogSeries } from '../api.ts';
import { MAX_REAL_SERVERS, networkSeries, networkSpecs, type ExtraData } from './network-internals.ts';
import { seriesColumnKey as key } from '../../protocol/series-key.ts';

const COLORS = ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'c8'];
const cat = (name: string, labels: Record<string, string> = {}): CatalogSeries => ({
  name,
  labels,
  unit: 'count',
  title: null,
  first_seen: 0,
  last_seen: 1,
});

function rs(service: string, realServer: string, method: string, active: number, scheduler = 'wlc'): ExtraData {
  const labels = { service, scheduler, real_server: realServer, method };
  // Keyed as the series API keys them.
  const a = key('ipvs_rs_active_conns', labels);
  const i = key('ipvs_rs_inactive_conns', labels);
  return { cols: { [a]: [active], [i]: [1] }, labels: { [a]: labels, [i]: labels } };
}

function merge(...parts: ExtraData[]): ExtraData {
  return {
    cols: Object.assign({}, ...parts.map((p) => p.cols)),
    labels: Object.assign({}, ...parts.map((p) => p.labels)),
  };
}

test('only what the catalogue lists is fetched; ARP needs the total, not just per-device counts', () => {
  assert.deepEqual(networkSeries([]), []);
  assert.deepEqual(networkSeries([cat('arp_entries', { dev: 'eth0' }), cat('net_rx_bps', { iface: 'eth0' })]), []);
  assert.deepEqual(networkSeries([cat('arp_gc_thresh3'), cat('arp_entries_total')]), [
    'arp_entries_total',
    'arp_gc_thresh3',
  ]);
  assert.deepEqual(
    networkSeries([
      cat('ipvs_rs_active_conns', { service: 'TCP 10.0.0.1:80' }),
      cat('ipvs_rs_inactive_conns'),
      cat('ipvs_in_bps'),
    ]),
    ['ipvs_rs_active_conns', 'ipvs_rs_inactive_conns', 'ipvs_in_bps'],
  );
});

test('one stacked chart per service: active above the axis, inactive below, a real server toggles both', () => {
  const data = merge(
    rs('TCP 10.0.0.1:80', '10.0.1.12:80', 'Masq', 5),
    rs('TCP 10.0.0.1:80', '10.0.1.2:80', 'Masq', 7),
    rs('FWM 1', '10.0.2.1:0', 'Route', 3),
  );
  const { specs, notes } = networkSpecs(data, COLORS, false);
  assert.deepEqual(notes, []);
  assert.deepEqual(
    specs.map((s) => s.id),
    ['ipvs:FWM 1', 'ipvs:TCP 10.0.0.1:80'],
  );
  const tcp = specs[1];
  assert.deepEqual(
    tcp.lines.map((l) => l.label),
    ['10.0.1.2:80 active', '10.0.1.2:80 inactive', '10.0.1.12:80 active', '10.0.1.12:80 inactive'],
    'addresses in numeric order',
  );
  assert.deepEqual(
    tcp.lines.map((l) => l.name),
    ['10.0.1.2:80', '10.0.1.2:80', '10.0.1.12:80', '10.0.1.12:80'],
    'the address is the part set apart',
  );
  assert.deepEqual(
    tcp.lines.map((l) => [l.stack, !!l.mirror, l.group]),
    [
      ['active', false, '10.0.1.2:80'],
      ['inactive', true, '10.0.1.2:80'],
      ['active', false, '10.0.1.12:80'],
      ['inactive', true, '10.0.1.12:80'],
    ],
  );
  assert.match(tcp.note!, /^wlc · Masq · 2 real servers · /);
});

test('mixed forwarding methods are named per real server; a big pool keeps its busiest', () => {
  const mixed = networkSpecs(
    merge(rs('TCP 10.0.0.1:80', '10.0.1.1:80', 'Masq', 1), rs('TCP 10.0.0.1:80', '10.0.1.2:80', 'Route', 1)),
    COLORS,
    false,
  ).specs[0];
  assert.deepEqual(
    mixed.lines.filter((l) => l.stack === 'active').map((l) => l.group),
    ['10.0.1.1:80 Masq', '10.0.1.2:80 Route'],
  );
  const many = merge(
    ...Array.from({ length: MAX_REAL_SERVERS + 4 }, (_, i) => rs('TCP 10.0.0.1:80', `10.0.1.${i + 1}:80`, 'Masq', i)),
  );
  const big = networkSpecs(many, COLORS, false).specs[0];
  assert.equal(big.lines.length, 2 * MAX_REAL_SERVERS);
  assert.ok(!big.lines.some((l) => l.group === '10.0.1.1:80'), 'the idlest real server is left out');
  assert.match(big.note!, new RegExp(`busiest ${MAX_REAL_SERVERS} of ${MAX_REAL_SERVERS + 4} real servers`));
});

test('the ARP chart names its limit and the share of it in use', () => {
  const { specs } = networkSpecs(
    {
      cols: {
        [key('arp_entries_total', {})]: [100, 256, null],
        [key('arp_gc_thresh3', {})]: [1024, 1024, null],
        [key('arp_incomplete_total', {})]: [0, 2, null],
      },
      labels: {},
    },
    COLORS,
    false,
  );
  assert.deepEqual(
    specs.map((s) => s.id),
    ['arp'],
  );
  assert.equal(specs[0].note, 'limit gc_thresh3 = 1024, 25.0 % of it in use');
  assert.equal(
    networkSpecs({ cols: { [key('arp_entries_total', {})]: [3] }, labels: {} }, COLORS, false).specs[0].note,
    'no gc_thresh3 reported',
  );
});

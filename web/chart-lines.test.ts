import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONTAINER_CHARTS, HOST_CHARTS, type ChartDef } from '../protocol/metrics.ts';
import { chartSpec, lineSpec } from './chart-lines.ts';

const COLORS = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'];
const chart = (id: string, charts: readonly ChartDef[] = HOST_CHARTS) => charts.find((c) => c.id === id)!;

test('a line is drawn as its role says: main bold, a limit thin and dashed, the outgoing half below the axis', () => {
  const mem = chart('mem');
  const [used, cache, swap, total] = mem.lines.map((l) => lineSpec(mem, l, COLORS));
  assert.deepEqual(used, {
    key: 'mem_used_bytes',
    label: 'used',
    color: 'c0',
    band: { min: 'mem_used_bytes_min', max: 'mem_used_bytes_max' },
    width: 2,
  });
  assert.deepEqual(cache, { key: 'mem_cached_bytes', label: 'page cache', color: 'c1' });
  assert.equal(swap.color, 'c3');
  assert.deepEqual(total, { key: 'mem_total_bytes', label: 'total', color: 'c7', dash: [6, 4], width: 1 });
  const net = chart('net');
  const out = lineSpec(net, net.lines[1], COLORS);
  assert.equal(out.mirror, true);
  assert.deepEqual(out.dash, [4, 2]);
});

test('network rates stored in bytes/s are scaled to the bits/s their charts show; disk rates are not', () => {
  const net = chart('net');
  const disk = chart('disk');
  assert.equal(lineSpec(net, net.lines[0], COLORS).scale, 8);
  assert.equal(lineSpec(disk, disk.lines[0], COLORS).scale, undefined);
  const cnet = chart('net', CONTAINER_CHARTS);
  assert.equal(lineSpec(cnet, cnet.lines[1], COLORS).scale, 8);
});

test('a line read from another column (one interface) keeps its stroke, with its band from that column', () => {
  const net = chart('net');
  const key = 'net_tx_bps{iface=eth0}';
  const l = lineSpec(net, net.lines[1], COLORS, { key, label: 'eth0 out', name: 'eth0', color: 'c5' });
  assert.deepEqual(l, {
    key,
    label: 'eth0 out',
    name: 'eth0',
    color: 'c5',
    scale: 8,
    band: { min: `${key}_min`, max: `${key}_max` },
    mirror: true,
    dash: [4, 2],
  });
});

test('a chart keeps its id, title, unit, note and fixed top; no note is no note', () => {
  const fs = chartSpec(chart('fs'), []);
  assert.deepEqual(fs, {
    id: 'fs',
    title: 'File systems',
    unit: 'pct',
    readout: 'all',
    lines: [],
    note: 'used',
    yMax: 100,
  });
  assert.equal('note' in chartSpec(chart('load'), []), false);
});

test('every chart line names a palette place, and a chart toggles its lines by distinct labels', () => {
  for (const c of [...HOST_CHARTS, ...CONTAINER_CHARTS]) {
    for (const l of c.lines) assert.ok(Number.isInteger(l.color) && l.color >= 0 && l.color < 8, `${c.id} ${l.label}`);
    assert.equal(new Set(c.lines.map((l) => l.label)).size, c.lines.length, `${c.id}: labels are the URL's toggles`);
  }
});

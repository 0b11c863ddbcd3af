// A batch as a remote-write WriteRequest: names and labels from the catalogue rule, samples in
// time order in milliseconds, nulls left out, a time given twice sent once, the _info series
// beside them; the bytes are exactly what protobufjs' reflection encodes for the same series,
// and protobuf's wire format written out by hand for the smallest request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ColumnBatch } from '../../protocol/batch.ts';
import { BatchEncoder, timeOrder } from './encode-batch.ts';
import { compress, decodeWriteRequest, encodeWriteRequest, uncompress, type TimeSeries } from './remote-write.ts';

const batch: ColumnBatch = {
  v: 2,
  batch_id: 'batch-0001',
  agent: { host: 'web-1', machine_id: 'm1', version: '0.1.0', interval: 10 },
  host: {
    ts: [1_700_000_000, 1_700_000_010],
    metrics: { cpu_pct: [12.5, null], mem_used_bytes: [1e9, 1.1e9], 'custom.x': [null, 3] },
  },
  containers: [
    {
      id: 'abc123',
      name: 'shop-db-1',
      image: 'postgres:16',
      state: 'running',
      compose_project: 'shop',
      compose_service: 'db',
      ts: [1_700_000_010, 1_700_000_000, 1_700_000_010],
      metrics: { cpu_pct: [4, 3, 99], pids: [null, null, null] },
    },
  ],
  series: [
    { name: 'net_rx_bps', labels: { iface: 'eth0' }, ts: [1_700_000_000], values: [-0.5] },
    {
      name: 'my.plugin',
      labels: { 'x-y': 'z', host: 'spoof' },
      container: 'shop-db-1',
      ts: [1_700_000_000],
      values: [7],
    },
  ],
};

const decoded = (b: ColumnBatch) => decodeWriteRequest(new BatchEncoder().encode(b).bytes).timeseries;
const find = (all: TimeSeries[], name: string) =>
  all.filter((s) => s.labels.some((l) => l.name === '__name__' && l.value === name));
const labelsOf = (s: TimeSeries) => Object.fromEntries(s.labels.map((l) => [l.name, l.value]));

test('one series per metric with the catalogue names and labels', () => {
  const all = decoded(batch);
  const cpu = find(all, 'berth_host_cpu_percent');
  assert.equal(cpu.length, 1);
  assert.deepEqual(labelsOf(cpu[0]), { __name__: 'berth_host_cpu_percent', host: 'web-1' });
  assert.deepEqual(cpu[0].samples, [{ value: 12.5, timestamp: 1_700_000_000_000 }]);
  assert.deepEqual(
    find(all, 'berth_host_memory_used_bytes')[0].samples.map((s) => s.value),
    [1e9, 1.1e9],
  );
  const ccpu = find(all, 'berth_container_cpu_percent')[0];
  assert.deepEqual(labelsOf(ccpu), {
    __name__: 'berth_container_cpu_percent',
    host: 'web-1',
    container: 'shop-db-1',
    image: 'postgres:16',
    compose_project: 'shop',
    compose_service: 'db',
  });
  // Sent out of order and one time twice: in order, the first value of the twice-given time.
  assert.deepEqual(
    ccpu.samples.map((s) => [s.timestamp, s.value]),
    [
      [1_700_000_000_000, 3],
      [1_700_000_010_000, 4],
    ],
  );
  // A column with no value at all is no series.
  assert.equal(find(all, 'berth_container_pids').length, 0);
  assert.deepEqual(find(all, 'berth_network_receive_bytes_per_second')[0].samples[0].value, -0.5);
  assert.deepEqual(labelsOf(find(all, 'berth_network_receive_bytes_per_second')[0]), {
    __name__: 'berth_network_receive_bytes_per_second',
    host: 'web-1',
    iface: 'eth0',
  });
  assert.deepEqual(labelsOf(find(all, 'berth_custom_my_plugin')[0]), {
    __name__: 'berth_custom_my_plugin',
    host: 'web-1',
    container: 'shop-db-1',
    exported_host: 'spoof',
    x_y: 'z',
  });
  assert.deepEqual(labelsOf(find(all, 'berth_custom_custom_x')[0]), {
    __name__: 'berth_custom_custom_x',
    host: 'web-1',
  });
  // Every series' labels sorted by name, as remote-write asks.
  for (const s of all) {
    const names = s.labels.map((l) => l.name);
    assert.deepEqual(names, [...names].sort(), names.join(','));
  }
});

test('the _info series carry the identity no sample has', () => {
  const all = decoded(batch);
  const agent = find(all, 'berth_agent_info')[0];
  assert.deepEqual(labelsOf(agent), {
    __name__: 'berth_agent_info',
    host: 'web-1',
    machine_id: 'm1',
    version: '0.1.0',
  });
  assert.deepEqual(
    agent.samples.map((s) => s.value),
    [1, 1],
  );
  assert.deepEqual(
    find(all, 'berth_agent_interval_seconds')[0].samples.map((s) => s.value),
    [10, 10],
  );
  const info = find(all, 'berth_container_info')[0];
  assert.equal(labelsOf(info).container_id, 'abc123');
  assert.equal(labelsOf(info).state, 'running');
  const { samples } = new BatchEncoder().encode(batch);
  assert.equal(samples, 2 + 2 + 1 + 2 + 1 + 2 + 2 + 1 + 1);
});

test('the bytes are what protobufjs encodes for the same series', () => {
  const enc = new BatchEncoder();
  // Twice: the second time from the encoder's kept labels.
  for (let i = 0; i < 2; i++) {
    const { bytes } = enc.encode(batch);
    assert.deepEqual([...bytes], [...encodeWriteRequest(decodeWriteRequest(bytes).timeseries)]);
  }
});

test('the smallest request, in protobuf wire format written out by hand', () => {
  const series: TimeSeries[] = [
    { labels: [{ name: '__name__', value: 'a' }], samples: [{ value: 1, timestamp: 1000 }] },
  ];
  const label = [0x0a, 8, ...Buffer.from('__name__'), 0x12, 1, 0x61];
  // value: field 1, fixed64 double 1.0; timestamp: field 2, varint 1000 = e8 07.
  const sample = [0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0x10, 0xe8, 0x07];
  const ts = [0x0a, label.length, ...label, 0x12, sample.length, ...sample];
  assert.deepEqual([...encodeWriteRequest(series)], [0x0a, ts.length, ...ts]);
});

test('timeOrder: as given when it grows, else oldest first with each time once', () => {
  const cases: [number[], number[] | undefined][] = [
    [[], undefined],
    [[1], undefined],
    [[1, 2, 3], undefined],
    [
      [3, 1, 2],
      [1, 2, 0],
    ],
    [
      [2, 1, 2],
      [1, 0],
    ],
    [[5, 5], [0]],
  ];
  for (const [ts, want] of cases) assert.deepEqual(timeOrder(ts), want, JSON.stringify(ts));
});

test('two requests one after the other read as one holding both; snappy round trip', () => {
  const enc = new BatchEncoder();
  const a = enc.encode(batch).bytes;
  const b = enc.encode({ ...batch, agent: { host: 'web-2' } }).bytes;
  const joined = decodeWriteRequest(Buffer.concat([a, b])).timeseries;
  assert.deepEqual(joined, [...decodeWriteRequest(a).timeseries, ...decodeWriteRequest(b).timeseries]);
  assert.ok(joined.some((s) => labelsOf(s).host === 'web-2'));
  assert.deepEqual([...uncompress(compress(a))], [...a]);
});

// The forwarding thread on real files and a real HTTP receiver: batches queued while the
// receiver refuses survive a restart of the forwarder (as of the server) and arrive, in
// order, once it takes them; a batch is sent once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startForwarder } from './forwarder.ts';
import { parseRemoteUrl } from '../remote-url.ts';
import { decodeWriteRequest, uncompress } from '../prometheus/remote-write.ts';
import { memoryLogger } from '../../lib/log.ts';
import type { ColumnBatch } from '../../protocol/batch.ts';
import { tempDir } from '../../test/support/temp.ts';
import { eventually } from '../../test/support/processes.ts';

const batch = (i: number): ColumnBatch => ({
  v: 2,
  batch_id: `fwd-test-${i}`,
  agent: { host: 'fwd-host', interval: 10 },
  host: { ts: [1_790_000_000 + i * 10], metrics: { cpu_pct: [i] } },
  containers: [],
  series: [],
});

test(
  'queued batches survive a restart and arrive in order once the receiver takes them',
  { timeout: 60_000 },
  async (t) => {
    let accept = false;
    const seen: number[] = [];
    const headers: http.IncomingHttpHeaders[] = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        headers.push(req.headers);
        if (!accept) return res.writeHead(503).end('not now');
        for (const s of decodeWriteRequest(uncompress(Buffer.concat(chunks))).timeseries)
          if (s.labels.some((l) => l.name === '__name__' && l.value === 'berth_host_cpu_percent'))
            for (const x of s.samples) seen.push(x.value);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    t.after(() => receiver.close());
    const url = `http://user:pw@127.0.0.1:${(receiver.address() as AddressInfo).port}/api/v1/write`;
    const dir = tempDir();
    const log = memoryLogger();
    const options = { targets: [parseRemoteUrl(url)], dir, maxBytes: 1 << 20, log };

    const first = startForwarder(options);
    await first.ready;
    for (let i = 0; i < 5; i++) first.enqueue(batch(i));
    await eventually(async () => (first.stats()[0].failedRequests > 0 ? true : undefined), 10_000, 'a refused try');
    const before = first.stats()[0];
    assert.equal(before.queueRecords, 5);
    assert.equal(before.sentSamples, 0);
    await first.close();

    accept = true;
    const second = startForwarder(options);
    t.after(() => second.close());
    await second.ready;
    second.enqueue(batch(5));
    await eventually(async () => (seen.length >= 6 ? true : undefined), 20_000, 'every batch at the receiver');
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
    await eventually(async () => (second.stats()[0].queueRecords === 0 ? true : undefined), 5_000, 'an empty queue');
    const h = headers.at(-1)!;
    assert.equal(h['content-type'], 'application/x-protobuf');
    assert.equal(h['content-encoding'], 'snappy');
    assert.equal(h['x-prometheus-remote-write-version'], '0.1.0');
    assert.equal(h.authorization, `Basic ${Buffer.from('user:pw').toString('base64')}`);
    assert.match(log.lines.join('\n'), /5 batches \(\d+ samples\) queued before the restart go first/);
    assert.doesNotMatch(log.lines.join('\n'), /pw@|user:pw/);
  },
);

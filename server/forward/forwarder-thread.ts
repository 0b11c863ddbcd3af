// The forwarding thread (see forwarder.ts): turns each stored batch into a remote-write
// request (prometheus/timeseries.ts, remote-write.ts), appends it to every target's queue on
// disk, and runs one sender per target. Off the server thread: encoding, compressing and
// sending never hold up ingest, and a slow or absent receiver only grows its queue.
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ColumnBatch } from '../../protocol/batch.ts';
import { batchToTimeSeries, sampleCount } from '../prometheus/timeseries.ts';
import { compress, encodeWriteRequest, REMOTE_WRITE_HEADERS } from '../prometheus/remote-write.ts';
import { throttle } from '../log-throttle.ts';
import { DiskQueue } from './queue.ts';
import { Sender } from './sender.ts';
import type { ForwardStats } from './stats.ts';
import type { RemoteUrl } from '../remote-url.ts';

export interface ForwarderData {
  targets: RemoteUrl[];
  dir: string;
  maxBytes: number;
  userAgent: string;
}

const { targets, dir, maxBytes, userAgent } = workerData as ForwarderData;
const port = parentPort!;
const log = (level: 'info' | 'warn' | 'error', message: string) => port.postMessage({ log: { level, message } });
const REQUEST_TIMEOUT_MS = 30_000;

const lanes = targets.map((t) => {
  const queue = new DiskQueue(path.join(dir, t.id), { maxBytes });
  const r = queue.report;
  if (r.records)
    log(
      'info',
      `remote-write ${t.display}: ${r.records} batches (${queue.size.samples} samples) queued before the restart go first`,
    );
  if (r.truncated || r.skipped)
    log(
      'warn',
      `remote-write ${t.display}: ${r.truncated + r.skipped} bytes of a damaged queue record cut off (${queue.dir})`,
    );
  const sender = new Sender({
    queue,
    target: t.display,
    async post(body, signal) {
      const res = await fetch(t.url, {
        method: 'POST',
        body: body as Uint8Array<ArrayBuffer>,
        headers: { ...REMOTE_WRITE_HEADERS, 'user-agent': userAgent, ...t.headers },
        signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_TIMEOUT_MS)]),
      });
      // Read to the end, so the connection is kept for the next request.
      await res.arrayBuffer().catch(() => undefined);
      return { status: res.status, retryAfter: res.headers.get('retry-after') };
    },
    sleep: (ms, signal) => sleep(ms, undefined, { signal }),
    random: Math.random,
    nowMs: Date.now,
    log,
  });
  void sender.start();
  return { t, queue, sender, droppedFull: 0, full: throttle() };
});

function stats(): ForwardStats[] {
  const now = Date.now();
  return lanes.map(({ t, queue, sender, droppedFull }) => {
    const size = queue.size;
    return {
      target: t.display,
      queueBytes: size.bytes,
      queueSamples: size.samples,
      queueRecords: size.records,
      lagSeconds: size.oldest === null ? 0 : Math.max(0, (now - size.oldest) / 1000),
      sentSamples: sender.sentSamples,
      sentRequests: sender.sentRequests,
      failedRequests: sender.failedRequests,
      droppedFull,
      droppedRejected: sender.droppedRejected,
      lastError: sender.lastError,
    };
  });
}

function enqueue(batch: ColumnBatch): void {
  const series = batchToTimeSeries(batch);
  if (series.length === 0) return;
  const payload = compress(encodeWriteRequest(series));
  const samples = sampleCount(series);
  for (const lane of lanes) {
    const dropped = lane.queue.append(payload, samples);
    if (dropped) {
      lane.droppedFull += dropped;
      const t = lane.full('full');
      if (t.write)
        log(
          'error',
          `remote-write ${lane.t.display}: queue full (${(maxBytes / 1048576).toFixed(0)} MB, --remote-write-queue-mb): dropped the oldest ${dropped} samples${t.more}`,
        );
    }
    lane.sender.wake();
  }
}

// What the server thread shows comes from here once a second; appended records are flushed
// to the disk as often.
const tick = setInterval(() => {
  for (const l of lanes) l.queue.sync();
  port.postMessage({ stats: stats() });
}, 1000);

port.on('message', (m: { batch: ColumnBatch } | { close: true }) => {
  if ('batch' in m) {
    try {
      enqueue(m.batch);
    } catch (e) {
      log('error', `remote-write: could not queue a batch: ${(e as Error).message}`);
    }
    return;
  }
  clearInterval(tick);
  void Promise.all(lanes.map((l) => l.sender.stop())).then(() => {
    for (const l of lanes) l.queue.close();
    port.postMessage({ stats: stats() });
    process.exit(0);
  });
});
port.postMessage({ ready: true, stats: stats() });

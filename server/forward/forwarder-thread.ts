// The forwarding thread (see forwarder.ts): turns each stored batch into a remote-write
// request (prometheus/timeseries.ts, remote-write.ts), appends it to every target's queue on
// disk, and runs one sender per target. Off the server thread: encoding, compressing and
// sending never hold up ingest, and a slow or absent receiver only grows its queue.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import https from 'node:https';
import { parentPort, workerData } from 'node:worker_threads';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ColumnBatch } from '../../protocol/batch.ts';
import { BatchEncoder } from '../prometheus/encode-batch.ts';
import { compress, REMOTE_WRITE_HEADERS } from '../prometheus/remote-write.ts';
import { throttle } from '../../lib/log-throttle.ts';
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
/** This thread's nice value: background work, it yields the cores to ingest and queries when they are short. */
const NICE = 10;

// On Linux a thread has its own priority (setpriority on its thread id): only this one is lowered.
try {
  const tid = Number(fs.readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0]);
  if (tid > 0) os.setPriority(tid, Math.max(os.getPriority(tid), NICE));
} catch {
  // Not Linux, or not allowed: it runs at the server's priority.
}

// node:http rather than fetch: it sends the body as it is (fetch copies it first), for less CPU a request.
const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/** One POST of a remote-write body; resolves with the status and Retry-After, rejects when no answer came. */
function post(t: RemoteUrl, body: Buffer, signal: AbortSignal): Promise<{ status: number; retryAfter: string | null }> {
  const u = new URL(t.url);
  const secure = u.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(
      u,
      {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        headers: { ...REMOTE_WRITE_HEADERS, 'user-agent': userAgent, ...t.headers, 'content-length': body.length },
        signal,
        timeout: REQUEST_TIMEOUT_MS,
      },
      (res) => {
        // Read to the end, so the connection is kept for the next request.
        res.resume();
        res.on('end', () => {
          const retryAfter = res.headers['retry-after'];
          resolve({ status: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : null });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(body);
  });
}

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
    post: (body, signal) => post(t, body, signal),
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

const encoder = new BatchEncoder();

function enqueue(batch: ColumnBatch): void {
  const { bytes, samples } = encoder.encode(batch);
  if (samples === 0) return;
  const payload = compress(bytes);
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
// What the first batch would otherwise compile (protobufjs' generated encoder), done before
// saying ready rather than on ingest's time.
encoder.encode({ v: 2, batch_id: 'warm-up-0', agent: { host: 'warm-up' }, containers: [], series: [] });
port.postMessage({ ready: true, stats: stats() });

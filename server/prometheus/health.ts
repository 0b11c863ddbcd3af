// Berth's own health as Prometheus metrics: what ingest took and refused (by outcome, in
// requests and rows), how long requests took, what waits for the writer. Counted in memory
// (Prometheus counters start again at a restart; rate() knows), at the writer's seam
// (observeWriter) and a timing middleware, without touching the ingest route: every refusal
// is already counted through writer.count(`ingest_rejected_<reason>`). The names are declared
// here once, with their help, for GET /metrics, the README and the dashboard's check.
import { batchRows } from '../../protocol/columns.ts';
import type { ColumnBatch } from '../../protocol/batch.ts';
import type { CommitItem } from '../ingest/commit.ts';
import { HostConflict, type StoreResult } from '../ingest/store-batch.ts';
import type { IngestWriter } from '../ingest/writer.ts';
import { histogramSamples, type Family, type FamilyType } from './exposition.ts';

export interface SelfMetric {
  readonly name: string;
  readonly type: FamilyType;
  readonly help: string;
  readonly labels: readonly string[];
}

const m = (name: string, type: FamilyType, labels: string[], help: string): SelfMetric => ({
  name,
  type,
  help,
  labels,
});

/** Every metric Berth reports about itself, by what it is about. */
export const SELF_METRICS = {
  requests: m(
    'berth_ingest_requests_total',
    'counter',
    ['outcome'],
    'Ingest requests by outcome: stored, duplicate (a resent batch), error, or the reason it was refused',
  ),
  rows: m(
    'berth_ingest_rows_total',
    'counter',
    ['outcome'],
    'Rows (an entity at one time) in ingested batches: stored, duplicate (already stored), failed',
  ),
  latency: m('berth_ingest_request_duration_seconds', 'histogram', [], 'Time from an ingest request to its answer'),
  writerQueue: m('berth_ingest_writer_queue_batches', 'gauge', [], 'Batches handed to the writer and not answered yet'),
  rollupLag: m(
    'berth_rollup_lag_seconds',
    'gauge',
    ['kind', 'tier'],
    'How far each rollup tier is behind now (now minus its watermark)',
  ),
  dbSize: m('berth_db_size_bytes', 'gauge', [], 'Size of the SQLite file'),
  walSize: m('berth_db_wal_size_bytes', 'gauge', [], 'Size of the SQLite write-ahead log'),
  hosts: m('berth_hosts', 'gauge', ['state'], 'Hosts by state: online (reported within two intervals) or offline'),
  hostOnline: m('berth_host_online', 'gauge', ['host'], '1 while the host reports within two intervals, else 0'),
  queueBytes: m(
    'berth_remote_write_queue_bytes',
    'gauge',
    ['target'],
    'Bytes waiting in the forwarding queue on disk for a remote-write target',
  ),
  queueSamples: m('berth_remote_write_queue_samples', 'gauge', ['target'], 'Samples waiting for a remote-write target'),
  lag: m(
    'berth_remote_write_lag_seconds',
    'gauge',
    ['target'],
    'Age of the oldest batch not yet accepted by a remote-write target (0 when none waits)',
  ),
  sent: m('berth_remote_write_sent_samples_total', 'counter', ['target'], 'Samples a remote-write target accepted'),
  sentRequests: m(
    'berth_remote_write_sent_requests_total',
    'counter',
    ['target'],
    'Requests a remote-write target accepted',
  ),
  failed: m(
    'berth_remote_write_failed_requests_total',
    'counter',
    ['target'],
    'Requests that failed and will be tried again (network, 5xx, 429)',
  ),
  dropped: m(
    'berth_remote_write_dropped_samples_total',
    'counter',
    ['target', 'reason'],
    'Samples given up: queue_full (past --remote-write-queue-mb, oldest first) or rejected (the target refused them with a 4xx)',
  ),
  cpu: m('process_cpu_seconds_total', 'counter', [], 'CPU time of the server process (user and system)'),
  rss: m('process_resident_memory_bytes', 'gauge', [], 'Resident memory of the server process'),
  start: m('process_start_time_seconds', 'gauge', [], 'When the server process started, in epoch seconds'),
} as const;

/** Request duration buckets, seconds: an ingest answers in milliseconds, a busy disk in seconds. */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class IngestHealth {
  readonly requests = new Map<string, number>();
  readonly rows = new Map<string, number>();
  private buckets = LATENCY_BUCKETS.map(() => 0);
  private sum = 0;
  private count = 0;
  writerQueue = 0;

  countRequest(outcome: string): void {
    this.requests.set(outcome, (this.requests.get(outcome) ?? 0) + 1);
  }

  countRows(outcome: string, n: number): void {
    if (n > 0) this.rows.set(outcome, (this.rows.get(outcome) ?? 0) + n);
  }

  observeSeconds(s: number): void {
    const i = LATENCY_BUCKETS.findIndex((b) => s <= b);
    if (i >= 0) this.buckets[i]++;
    this.sum += s;
    this.count++;
  }

  families(): Family[] {
    const byOutcome = (map: Map<string, number>) =>
      [...map].sort().map(([o, v]) => ({ labels: [['outcome', o]] as [string, string][], value: v }));
    const { requests, rows, latency, writerQueue } = SELF_METRICS;
    return [
      { name: requests.name, help: requests.help, type: requests.type, samples: byOutcome(this.requests) },
      { name: rows.name, help: rows.help, type: rows.type, samples: byOutcome(this.rows) },
      {
        name: latency.name,
        help: latency.help,
        type: latency.type,
        samples: histogramSamples([], LATENCY_BUCKETS, this.buckets, this.sum, this.count),
      },
      {
        name: writerQueue.name,
        help: writerQueue.help,
        type: writerQueue.type,
        samples: [{ labels: [], value: this.writerQueue }],
      },
    ];
  }
}

const REFUSED = 'ingest_rejected_';

/**
 * The writer as the routes see it, counting what passes through and telling `onStored` of
 * every batch that was stored (committed, not a resend), after its commit, without waiting
 * for it: what onStored does (forwarding, the newest values) never slows an answer.
 */
export function observeWriter(
  writer: IngestWriter,
  health: IngestHealth,
  onStored: (batch: ColumnBatch) => void,
  onError: (e: Error) => void,
): IngestWriter {
  return {
    ready: writer.ready,
    rollup: (now) => writer.rollup(now),
    retention: (retention, now) => writer.retention(retention, now),
    autocheckpoint: (pages) => writer.autocheckpoint(pages),
    close: () => writer.close(),
    async store(item: CommitItem): Promise<StoreResult> {
      health.writerQueue++;
      let result: StoreResult;
      try {
        result = await writer.store(item);
      } catch (e) {
        // A host-name conflict is refused by the route, which counts it through count().
        if (!(e instanceof HostConflict)) health.countRequest('error');
        health.countRows('failed', batchRows(item.batch));
        throw e;
      } finally {
        health.writerQueue--;
      }
      const all = batchRows(item.batch);
      const stored = result.hostRows + result.containerRows + result.seriesRows;
      health.countRequest(result.duplicate ? 'duplicate' : 'stored');
      health.countRows('stored', stored);
      health.countRows('duplicate', all - stored);
      if (!result.duplicate) {
        // Stored is stored: whatever befalls a follower, the agent hears that it was.
        try {
          onStored(item.batch);
        } catch (e) {
          onError(e as Error);
        }
      }
      return result;
    },
    count(name: string): void {
      if (name.startsWith(REFUSED)) health.countRequest(name.slice(REFUSED.length));
      writer.count(name);
    },
  };
}

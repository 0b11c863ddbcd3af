// An app with alerts on a fresh database, an injected clock (epoch seconds and timers) and a
// receiver that records what it was sent (or fails while `down`), for the evaluator's tests.
import fs from 'node:fs';
import path from 'node:path';
import { openDb, type Db } from '../../server/db/open.ts';
import { createApp } from '../../server/app.ts';
import { memoryLogger } from '../../lib/log.ts';
import { Alerts } from '../../server/alerts/service.ts';
import { DeliveryError } from '../../server/alerts/delivery.ts';
import type { AlertPayload, AlertsResponse } from '../../protocol/alerts.ts';
import type { ColumnBatch } from '../../protocol/batch.ts';
import { fakeClock, type FakeClock } from './fake-clock.ts';
import { testConfig, TEST_TOKEN } from './server.ts';
import { tempDir } from './temp.ts';

export interface Sent {
  receiver: string;
  payload: AlertPayload;
}

export interface AlertHarness {
  db: Db;
  alerts: Alerts;
  clock: FakeClock;
  /** Epoch seconds now. */
  now(): number;
  log: ReturnType<typeof memoryLogger>;
  sent: Sent[];
  /** While true the receiver answers every try with an HTTP 503. */
  down: { value: boolean };
  file: string;
  ingest(batch: { agent: ColumnBatch['agent'] } & Record<string, unknown>): Promise<void>;
  /** Posts a batch and returns the status, leaving it to be judged a turn later as in a server. */
  post(batch: { agent: ColumnBatch['agent'] } & Record<string, unknown>): Promise<number>;
  /** Moves time on by `s` seconds (timers run: passes, deliveries) and lets sends finish. */
  advance(s: number): Promise<void>;
  view(): Promise<AlertsResponse>;
  /** A second server on the same file (a restart): this one is closed first. */
  restart(): Promise<AlertHarness>;
  /** A second server on the file as a crash now would leave it (what is committed, nothing more). */
  crash(): Promise<AlertHarness>;
  close(): Promise<void>;
}

let seq = 0;

export async function alertHarness(rules: string, start = 1_790_000_000, dbPath?: string): Promise<AlertHarness> {
  const config = testConfig(dbPath ? { dbPath } : {});
  const file = path.join(path.dirname(config.dbPath), 'alerts.yaml');
  if (!dbPath) fs.writeFileSync(file, rules);
  const db = openDb(config.dbPath);
  const clock = fakeClock(0);
  const now = () => start + Math.floor(clock.now() / 1000);
  const log = memoryLogger();
  const sent: Sent[] = [];
  const down = { value: false };
  const alerts = new Alerts({
    sqlite: db.$client,
    file,
    publicUrl: () => 'http://berth.test',
    now,
    clock,
    log,
    send: async (r, p) => {
      await Promise.resolve();
      if (down.value) throw new DeliveryError('HTTP 503');
      sent.push({ receiver: r.name, payload: p });
    },
  });
  alerts.start();
  const app = createApp({ db, config, log, now, alerts });
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await alerts.delivery.settle();
      await new Promise((r) => setImmediate(r));
    }
  };
  const h: AlertHarness = {
    db,
    alerts,
    clock,
    now,
    log,
    sent,
    down,
    file,
    async post(b) {
      const res = await app.request('/api/v1/ingest', {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ v: 2, batch_id: `alerts-${process.pid}-${seq++}`, ...b }),
      });
      await res.arrayBuffer();
      return res.status;
    },
    async ingest(b) {
      const status = await h.post(b);
      if (status !== 200) throw new Error(`ingest: ${status}`);
      alerts.evaluator.drain();
      await settle();
    },
    async advance(s) {
      await clock.run(s * 1000, settle);
      await settle();
    },
    async view() {
      return (await (await app.request('/api/v1/alerts')).json()) as AlertsResponse;
    },
    async restart() {
      await h.close();
      const next = await alertHarness(rules, now(), config.dbPath);
      return next;
    },
    async crash() {
      // A copy of the file and its log as they are: whatever the first server would write on
      // its way out goes to the original, which the second never sees.
      const dir = tempDir();
      const copy = path.join(dir, path.basename(config.dbPath));
      for (const ext of ['', '-wal'])
        if (fs.existsSync(config.dbPath + ext)) fs.copyFileSync(config.dbPath + ext, copy + ext);
      fs.copyFileSync(file, path.join(dir, 'alerts.yaml'));
      await h.close();
      return alertHarness(rules, now(), copy);
    },
    async close() {
      await alerts.close();
      db.$client.close();
    },
  };
  return h;
}

/** The columns of one host's ticks: `values[i]` of `metric` at `t0 + i * step`. */
export function hostTicks(host: string, metric: string, t0: number, values: number[], step = 10) {
  const ts = values.map((_, i) => t0 + i * step);
  return { agent: { host, interval: step }, host: { ts, metrics: { [metric]: values } } };
}

/** One container's ticks. */
export function containerTicks(
  host: string,
  name: string,
  metric: string,
  t0: number,
  values: number[],
  step = 10,
  extra: { compose_project?: string } = {},
) {
  const ts = values.map((_, i) => t0 + i * step);
  return {
    agent: { host, interval: step },
    host: { ts, metrics: { cpu_pct: values.map(() => 1) } },
    containers: [{ id: `${name}-id`.padEnd(12, '0'), name, ts, metrics: { [metric]: values }, ...extra }],
  };
}

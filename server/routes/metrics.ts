// GET /metrics: Prometheus' text format (0.0.4). The newest value of every host, container
// and labelled series (from memory: prometheus/latest.ts), then Berth's own health: ingest by
// outcome and its latency, the writer's queue, rollup lag, DB and WAL size, hosts online and
// offline, forwarding queues. Behind a bearer token when --metrics-token is set (hashed at
// start, compared in constant time). Gzip when the scraper takes it (Prometheus does).
import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { bearer, hashToken } from '../auth.ts';
import { isOnline } from './hosts.ts';
import { EXPOSITION_CONTENT_TYPE, renderExposition, type ExpoSample, type Family } from '../prometheus/exposition.ts';
import { SELF_METRICS, type IngestHealth, type SelfMetric } from '../prometheus/health.ts';
import type { LatestValues } from '../prometheus/latest.ts';
import type { ForwardStats } from '../forward/stats.ts';
import type { AppDeps } from '../deps.ts';
import { statement } from '../db/statements.ts';

const gzip = promisify(zlib.gzip);
/** When this process started, epoch seconds. */
const STARTED = Math.round(Date.now() / 1000 - process.uptime());

export interface MetricsDeps {
  latest: LatestValues;
  health: IngestHealth;
  /** Each remote-write target's queue, when forwarding is on. */
  forwardStats?: () => ForwardStats[];
}

const family = (m: SelfMetric, samples: ExpoSample[]): Family => ({
  name: m.name,
  help: m.help,
  type: m.type,
  samples,
});

const fileSize = (file: string): number => {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
};

export function metricsRoute({ db, config, now }: AppDeps, deps: MetricsDeps): Hono {
  const sqlite = db.$client;
  const wanted = config.metricsToken ? Buffer.from(hashToken(config.metricsToken), 'hex') : undefined;
  const rollups = () =>
    statement(sqlite, "SELECT kind, tier, watermark FROM rollup_state WHERE kind <> 'retention' ORDER BY kind, tier");
  const hosts = () => statement(sqlite, 'SELECT name, interval_s, last_seen FROM hosts ORDER BY name');
  const app = new Hono();
  app.get('/', async (c) => {
    if (wanted) {
      const given = bearer(c.req.header('authorization'));
      const ok = given !== undefined && crypto.timingSafeEqual(Buffer.from(hashToken(given), 'hex'), wanted);
      if (!ok)
        throw new HTTPException(401, {
          message: given ? 'invalid metrics token' : 'missing bearer token (--metrics-token is set)',
        });
    }
    const t = now();
    const S = SELF_METRICS;
    const hostRows = hosts().all() as { name: string; interval_s: number; last_seen: number }[];
    const online = hostRows.map((h) => isOnline(t, h.last_seen, h.interval_s));
    const up = online.filter(Boolean).length;
    const lag = (rollups().all() as { kind: string; tier: string; watermark: number }[]).map((r): ExpoSample => ({
      labels: [
        ['kind', r.kind],
        ['tier', r.tier],
      ],
      value: Math.max(0, t - r.watermark),
    }));
    const forward = deps.forwardStats?.() ?? [];
    const perTarget = (pick: (s: ForwardStats) => number): ExpoSample[] =>
      forward.map((s) => ({ labels: [['target', s.target]], value: pick(s) }));
    const cpu = process.cpuUsage();
    const families: Family[] = [
      ...deps.latest.families(t),
      ...deps.health.families(),
      family(S.rollupLag, lag),
      family(S.dbSize, [{ labels: [], value: fileSize(sqlite.name) }]),
      family(S.walSize, [{ labels: [], value: fileSize(`${sqlite.name}-wal`) }]),
      family(S.hosts, [
        { labels: [['state', 'online']], value: up },
        { labels: [['state', 'offline']], value: hostRows.length - up },
      ]),
      family(
        S.hostOnline,
        hostRows.map((h, i) => ({ labels: [['host', h.name]], value: online[i] ? 1 : 0 })),
      ),
      family(
        S.queueBytes,
        perTarget((s) => s.queueBytes),
      ),
      family(
        S.queueSamples,
        perTarget((s) => s.queueSamples),
      ),
      family(
        S.lag,
        perTarget((s) => s.lagSeconds),
      ),
      family(
        S.sent,
        perTarget((s) => s.sentSamples),
      ),
      family(
        S.sentRequests,
        perTarget((s) => s.sentRequests),
      ),
      family(
        S.failed,
        perTarget((s) => s.failedRequests),
      ),
      family(
        S.dropped,
        forward.flatMap((s) => [
          {
            labels: [
              ['target', s.target],
              ['reason', 'queue_full'],
            ],
            value: s.droppedFull,
          },
          {
            labels: [
              ['target', s.target],
              ['reason', 'rejected'],
            ],
            value: s.droppedRejected,
          },
        ]),
      ),
      family(S.cpu, [{ labels: [], value: (cpu.user + cpu.system) / 1e6 }]),
      family(S.rss, [{ labels: [], value: process.memoryUsage.rss() }]),
      family(S.start, [{ labels: [], value: STARTED }]),
    ];
    const text = renderExposition(families);
    const headers: Record<string, string> = { 'content-type': EXPOSITION_CONTENT_TYPE, 'cache-control': 'no-store' };
    if (/\bgzip\b/.test(c.req.header('accept-encoding') ?? '') && text.length > 1024) {
      headers['content-encoding'] = 'gzip';
      headers.vary = 'accept-encoding';
      return c.body(new Uint8Array(await gzip(text)), 200, headers);
    }
    return c.body(text, 200, headers);
  });
  return app;
}

// Range-query latency: a database holding D days of H hosts × C containers at I seconds plus
// its rollups, generated (not waited for), then p50/p95 of GET /api/v1/series through real
// HTTP for 1 h, 24 h, 7 d and 30 d ending now, for hosts and containers, and the bytes on
// disk per container-day by tier.
// Raw rows are generated only for the raw retention window (--raw-days, default 7 as the
// server keeps them); older days get their 1 m rows directly (n, sums and min/max distances of
// six samples a minute, server/db/sample-layout.ts); runRollups then builds 1 m from raw, and
// 5 m and 1 h from 1 m, as the server does.
// Usage: npx tsx bench/query.ts [--days 30] [--hosts 5] [--containers 50] [--interval 10]
//          [--raw-days 7] [--requests 60] [--db FILE (kept; reused with the same flags)] [--keep 0|1]
//        quick run: npx tsx bench/query.ts --days 2 --hosts 2 --containers 10 --raw-days 1
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { quantize, rawValueColumns, rollupValueColumns, STORED } from '../server/db/sample-layout.ts';
import { openDb } from '../server/db/open.ts';
import { runRollups } from '../server/rollup/rollup.ts';
import { startServer } from '../server/server.ts';
import { loadServerConfig } from '../server/config.ts';
import { createLogger } from '../lib/log.ts';
import { containersOf, containerValues, flags, hostName, hostValues, noise, percentile } from './synthetic.ts';

const opt = flags({ days: 30, hosts: 5, containers: 50, interval: 10, 'raw-days': 7, requests: 60, db: '', keep: 0 });
const DAY = 86400;
const rawDays = Math.min(opt['raw-days'], opt.days);
const dir = opt.db ? path.dirname(path.resolve(opt.db)) : fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-query-'));
const file = opt.db ? path.resolve(opt.db) : path.join(dir, 'berth.db');
const reuse = fs.existsSync(file);
/** The newest sample: now for a new file; for a reused one (same flags), its hosts' newest. */
const T = reuse
  ? (openDb(file).$client.prepare('SELECT max(last_ts) FROM hosts').pluck().get() as number)
  : Math.floor(Date.now() / 1000 / opt.interval) * opt.interval;
const log = (s: string) => process.stdout.write(`${s}\n`);
const secs = (t0: number) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;
/** A progress line, rewritten in place on a terminal, one line each otherwise. */
const progress = (s: string) => process.stdout.write(process.stdout.isTTY ? `\r${s}` : `${s}\n`);
const done = (s: string) => process.stdout.write(process.stdout.isTTY ? `\r${s}\x1b[K\n` : `${s}\n`);

function generate(): void {
  const db = openDb(file);
  const sqlite = db.$client;
  const t0 = performance.now();
  const hostIds: number[] = [];
  const cids: number[][] = [];
  sqlite.transaction(() => {
    for (let h = 0; h < opt.hosts; h++) {
      hostIds.push(
        sqlite
          .prepare(
            'INSERT INTO hosts (name, machine_id, interval_s, first_seen, last_seen, last_ts) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
          )
          .pluck()
          .get(hostName(h), `machine-${h}`, opt.interval, T - opt.days * DAY, T, T) as number,
      );
      cids.push(
        containersOf(h, opt.containers).map(
          (c) =>
            sqlite
              .prepare(
                `INSERT INTO containers (host_id, name, container_id, image, state, compose_project, compose_service, first_seen, last_seen)
                        VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?) RETURNING id`,
              )
              .pluck()
              .get(hostIds[h], c.name, c.id, c.image, c.project, c.service, T - opt.days * DAY, T) as number,
        ),
      );
    }
  })();

  // Older days: 1 m rows straight away, as retention would have left them (no raw rows).
  const oldFrom = T - opt.days * DAY;
  const oldTo = T - rawDays * DAY;
  if (oldTo > oldFrom) {
    // The 1 m layout (server/db/sample-layout.ts): n, nulls, then per metric its sum and how
    // far min and max lie from the truncated mean, in stored units.
    const ph = (n: number) => Array(n).fill('?').join(', ');
    const hostCols = rollupValueColumns('host');
    const contCols = rollupValueColumns('container');
    const hostIns = sqlite.prepare(
      `INSERT INTO host_samples_1m (host_id, ts, ${hostCols.join(', ')}) VALUES (${ph(2 + hostCols.length)})`,
    );
    const contIns = sqlite.prepare(
      `INSERT INTO container_samples_1m (container_id, ts, ${contCols.join(', ')}) VALUES (${ph(2 + contCols.length)})`,
    );
    const perSample = opt.interval < 60 ? Math.floor(60 / opt.interval) : 1;
    const hostSteps = STORED.host.map((m) => m.step);
    const contSteps = STORED.container.map((m) => m.step);
    const minute = (avg: number[], steps: number[], entity: number, ts: number) => {
      const out: (number | null)[] = [perSample, null];
      for (let i = 0; i < avg.length; i++) {
        const a = avg[i];
        const mean = quantize(a, steps[i])!;
        const lo = Math.min(mean, quantize(a * (0.5 + 0.5 * noise(entity, 50 + i, ts)), steps[i])!);
        const hi = Math.max(mean, quantize(a * (1 + noise(entity, 80 + i, ts)), steps[i])!);
        out.push(mean * perSample, mean - lo, hi - mean);
      }
      return out;
    };
    const t1 = performance.now();
    let rows = 0;
    const minutes = (oldTo - Math.ceil(oldFrom / 60) * 60) / 60;
    for (let m = 0; m < minutes; m += 60) {
      sqlite.transaction(() => {
        for (let k = m; k < Math.min(m + 60, minutes); k++) {
          const ts = Math.ceil(oldFrom / 60) * 60 + k * 60;
          for (let h = 0; h < opt.hosts; h++) {
            hostIns.run(hostIds[h], ts, ...minute(hostValues(h, ts), hostSteps, h, ts));
            for (let c = 0; c < opt.containers; c++)
              contIns.run(cids[h][c], ts, ...minute(containerValues(h, c, ts), contSteps, h * 10_000 + c + 1, ts));
            rows += 1 + opt.containers;
          }
        }
      })();
      if (m % (60 * 24 * 2) === 0)
        progress(
          `  1 m rows for days ${opt.days}…${rawDays} ago: ${Math.round((m / minutes) * 100)} % (${rows.toLocaleString('en')} rows, ${secs(t1)})`,
        );
    }
    done(`  1 m rows for days ${opt.days}…${rawDays} ago: ${rows.toLocaleString('en')} rows in ${secs(t1)}`);
  }

  // The raw window, in time order as agents deliver it (every entity's range grows together).
  const ph = (n: number) => Array(n).fill('?').join(', ');
  const hostRaw = sqlite.prepare(
    `INSERT INTO host_samples (host_id, ts, ${rawValueColumns('host').join(', ')}) VALUES (${ph(2 + STORED.host.length)})`,
  );
  const contRaw = sqlite.prepare(
    `INSERT INTO container_samples (container_id, ts, ${rawValueColumns('container').join(', ')}) VALUES (${ph(2 + STORED.container.length)})`,
  );
  const stored = (values: number[], kind: 'host' | 'container') =>
    values.map((v, i) => quantize(v, STORED[kind][i].step));
  const t2 = performance.now();
  let rows = 0;
  const ticks = Math.floor((rawDays * DAY) / opt.interval);
  const perTx = Math.max(1, Math.floor(5000 / (opt.hosts * (1 + opt.containers))));
  for (let i = 0; i < ticks; i += perTx) {
    sqlite.transaction(() => {
      for (let k = i; k < Math.min(i + perTx, ticks); k++) {
        const ts = T - (ticks - 1 - k) * opt.interval;
        for (let h = 0; h < opt.hosts; h++) {
          hostRaw.run(hostIds[h], ts, ...stored(hostValues(h, ts), 'host'));
          for (let c = 0; c < opt.containers; c++)
            contRaw.run(cids[h][c], ts, ...stored(containerValues(h, c, ts), 'container'));
          rows += 1 + opt.containers;
        }
      }
    })();
    if (i % (perTx * 2000) === 0)
      progress(
        `  raw rows for the last ${rawDays} days: ${Math.round((i / ticks) * 100)} % (${rows.toLocaleString('en')} rows, ${secs(t2)})`,
      );
  }
  done(
    `  raw rows for the last ${rawDays} days: ${rows.toLocaleString('en')} rows in ${secs(t2)} (${Math.round(rows / ((performance.now() - t2) / 1000)).toLocaleString('en')} rows/s)`,
  );

  const t3 = performance.now();
  const r = runRollups(sqlite, T + 300);
  log(`  rollups (1 m from raw, 5 m and 1 h from 1 m): ${r.buckets.toLocaleString('en')} bucket steps in ${secs(t3)}`);
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
  log(`generated in ${secs(t0)}`);
}

function sizes(): void {
  const db = openDb(file);
  const sqlite = db.$client;
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const total = fs.statSync(file).size;
  const byTable = new Map(
    sqlite.prepare('SELECT name, sum(pgsize) FROM dbstat GROUP BY name').raw().all() as [string, number][],
  );
  const containers = opt.hosts * opt.containers;
  const rows = (t: string) => sqlite.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
  log(
    `\nfile: ${(total / 1e6).toFixed(1)} MB for ${containers} containers and ${opt.hosts} hosts over ${opt.days} days`,
  );
  log('tier                  rows        MB   bytes/row  bytes per container-day');
  let steady = 0;
  const retentionDays = { '': 7, _1m: 30, _5m: 180, _1h: 730 };
  for (const [suffix, days] of [
    ['', rawDays],
    ['_1m', opt.days],
    ['_5m', opt.days],
    ['_1h', opt.days],
  ] as const) {
    const t = `container_samples${suffix}`;
    const bytes = byTable.get(t) ?? 0;
    const perDay = bytes / (containers * days);
    steady += perDay * retentionDays[suffix];
    log(
      `${t.padEnd(20)} ${rows(t).toLocaleString('en').padStart(11)} ${(bytes / 1e6).toFixed(1).padStart(8)} ${(bytes / Math.max(1, rows(t))).toFixed(1).padStart(10)} ${Math.round(perDay).toLocaleString('en').padStart(12)}`,
    );
  }
  const perContainerDay =
    [...byTable].filter(([n]) => n.startsWith('container_samples')).reduce((s, [, b]) => s + b, 0) /
    (containers * opt.days);
  log(
    `all container tiers: ${Math.round(perContainerDay).toLocaleString('en')} bytes per container-day held (raw for ${rawDays} d, rollups for ${opt.days} d)`,
  );
  log(
    `at the default retention (raw 7 d, 1 m 30 d, 5 m 180 d, 1 h 2 y) one container's history takes ${(steady / 1e6).toFixed(1)} MB`,
  );
  sqlite.close();
}

function get(agent: http.Agent, url: string): Promise<{ ms: number; status: number; body: string }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
      })
      .on('error', reject);
  });
}

async function latency(): Promise<void> {
  const config = {
    ...loadServerConfig(['--db', file, '--port', '0', '--public-read'], {}),
    rollupEverySeconds: 3600,
    retentionEverySeconds: 3600,
  };
  const server = await startServer(config, createLogger('bench-server', { quiet: true }), () => T + 5);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const hostMetrics = 'cpu_pct,mem_used_bytes,load1,net_rx_bps,net_tx_bps';
  const contMetrics = 'cpu_pct,mem_bytes,net_rx_bps,net_tx_bps,blk_read_bps,blk_write_bps';
  log(
    `\nGET /api/v1/series through HTTP, ${opt.requests} requests per row (after 5 warm-up), random host/container, to = now, minmax=1`,
  );
  log('range  kind       tier  step  points   p50 ms   p95 ms   max ms   bytes');
  let worst = 0;
  for (const [label, span] of [
    ['1h', 3600],
    ['24h', DAY],
    ['7d', 7 * DAY],
    ['30d', 30 * DAY],
  ] as const) {
    if (span > opt.days * DAY) continue;
    for (const kind of ['host', 'container'] as const) {
      const times: number[] = [];
      let info = { tier: '', step: 0, points: 0, bytes: 0 };
      for (let i = 0; i < opt.requests + 5; i++) {
        const h = Math.floor(noise(i, 1, span) * opt.hosts);
        const c = containersOf(h, opt.containers)[Math.floor(noise(i, 2, span) * opt.containers)];
        const q =
          kind === 'host'
            ? `host=${hostName(h)}&metrics=${hostMetrics}`
            : `host=${hostName(h)}&container=${encodeURIComponent(c.name)}&metrics=${contMetrics}`;
        const r = await get(agent, `${server.url}/api/v1/series?${q}&from=${T + 5 - span}&to=${T + 5}&minmax=1`);
        if (r.status !== 200) throw new Error(`${r.status}: ${r.body.slice(0, 200)}`);
        if (i < 5) continue;
        times.push(r.ms);
        const body = JSON.parse(r.body) as { tier: string; step: number; t: number[] };
        info = { tier: body.tier, step: body.step, points: body.t.length, bytes: r.body.length };
      }
      const p95 = percentile(times, 95);
      worst = Math.max(worst, p95);
      log(
        `${label.padEnd(6)} ${kind.padEnd(10)} ${info.tier.padEnd(5)} ${String(info.step).padStart(5)} ${String(info.points).padStart(7)} ${percentile(times, 50).toFixed(1).padStart(8)} ${p95.toFixed(1).padStart(8)} ${Math.max(
          ...times,
        )
          .toFixed(1)
          .padStart(8)} ${String(info.bytes).padStart(7)}`,
      );
    }
  }
  log(`worst p95: ${worst.toFixed(1)} ms (target < 50 ms)`);
  agent.destroy();
  await server.close();
}

log(
  `${opt.hosts} hosts × ${opt.containers} containers × ${opt.days} days at ${opt.interval} s (raw for the last ${rawDays} days) → ${file}`,
);
if (!reuse) generate();
sizes();
await latency();
if (!opt.keep && !opt.db) fs.rmSync(dir, { recursive: true, force: true });

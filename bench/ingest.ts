// Ingest throughput: rows per second through real HTTP (startServer on port 0, gzip batches
// as the agent sends them, a few concurrent clients in a worker thread, validation and
// rollups on) against the same rows inserted in-process with better-sqlite3 prepared
// statements into the same schema: a transaction per 5,000 rows (the target's reference)
// and a transaction per request (the requests as they come, without HTTP); beside them a
// bare Hono handler (the issue's calibration) and the server's own store without HTTP.
// The load: each agent has a backlog of batches of --snapshots ticks (default 1, the agent's
// default flush) and sends it as fast as the server takes it, which is what a fleet does
// when throughput matters (replaying its spools after an outage or a restart of the server):
// the requests are formed by the agent's own catch-up (agent/catch-up.ts), which sends the
// oldest spooled batches as one; --catch-up 0 sends one request per batch, as agents did
// before it.
// Alternates them for a few rounds, each on a fresh file, and prints every round, the
// medians and the ratios, by wall time and by CPU time (the server's: the process minus the
// client thread).
// With --forward 1, each round also runs the HTTP side with --remote-write on, to a receiver
// in a process of its own that reads each request and answers 204 (the cost of forwarding is
// Berth's, not a database's), and prints both HTTP sides and their ratio, plus how long the
// forwarding queue took to empty after the last answer.
// Usage: npx tsx bench/ingest.ts [--clients 4] [--containers 30] [--snapshots 1]
//          [--batches 1800] [--series 10] [--rounds 5] [--rollup-every 1] [--catch-up 1]
//          [--protocol 2]   (2: columns, what the agent sends; 1: snapshots, older agents)
//          [--forward 0]    (1: HTTP with remote-write forwarding too, side by side)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { Worker } from 'node:worker_threads';
import type { AddressInfo } from 'node:net';
import type Database from 'better-sqlite3';
import { Hono } from 'hono';
import { serve, type ServerType } from '@hono/node-server';
import { quantize, rawValueColumns, STORED } from '../server/db/sample-layout.ts';
import { COLUMNS_VERSION, SNAPSHOTS_VERSION, type Batch, type ColumnBatch, type Snapshot } from '../protocol/batch.ts';
import { snapshotsToColumns, toColumnBatch } from '../protocol/columns.ts';
import { openDb } from '../server/db/open.ts';
import { startServer } from '../server/server.ts';
import { loadServerConfig } from '../server/config.ts';
import { createLogger } from '../lib/log.ts';
import { storeBatch } from '../server/ingest/store-batch.ts';
import { canonicalLabels } from '../protocol/series-key.ts';
import { runRollups } from '../server/rollup/rollup.ts';
import { containersOf, flags, hostName, median, snapshot } from './synthetic.ts';
import { CATCH_UP_MAX_BATCHES, mergeSpooled, type Spooled } from '../agent/catch-up.ts';
import { startSink, type Sink } from './lib/sink.ts';

const opt = flags({
  clients: 4,
  containers: 30,
  snapshots: 1,
  batches: 1800,
  series: 10,
  rounds: 5,
  'rollup-every': 1,
  protocol: COLUMNS_VERSION,
  'catch-up': 1,
  forward: 0,
});
const TOKEN = 'bench-token-0123456789abcdef';
const NOW = Math.floor(Date.now() / 1000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-ingest-'));

// One agent per client, each sending its own host's snapshots in order, oldest first; the
// server's clock follows them (see overHttp), so rollups work on settled minutes as they go.
const perHost = opt.batches * opt.snapshots;
const first = NOW - 180 - perHost * 10;
const hosts = Array.from({ length: opt.clients }, (_, h) => ({
  name: hostName(h),
  containers: containersOf(h, opt.containers),
}));
const snaps: Snapshot[][] = hosts.map((host, h) =>
  Array.from({ length: perHost }, (_, i) => snapshot(h, host.containers, first + i * 10, opt.series)),
);
const rowsPerSnapshot = 1 + opt.containers + opt.series;
const totalRows = opt.clients * perHost * rowsPerSnapshot;

console.log(
  `${opt.clients} agents × ${opt.batches} batches × ${opt.snapshots} snapshots × (1 host + ${opt.containers} containers + ${opt.series} series) = ${totalRows.toLocaleString('en')} rows`,
);
const t0 = performance.now();
/** Each agent's spooled batches, oldest first. */
const spooled: Spooled[][] = snaps.map((list, h) => {
  const out: Spooled[] = [];
  for (let b = 0; b < opt.batches; b++) {
    const head = {
      batch_id: `bench-${process.pid}-${h}-${b}`,
      agent: { host: hosts[h].name, machine_id: `machine-${h}`, version: 'bench', interval: 10 },
    };
    const ticks = list.slice(b * opt.snapshots, (b + 1) * opt.snapshots);
    // As the agent sends them (v2 columns), or as agents before v2 did.
    const batch: Batch | ColumnBatch =
      opt.protocol === SNAPSHOTS_VERSION
        ? { v: SNAPSHOTS_VERSION, ...head, snapshots: ticks }
        : { v: COLUMNS_VERSION, ...head, ...snapshotsToColumns(ticks) };
    out.push({ batchId: head.batch_id, body: zlib.gzipSync(JSON.stringify(batch)) });
  }
  return out;
});
/**
 * The requests each agent makes for its backlog, oldest first, with the range of ticks each
 * holds: the oldest spooled batches merged as the agent's shipper merges them (mergeSpooled),
 * or one request per batch with --catch-up 0 (and always for v1, which is never merged).
 */
const requests: { body: Uint8Array; from: number; to: number }[][] = spooled.map((list) => {
  const out: { body: Uint8Array; from: number; to: number }[] = [];
  for (let i = 0; i < list.length;) {
    const m = opt['catch-up'] ? mergeSpooled(list.slice(i, i + CATCH_UP_MAX_BATCHES)) : undefined;
    const n = m ? m.count : 1;
    out.push({ body: new Uint8Array(m ? m.body : list[i].body), from: i * opt.snapshots, to: (i + n) * opt.snapshots });
    i += n;
  }
  return out;
});
const bodies: Uint8Array[][] = requests.map((list) => list.map((r) => r.body));
const nRequests = bodies.flat().length;
const gzBytes = bodies.flat().reduce((s, b) => s + b.length, 0);
console.log(
  `prepared ${nRequests} gzip requests (${(gzBytes / nRequests / 1024).toFixed(1)} KB, ${(totalRows / nRequests).toFixed(0)} rows each${opt['catch-up'] && nRequests < opt.clients * opt.batches ? `: the agent's catch-up merged ${((opt.clients * opt.batches) / nRequests).toFixed(0)} batches a request` : ''}) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
);

/** CPU seconds (user + system) of one thread of this process, from /proc (Linux). */
function threadCpu(tid: number): number {
  const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in USER_HZ ticks (100 on Linux)
}
const processCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** Plain prepared inserts into the sample tables, with every entity created up front (the baselines measure sample rows only). */
function plainInserts(sqlite: Database.Database) {
  const hostIns = sqlite.prepare(
    `INSERT INTO host_samples (host_id, ts, ${rawValueColumns('host').join(', ')}) VALUES (${Array(
      STORED.host.length + 2,
    )
      .fill('?')
      .join(', ')})`,
  );
  const contIns = sqlite.prepare(
    `INSERT INTO container_samples (container_id, ts, ${rawValueColumns('container').join(', ')}) VALUES (${Array(
      STORED.container.length + 2,
    )
      .fill('?')
      .join(', ')})`,
  );
  const seriesIns = sqlite.prepare('INSERT INTO series_samples (series_id, ts, value) VALUES (?, ?, ?)');
  const ids = hosts.map((host, h) => {
    const hostId = sqlite
      .prepare('INSERT INTO hosts (name, first_seen, last_seen) VALUES (?, 0, 0) RETURNING id')
      .pluck()
      .get(host.name) as number;
    const cids = host.containers.map(
      (c) =>
        sqlite
          .prepare(
            'INSERT INTO containers (host_id, name, container_id, first_seen, last_seen) VALUES (?, ?, ?, 0, 0) RETURNING id',
          )
          .pluck()
          .get(hostId, c.name, c.id) as number,
    );
    const sids = snaps[h][0].series.map(
      (s) =>
        sqlite
          .prepare(
            'INSERT INTO series (host_id, name, labels, first_seen, last_seen) VALUES (?, ?, ?, 0, 0) RETURNING id',
          )
          .pluck()
          .get(hostId, s.name, canonicalLabels(s.labels)) as number,
    );
    return { hostId, cids, sids };
  });
  return { hostIns, contIns, seriesIns, ids };
}

/**
 * The baselines: the same rows through plain prepared statements, in-process, into the same
 * schema. 'bulk': a transaction per 5,000 rows, host by host in time order (the target's
 * reference: the bare handler's share of it is nearest the issue's 46 %). 'batch': a
 * transaction per request, in the order the HTTP clients deliver them.
 */
function inProcess(round: number, mode: 'batch' | 'bulk'): { seconds: number; cpu: number } {
  const db = openDb(path.join(dir, `inproc-${mode}-${round}.db`));
  const sqlite = db.$client;
  const { hostIns, contIns, seriesIns, ids } = plainInserts(sqlite);
  /** One snapshot's rows; returns how many. */
  const insert = (h: number, i: number): number => {
    const s = snaps[h][i];
    const id = ids[h];
    hostIns.run(id.hostId, s.ts, ...STORED.host.map((m) => quantize(s.host[m.metric], m.step)));
    s.containers.forEach((c, ci) =>
      contIns.run(id.cids[ci], s.ts, ...STORED.container.map((m) => quantize(c.metrics[m.metric], m.step))),
    );
    s.series.forEach((x, si) => seriesIns.run(id.sids[si], s.ts, x.value));
    return rowsPerSnapshot;
  };
  const start = performance.now();
  const cpu0 = processCpu();
  if (mode === 'batch') {
    const batch = sqlite.transaction((h: number, b: number) => {
      for (let i = requests[h][b].from; i < requests[h][b].to; i++) insert(h, i);
    });
    for (let b = 0; b < requests[0].length; b++) for (let h = 0; h < hosts.length; h++) batch(h, b);
  } else {
    let pending = 0;
    sqlite.exec('BEGIN');
    // Host by host as the HTTP clients deliver them (each client one host, in time order).
    for (let i = 0; i < perHost; i++) {
      for (let h = 0; h < hosts.length; h++) {
        pending += insert(h, i);
        if (pending >= 5000) {
          sqlite.exec('COMMIT');
          sqlite.exec('BEGIN');
          pending = 0;
        }
      }
    }
    sqlite.exec('COMMIT');
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = processCpu() - cpu0;
  sqlite.close();
  return { seconds, cpu };
}

// The clients run in a worker thread, so their work does not share the server's event loop,
// and use node:http with keep-alive: undici's fetch costs the client ~3 ms a request here,
// which made the client, not the server, the bottleneck (a real fleet's clients are free).
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { url, token, bodies } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const u = new URL(url + '/api/v1/ingest');
const headers = { authorization: 'Bearer ' + token, 'content-type': 'application/json', 'content-encoding': 'gzip' };
const post = (body) => new Promise((resolve, reject) => {
  const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { ...headers, 'content-length': body.length } }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('end', () => resolve([res.statusCode, Buffer.concat(chunks).toString()]));
  });
  req.on('error', reject);
  req.end(body);
});
// Its thread id, so the bench can leave the client's CPU out of the server's.
parentPort.postMessage(Number(require('node:fs').readFileSync('/proc/thread-self/stat', 'utf8').split(' ')[0]));
parentPort.once('message', async () => {
  const start = performance.now();
  const failures = [];
  await Promise.all(bodies.map(async (list) => {
    for (const body of list) {
      try {
        const [status, text] = await post(body);
        if (status !== 200) failures.push(status + ' ' + text.slice(0, 200));
      } catch (e) {
        failures.push('request failed: ' + (e.code || e.message));
      }
    }
  }));
  parentPort.postMessage({ ms: performance.now() - start, failures });
  // Stay alive (and countable) until the bench has read this thread's CPU time.
  parentPort.once('message', () => process.exit(0));
});
`;

async function overHttp(
  round: number,
  sink?: Sink,
): Promise<{ seconds: number; catchUp: number; cpu: number; lag: number; late: number; drain: number }> {
  const name = sink ? `fwd-${round}` : `http-${round}`;
  const forward = sink ? ['--remote-write', `${sink.url}/api/v1/write`] : [];
  const config = {
    ...loadServerConfig(['--db', path.join(dir, `${name}.db`), '--token', TOKEN, '--port', '0', ...forward], {}),
    rollupEverySeconds: opt['rollup-every'],
  };
  // The server's clock follows the slowest agent's newest sample, as if the fleet were
  // sending live: hours of data arrive in seconds, yet none of it is late (a spool replay,
  // where every row is, is a different workload).
  let clock = first;
  stage = `round ${round}, HTTP: starting the server`;
  const server = await startServer(
    config,
    createLogger('bench-server', { quiet: !process.env.BENCH_LOG }),
    () => clock,
  );
  const slowest = server.db.$client.prepare('SELECT count(*) AS n, min(last_ts) AS ts FROM hosts');
  const follow = setInterval(() => {
    const r = slowest.get() as { n: number; ts: number | null };
    if (r.n === opt.clients && r.ts !== null) clock = r.ts + 15;
  }, 50);
  stage = `round ${round}, HTTP: clients sending`;
  let tid = 0;
  let cpu0 = 0;
  const r = await runClients(server.url, (t) => {
    tid = t;
    cpu0 = processCpu() - threadCpu(tid);
  });
  // What the rollups had not done yet when the last batch was answered, done now and counted.
  stage = `round ${round}, HTTP: rollup catch-up`;
  const t1 = performance.now();
  runRollups(server.db.$client, clock);
  const catchUp = (performance.now() - t1) / 1000;
  const cpu = processCpu() - threadCpu(tid) - cpu0;
  await r.stop();
  clearInterval(follow);
  if (r.failures.length) throw new Error(`${r.failures.length} batches refused, first: ${r.failures[0]}`);
  const sqlite = server.db.$client;
  const stored = ['host_samples', 'container_samples', 'series_samples']
    .map((t) => sqlite.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number)
    .reduce((a, b) => a + b, 0);
  if (stored !== totalRows) throw new Error(`stored ${stored} rows, sent ${totalRows}`);
  const wm = sqlite
    .prepare("SELECT watermark FROM rollup_state WHERE kind = 'container' AND tier = '1m'")
    .pluck()
    .get() as number | undefined;
  const late = sqlite.prepare('SELECT count(*) FROM rollup_dirty').pluck().get() as number;
  // With forwarding: how long after the last answer the queue took to empty (not in the
  // ingest figure: forwarding runs behind ingest by design), and that it sent every sample.
  let drain = 0;
  if (sink) {
    stage = `round ${round}, HTTP: forwarding queue draining`;
    const t2 = performance.now();
    for (;;) {
      const f = (
        (await (await fetch(`${server.url}/api/v1/status`)).json()) as { forwarding: { queueRecords: number }[] }
      ).forwarding[0];
      if (f.queueRecords === 0 && sink.requests() > 0) break;
      if (performance.now() - t2 > 600_000) throw new Error('the forwarding queue did not empty within 10 minutes');
      await new Promise((r) => setTimeout(r, 100));
    }
    drain = (performance.now() - t2) / 1000;
  }
  stage = `round ${round}, HTTP: closing the server`;
  await server.close();
  return {
    seconds: r.ms / 1000 + catchUp,
    catchUp,
    cpu,
    lag: wm === undefined ? Infinity : first + perHost * 10 - wm,
    late,
    drain,
  };
}

/**
 * A calibration: a bare Hono handler (gunzip, JSON.parse, the baseline's plain inserts in a
 * transaction per request; no auth, validation, identity or rollups) on @hono/node-server,
 * driven by the same clients. The issue's figure for this is about 46 % of in-process.
 */
async function bareHandler(round: number): Promise<{ seconds: number }> {
  const db = openDb(path.join(dir, `bare-${round}.db`));
  const sqlite = db.$client;
  const { hostIns, contIns, seriesIns, ids } = plainInserts(sqlite);
  const byName = new Map(
    hosts.map((host, h) => [
      host.name,
      {
        ...ids[h],
        container: new Map(host.containers.map((c, i) => [c.name, ids[h].cids[i]])),
        series: new Map(snaps[h][0].series.map((x, i) => [`${x.name}${canonicalLabels(x.labels)}`, ids[h].sids[i]])),
      },
    ]),
  );
  const store = sqlite.transaction((b: ColumnBatch) => {
    const id = byName.get(b.agent.host)!;
    if (b.host)
      for (let i = 0; i < b.host.ts.length; i++)
        hostIns.run(
          id.hostId,
          b.host.ts[i],
          ...STORED.host.map((m) => quantize(b.host!.metrics[m.metric]?.[i], m.step)),
        );
    for (const c of b.containers) {
      const cid = id.container.get(c.name)!;
      for (let i = 0; i < c.ts.length; i++)
        contIns.run(cid, c.ts[i], ...STORED.container.map((m) => quantize(c.metrics[m.metric]?.[i], m.step)));
    }
    for (const x of b.series) {
      const sid = id.series.get(`${x.name}${canonicalLabels(x.labels)}`)!;
      for (let i = 0; i < x.ts.length; i++) seriesIns.run(sid, x.ts[i], x.values[i]);
    }
  });
  const app = new Hono();
  app.post('/api/v1/ingest', async (c) => {
    const b = JSON.parse(zlib.gunzipSync(Buffer.from(await c.req.arrayBuffer())).toString('utf8')) as
      Batch | ColumnBatch;
    store(b.v === COLUMNS_VERSION ? b : toColumnBatch(b));
    return c.json({ ok: true });
  });
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const r = await runClients(url);
  await r.stop();
  await new Promise((resolve) => server.close(resolve));
  if (r.failures.length) throw new Error(`bare handler: ${r.failures.length} batches refused, first: ${r.failures[0]}`);
  sqlite.close();
  return { seconds: r.ms / 1000 };
}

/** Runs the clients against `url`; resolves with their wall time and refusals (and the client thread's id and a stop function). */
async function runClients(
  url: string,
  before?: (tid: number) => void,
): Promise<{ ms: number; failures: string[]; stop: () => Promise<number> }> {
  const worker = new Worker(CLIENT, { eval: true, workerData: { url, token: TOKEN, bodies } });
  // A client thread that dies says so rather than leave the bench waiting on nothing.
  const died = new Promise<never>((_, reject) => {
    worker.once('error', (e) => reject(new Error(`client thread failed: ${e.message}`)));
    worker.once('exit', (code) => reject(new Error(`client thread exited (${code}) before it finished`)));
  });
  const tid = await Promise.race([new Promise<number>((resolve) => worker.once('message', resolve)), died]);
  const done = Promise.race([
    new Promise<{ ms: number; failures: string[] }>((resolve) => worker.once('message', resolve)),
    died,
  ]);
  died.catch(() => {});
  before?.(tid);
  worker.postMessage('go');
  const r = await done;
  return { ...r, stop: () => worker.terminate() };
}

/**
 * A second reference: the same requests through the server's own store (storeBatch, one
 * transaction per request as the route makes it, merged at once), in-process, without HTTP,
 * decoding or rollups. The gap between this and HTTP is what the request path costs.
 */
function storeOnly(round: number): { seconds: number } {
  const db = openDb(path.join(dir, `store-${round}.db`));
  const batches = bodies.map((list) =>
    list.map((body) => JSON.parse(zlib.gunzipSync(body).toString('utf8')) as Batch | ColumnBatch),
  );
  const start = performance.now();
  for (let b = 0; b < requests[0].length; b++)
    for (let h = 0; h < hosts.length; h++) storeBatch(db.$client, batches[h][b], first + requests[h][b].to * 10);
  const seconds = (performance.now() - start) / 1000;
  db.$client.close();
  return { seconds };
}

const rate = (s: number) => totalRows / s;
const fmt = (n: number) => Math.round(n).toLocaleString('en').padStart(9);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
// If the event loop empties while the bench waits on something (a thread gone without a word),
// say where rather than exit quietly with code 13.
let stage = 'start';
let finished = false;
process.on('exit', () => {
  if (!finished) console.error(`bench: stopped before the end, during: ${stage}`);
});
const rows: {
  bulk: number;
  batch: number;
  store: number;
  bare: number;
  http: number;
  ratio: number;
  batchRatio: number;
  bareBulk: number;
  bareBatch: number;
  storeRatio: number;
  cpuRatio: number;
  fwd: number;
  fwdRatio: number;
  drain: number;
}[] = [];
const sink = opt.forward ? await startSink() : undefined;
for (let round = 1; round <= opt.rounds; round++) {
  stage = `round ${round}, in-process`;
  const k = inProcess(round, 'bulk');
  const a = inProcess(round, 'batch');
  stage = `round ${round}, storeBatch`;
  const st = storeOnly(round);
  stage = `round ${round}, bare Hono handler`;
  const bare = await bareHandler(round);
  stage = `round ${round}, HTTP`;
  const b = await overHttp(round);
  stage = `round ${round}, HTTP with forwarding`;
  const f = sink ? await overHttp(round, sink) : undefined;
  const r = {
    fwd: f ? rate(f.seconds) : NaN,
    fwdRatio: f ? b.seconds / f.seconds : NaN,
    drain: f ? f.drain : NaN,
    bulk: rate(k.seconds),
    batch: rate(a.seconds),
    store: rate(st.seconds),
    bare: rate(bare.seconds),
    http: rate(b.seconds),
    ratio: k.seconds / b.seconds,
    batchRatio: a.seconds / b.seconds,
    bareBulk: k.seconds / bare.seconds,
    bareBatch: a.seconds / bare.seconds,
    storeRatio: st.seconds / b.seconds,
    cpuRatio: k.cpu / b.cpu,
  };
  rows.push(r);
  console.log(
    `round ${round}: in-process ${fmt(r.bulk)} rows/s in bulk (${k.seconds.toFixed(2)} s, ${k.cpu.toFixed(2)} CPU-s), ${fmt(r.batch)} a tx per request (${a.seconds.toFixed(2)} s, ${a.cpu.toFixed(2)} CPU-s) | ` +
      `storeBatch ${fmt(r.store)} | bare Hono ${fmt(r.bare)} | ` +
      `HTTP ${fmt(r.http)} rows/s (${b.seconds.toFixed(2)} s incl. ${b.catchUp.toFixed(2)} s of rollup catch-up, ${b.cpu.toFixed(2)} server CPU-s, ${b.late} late buckets) | ` +
      `ratio ${pct(r.ratio)} (per CPU-second ${pct(r.cpuRatio)}), to a tx per request ${pct(r.batchRatio)}`,
  );
  if (f)
    console.log(
      `         with --remote-write: HTTP ${fmt(r.fwd)} rows/s (${f.seconds.toFixed(2)} s, ${f.cpu.toFixed(2)} server CPU-s) = ${pct(r.fwdRatio)} of HTTP without; queue empty ${f.drain.toFixed(2)} s after the last answer`,
    );
}
const med = (k: keyof (typeof rows)[number]) => median(rows.map((r) => r[k]));
console.log(`\nmedian in-process: ${fmt(med('bulk'))} rows/s (prepared inserts, 5,000 rows a transaction)`);
console.log(`       per request: ${fmt(med('batch'))} rows/s (prepared inserts, a transaction per request)`);
console.log(
  `median storeBatch: ${fmt(med('store'))} rows/s (the server's store, a transaction per request, no HTTP, decoding or rollups)`,
);
console.log(
  `median bare Hono:  ${fmt(med('bare'))} rows/s (gunzip, JSON.parse, the plain inserts a request at a time): ${pct(med('bareBulk'))} of in-process, ${pct(med('bareBatch'))} of per request (the issue measured about 46 %)`,
);
console.log(
  `median HTTP:       ${fmt(med('http'))} rows/s (gzip, protocol v${opt.protocol}, ${opt.clients} clients, ${opt.snapshots} snapshots a batch, ${nRequests} requests${nRequests < opt.clients * opt.batches ? " as the agent's catch-up forms them" : ', one per batch'}, validation, rollups every ${opt['rollup-every']} s and caught up)`,
);
console.log(
  `HTTP / in-process: ${pct(med('ratio'))} median of the rounds' ratios (target ≥ 50 %); per CPU-second ${pct(med('cpuRatio'))}`,
);
console.log(`HTTP / per request: ${pct(med('batchRatio'))} (against a transaction per request)`);
console.log(
  `HTTP / storeBatch: ${pct(med('storeRatio'))} (what HTTP, gzip, JSON, validation and rollups cost on top of the store)`,
);
if (sink) {
  console.log(
    `median HTTP with --remote-write: ${fmt(med('fwd'))} rows/s = ${pct(med('fwdRatio'))} of HTTP without (median of the rounds' ratios; target ≥ 75 %); queue empty ${med('drain').toFixed(2)} s after the last answer; the receiver took ${sink.requests()} requests, ${(sink.bytes() / 1048576).toFixed(1)} MB`,
  );
  await sink.stop();
}
fs.rmSync(dir, { recursive: true, force: true });
finished = true;

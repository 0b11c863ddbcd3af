// A live fleet against one server: N hosts × 40 containers (+ 20 labelled series) each posting
// one gzip protocol-v2 tick every 10 s, spread over the interval, from a client in its own
// process (bench/fleet-client.ts over bench/lib/fleet-load.ts: each host its own token, a new
// connection per request as the agent makes, every body built before the first send), while
// the dashboard's queries run beside it (the overview and one host view, each refreshed every
// few seconds, as that side's page sends them). The server is `npm run server`
// (server/main.ts) on a fresh file of its own, with its rollups, retention and checkpoints as
// configured.
// With --server-root DIR (another checkout, e.g. main), each N runs on both sides, one after
// the other on the same machine, alternating which goes first each round, and the table gives
// both sides, their medians over --rounds and the ratio (this checkout / the other).
// Prints for each run: requests/s, rows/s, p50/p99/max ingest latency, errors, server CPU (all
// threads, % of one core; the busiest threads), peak RSS, WAL size, the dashboard's query
// latencies and sizes, and rows stored exactly once (counted in SQL through the views, against
// rows in answered requests).
// Without --hosts (and without --server-root) it searches for the largest N that meets the goal
// (no errors, p99 under --p99 ms, every answered row stored once), doubling from --start, then
// halving the gap; those runs share one database, so hosts of earlier runs are known ones.
// --churned N first registers N hosts × 40 containers that then go silent (one tick each).
// Usage: npx tsx bench/fleet.ts [--hosts 500,1000] [--server-root ../wt-main] [--rounds 1]
//          [--start 1000] [--max 12000] [--churned 0] [--warmup 30] [--window 60]
//          [--dashboard 5] [--p99 250] [--keep 0] [--containers 40] [--series 20]
//          [--interval 10] [--server-flags '--retention raw=7d']
//          [--base-page whole]  (the other side's page: 'whole' asks /api/v1/hosts whole for
//                                both views, as main's page did; 'paged' as this checkout's)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { hashToken, newToken } from '../server/auth.ts';
import { flags, median, percentile } from './synthetic.ts';
import { startChild, stopChild, sleep, type Started } from './lib/measure.ts';
import { clockTicks, parseProcStat, readMemory } from './lib/proc.ts';
import { churnedHost, liveHost, rowsPerTick, type FleetShape } from './lib/fleet-load.ts';
import type { ClientPlan, ClientResult } from './fleet-client.ts';

const opt = flags({
  hosts: '',
  rounds: 1,
  start: 1000,
  max: 12000,
  churned: 0,
  warmup: 30,
  window: 60,
  dashboard: 5,
  p99: 250,
  keep: 0,
  containers: 40,
  series: 20,
  interval: 10,
  'server-flags': '',
  'server-root': '',
  'base-page': 'whole',
});
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shape: FleetShape = { containers: opt.containers, series: opt.series, interval: opt.interval };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-fleet-'));
const HZ = clockTicks();
const log = (s: string) => process.stdout.write(`${s}\n`);
const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const mb = (b: number) => (b / 1e6).toFixed(0);

/** The paths a side's page asks for the host list: on the overview, and on host `h`'s view. */
interface Page {
  overview: string;
  host: (h: string) => string;
}
/** The page as it was before the list was paged: every host with every container, on both views. */
const WHOLE: Page = { overview: '/api/v1/hosts', host: () => '/api/v1/hosts' };
/** This checkout's page (web/views/overview.ts, web/api.ts): one page of summaries; one host whole. */
const PAGED: Page = {
  overview: '/api/v1/hosts?view=summary&limit=60',
  host: (h) => `/api/v1/hosts?host=${encodeURIComponent(h)}`,
};

interface Side {
  label: string;
  root: string;
  page: Page;
}
const sides: Side[] = [{ label: 'this', root: ROOT, page: PAGED }];
if (opt['server-root']) {
  const root = path.resolve(opt['server-root']);
  sides.unshift({ label: path.basename(root), root, page: opt['base-page'] === 'paged' ? PAGED : WHOLE });
  if (!opt.hosts) throw new Error('--server-root compares sides at given sizes: name them with --hosts');
}

// ---- a server, as `npm run server` runs it, on its own file
interface Server {
  url: string;
  pid: number;
  file: string;
  started: Started;
  tokens: Map<string, string>;
}

async function freePort(): Promise<number> {
  return new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

async function startServer(side: Side, file: string, live: number): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = startChild(process.execPath, [
    '--import',
    'tsx',
    path.join(side.root, 'server/main.ts'),
    '--db',
    file,
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    ...opt['server-flags'].split(' ').filter(Boolean),
  ]);
  for (let i = 0; ; i++) {
    if (started.child.exitCode !== null) throw new Error(`server exited:\n${started.output()}`);
    const ok = await get(url, '/healthz').then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (i > 600) throw new Error(`server not up after 60 s:\n${started.output()}`);
    await sleep(100);
  }
  // Tokens: one per host, put in the tokens table as the server stores them (SHA-256), in
  // plain SQL, so any version of the server can be measured the same way.
  const tokens = new Map<string, string>();
  const t0 = performance.now();
  const names = [
    ...Array.from({ length: live }, (_, i) => liveHost(i)),
    ...Array.from({ length: opt.churned }, (_, i) => churnedHost(i)),
  ];
  const db = new Database(file);
  db.pragma('busy_timeout = 10000');
  const put = db.prepare(
    `INSERT INTO tokens (host, hash, created_at) VALUES (?, ?, ?)
     ON CONFLICT (host) DO UPDATE SET hash = excluded.hash, revoked_at = NULL`,
  );
  db.transaction(() => {
    for (const n of names) {
      const token = newToken();
      tokens.set(n, token);
      put.run(n, hashToken(token), Math.floor(Date.now() / 1000));
    }
  })();
  db.close();
  log(
    `[${side.label}] server ${started.child.pid} up; ${names.length.toLocaleString('en')} host tokens issued in ${((performance.now() - t0) / 1000).toFixed(1)} s → ${file}`,
  );
  const server: Server = { url, pid: started.child.pid!, file, started, tokens };
  if (opt.churned > 0) await churn(side, server);
  return server;
}

function get(url: string, p: string): Promise<{ status: number; ms: number; bytes: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get(`${url}${p}`, { agent: false }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0, bytes }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** Runs bench/fleet-client.ts with a plan; resolves with its result, calling onPlan with its {plan} line. */
async function runClient<T>(plan: ClientPlan, onPlan?: (p: Record<string, number>) => void): Promise<T> {
  const planFile = path.join(dir, `plan-${plan.runId}.json`);
  fs.writeFileSync(planFile, JSON.stringify(plan));
  const c = startChild(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/fleet-client.ts'), planFile]);
  let buf = '';
  let result: T | undefined;
  c.child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      const m = JSON.parse(line) as { plan?: Record<string, number>; result?: T };
      if (m.plan) onPlan?.(m.plan);
      if (m.result) result = m.result;
    }
  });
  const code = await new Promise<number | null>((resolve) => c.child.once('exit', resolve));
  fs.rmSync(planFile, { force: true });
  if (code !== 0 || !result) throw new Error(`fleet client exited ${code}:\n${c.output()}`);
  return result;
}

/** Hosts that report once and go silent. */
async function churn(side: Side, s: Server): Promise<void> {
  const t0 = performance.now();
  const r = await runClient<{ requests: number; ok: number; errors: Record<string, number> }>({
    mode: 'register',
    url: s.url,
    runId: `churn-${Date.now()}`,
    shape,
    hosts: Array.from({ length: opt.churned }, (_, i) => ({
      name: churnedHost(i),
      token: s.tokens.get(churnedHost(i))!,
      seed: 1_000_000 + i,
    })),
    warmupTicks: 0,
    windowTicks: 0,
    timeoutMs: 60_000,
  });
  log(
    `[${side.label}] churned: ${r.ok.toLocaleString('en')} hosts × ${opt.containers} containers registered once in ${((performance.now() - t0) / 1000).toFixed(1)} s${Object.keys(r.errors).length ? `, errors ${JSON.stringify(r.errors)}` : ''}`,
  );
}

// ---- server figures
function procStat(pid: number): { ticks: number; threads: Map<number, { comm: string; ticks: number }> } {
  const ticks = parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')).ticks;
  const threads = new Map<number, { comm: string; ticks: number }>();
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = parseProcStat(fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8'));
      threads.set(Number(t), { comm: s.comm, ticks: s.ticks });
    } catch {
      /* ended meanwhile */
    }
  }
  return { ticks, threads };
}
const walBytes = (file: string) => {
  try {
    return fs.statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
};

interface Query {
  kind: string;
  ms: number;
  status: number;
  bytes: number;
}

/** The page's queries: the overview and one host view, each refreshed every `every` s until `until` (epoch ms). */
async function dashboard(url: string, page: Page, hosts: number, every: number, until: number, out: Query[]) {
  const CORE =
    'cpu_pct,cpu_user_pct,cpu_system_pct,cpu_iowait_pct,cpu_steal_pct,load1,load5,load15,mem_used_bytes,mem_total_bytes,mem_cached_bytes,swap_used_bytes,swap_total_bytes,net_rx_bps,net_tx_bps,disk_read_bps,disk_write_bps,fs_used_bytes,fs_total_bytes,fs_avail_bytes';
  const LABELLED = 'net_rx_bps,net_tx_bps,disk_read_bps,disk_write_bps,fs_used_pct';
  const CONTAINER = 'cpu_pct,mem_bytes,net_rx_bps,net_tx_bps,blk_read_bps,blk_write_bps';
  const q = async (kind: string, p: string) => {
    try {
      const r = await get(url, p);
      out.push({ kind, ms: r.ms, status: r.status, bytes: r.bytes });
    } catch {
      out.push({ kind, ms: 0, status: 0, bytes: 0 });
    }
  };
  const win = () => {
    const to = Math.floor(Date.now() / 1000);
    return `from=${to - 3600}&to=${to}`;
  };
  const overview = async () => {
    while (Date.now() < until) {
      const t0 = Date.now();
      await q('overview /hosts', page.overview);
      await q(
        'overview /host-series',
        `/api/v1/host-series?metrics=cpu_pct,mem_used_bytes,mem_total_bytes&${win()}&maxPoints=160&digits=4`,
      );
      await sleep(Math.max(0, every * 1000 - (Date.now() - t0)));
    }
  };
  let n = 0;
  const hostView = async () => {
    while (Date.now() < until) {
      const t0 = Date.now();
      const host = liveHost((n++ * 7919) % hosts);
      const w = win();
      await Promise.all([
        q('host /hosts', page.host(host)),
        q(
          'host /series',
          `/api/v1/series?host=${host}&metrics=${CORE}&series=${LABELLED}&${w}&maxPoints=1000&minmax=1`,
        ),
        q(
          'host /container-series',
          `/api/v1/container-series?host=${host}&containers=*&metrics=${CONTAINER}&${w}&maxPoints=1000&digits=6`,
        ),
        q('host /top', `/api/v1/top?host=${host}&metric=cpu_pct&${w}&limit=10`),
      ]);
      await sleep(Math.max(0, every * 1000 - (Date.now() - t0)));
    }
  };
  await Promise.all([overview(), hostView()]);
}

interface RunFigures {
  side: string;
  hosts: number;
  reqPerS: number;
  rowsPerS: number;
  client: ClientResult;
  cpuPct: number;
  mainPct: number;
  threads: string;
  rssPeak: number;
  hwm: number;
  walMax: number;
  walEnd: number;
  dbBytes: number;
  stored: number;
  expected: number;
  queries: Query[];
  load: [string, string];
  pass: boolean;
  why: string[];
}

async function run(side: Side, s: Server, hosts: number): Promise<RunFigures> {
  const warmupTicks = Math.ceil(opt.warmup / opt.interval);
  const windowTicks = Math.ceil(opt.window / opt.interval);
  const samples = { rss: 0, wal: 0 };
  let cpuA: ReturnType<typeof procStat> | undefined;
  let cpuB: ReturnType<typeof procStat> | undefined;
  let windowSeconds = 0;
  const queries: Query[] = [];
  const load: [string, string] = ['', ''];
  let sampling: Promise<void> | undefined;
  let dash: Promise<void> | undefined;
  log(`[${side.label}] ${hosts.toLocaleString('en')} hosts: building bodies…`);
  const result = await runClient<ClientResult>(
    {
      mode: 'live',
      url: s.url,
      runId: `live-${hosts}-${Date.now()}`,
      shape,
      hosts: Array.from({ length: hosts }, (_, i) => ({
        name: liveHost(i),
        token: s.tokens.get(liveHost(i))!,
        seed: i,
      })),
      warmupTicks,
      windowTicks,
      timeoutMs: 15_000,
    },
    (p) => {
      log(
        `  ${(p.gzipBytes / 1024).toFixed(2)} KiB a request (gzip), built in ${p.buildSeconds.toFixed(1)} s; window ${opt.window} s after ${opt.warmup} s of warm-up`,
      );
      const start = p.windowStartMs;
      const end = p.windowEndMs;
      sampling = (async () => {
        await sleep(Math.max(0, start - Date.now()));
        load[0] = loadavg();
        cpuA = procStat(s.pid);
        const t0 = performance.now();
        if (opt.dashboard > 0) dash = dashboard(s.url, side.page, hosts, opt.dashboard, end, queries);
        while (Date.now() < end) {
          samples.rss = Math.max(samples.rss, (await readMemory(s.pid))?.rss ?? 0);
          samples.wal = Math.max(samples.wal, walBytes(s.file));
          await sleep(1000);
        }
        cpuB = procStat(s.pid);
        windowSeconds = (performance.now() - t0) / 1000;
        load[1] = loadavg();
      })();
    },
  );
  await sampling;
  await dash;
  const cpuPct = (100 * (cpuB!.ticks - cpuA!.ticks)) / HZ / windowSeconds;
  const perThread = [...cpuB!.threads].map(([tid, t]) => ({
    tid,
    comm: t.comm,
    pct: (100 * (t.ticks - (cpuA!.threads.get(tid)?.ticks ?? 0))) / HZ / windowSeconds,
  }));
  const mainPct = perThread.find((t) => t.tid === s.pid)?.pct ?? 0;
  const threads = perThread
    .sort((a, b) => b.pct - a.pct)
    .slice(0, 5)
    .map((t) => `${t.tid === s.pid ? 'main' : `${t.comm}#${t.tid}`} ${t.pct.toFixed(0)}%`)
    .join(', ');
  const hwm = (await readMemory(s.pid))?.hwm ?? 0;
  // Rows stored in this run's span by its hosts, through the views sqlite3 users read.
  const ro = new Database(s.file, { readonly: true });
  ro.pragma('busy_timeout = 10000');
  const count = (view: string) =>
    ro
      .prepare(`SELECT count(*) FROM ${view} WHERE host GLOB 'fleet-*' AND ts BETWEEN ? AND ?`)
      .pluck()
      .get(result.firstTs, result.lastTs) as number;
  const stored = count('host_metrics') + count('container_metrics') + count('series_metrics');
  const dbBytes =
    (ro.pragma('page_count', { simple: true }) as number) * (ro.pragma('page_size', { simple: true }) as number);
  ro.close();
  const sends = result.windowRequests;
  const span = (result.windowEndMs - result.windowStartMs) / 1000;
  const why: string[] = [];
  const errors = Object.values(result.errors).reduce((a, b) => a + b, 0);
  if (errors) why.push(`${errors} errors`);
  if (result.latency.p99 >= opt.p99) why.push(`p99 ${result.latency.p99.toFixed(0)} ms`);
  if (stored !== result.rowsSent || result.rowsAnswered !== result.rowsSent)
    why.push(`stored ${stored} of ${result.rowsSent}`);
  if (result.duplicates) why.push(`${result.duplicates} answered as resends`);
  return {
    side: side.label,
    hosts,
    reqPerS: sends / span,
    rowsPerS: (sends * rowsPerTick(shape)) / span,
    client: result,
    cpuPct,
    mainPct,
    threads,
    rssPeak: samples.rss,
    hwm,
    walMax: samples.wal,
    walEnd: walBytes(s.file),
    dbBytes,
    stored,
    expected: result.rowsSent,
    queries,
    load,
    pass: why.length === 0,
    why,
  };
}

function report(r: RunFigures): void {
  const c = r.client;
  log(
    `  [${r.side}] ${r.hosts.toLocaleString('en')} hosts: ${r.reqPerS.toFixed(0)} req/s, ${Math.round(r.rowsPerS).toLocaleString('en')} rows/s | ingest p50 ${c.latency.p50.toFixed(0)} ms, p90 ${c.latency.p90.toFixed(0)} ms, p99 ${c.latency.p99.toFixed(0)} ms, max ${c.latency.max.toFixed(0)} ms | errors ${JSON.stringify(c.errors)} | client lag p99 ${c.lag.p99.toFixed(0)} ms`,
  );
  log(
    `  server CPU ${r.cpuPct.toFixed(0)} % of one core (${r.threads}) | RSS peak ${mb(r.rssPeak)} MB (HWM ${mb(r.hwm)} MB) | WAL max ${mb(r.walMax)} MB, end ${mb(r.walEnd)} MB | DB ${mb(r.dbBytes)} MB`,
  );
  log(
    `  rows: ${r.stored.toLocaleString('en')} stored in SQL for ${r.expected.toLocaleString('en')} in answered requests (${c.rowsAnswered.toLocaleString('en')} answered as inserted, ${c.duplicates} resends) → ${r.stored === r.expected && c.rowsAnswered === r.expected ? 'each stored exactly once' : 'MISMATCH'}`,
  );
  for (const k of [...new Set(r.queries.map((q) => q.kind))]) {
    const qs = r.queries.filter((q) => q.kind === k);
    const bad = qs.filter((q) => q.status !== 200);
    const ms = qs.map((q) => q.ms);
    log(
      `  dashboard ${k.padEnd(24)} ${String(qs.length).padStart(3)}× p50 ${percentile(ms, 50).toFixed(0).padStart(5)} ms, max ${Math.max(
        ...ms,
      )
        .toFixed(0)
        .padStart(
          5,
        )} ms, ${(qs.reduce((s, q) => s + q.bytes, 0) / qs.length / 1024).toFixed(0)} KiB${bad.length ? `, ${bad.length} not 200 (${[...new Set(bad.map((b) => b.status))].join(', ')})` : ''}`,
    );
  }
  const stalls = c.slowestPerSecond.map((ms, s) => [s, ms]).filter(([, ms]) => ms >= opt.p99);
  if (stalls.length)
    log(
      `  seconds of the window with a request over ${opt.p99} ms: ${stalls.map(([s, ms]) => `${s}s:${ms}`).join(' ')}`,
    );
  log(
    `  load average ${r.load[0]} → ${r.load[1]} | ${r.pass ? 'meets the goal' : `misses the goal: ${r.why.join(', ')}`}`,
  );
}

/** One side at one size on a fresh file: start, run, stop. */
async function fresh(side: Side, hosts: number, round: number): Promise<RunFigures> {
  const file = path.join(dir, `${side.label}-${hosts}-${round}`, 'berth.db');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const s = await startServer(side, file, hosts);
  try {
    const r = await run(side, s, hosts);
    report(r);
    return r;
  } finally {
    await stopChild(s.started, 30_000);
    if (!opt.keep) fs.rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

const results: RunFigures[] = [];
try {
  if (opt.hosts) {
    for (const n of opt.hosts.split(',').map(Number)) {
      for (let round = 0; round < opt.rounds; round++) {
        // Alternate which side goes first, so neither always meets the machine in the same state.
        const order = round % 2 === 0 ? sides : [...sides].reverse();
        for (const side of order) results.push(await fresh(side, n, round));
      }
    }
  } else {
    // Double while the goal is met, then halve the gap between the last pass and the first miss.
    const side = sides[0];
    const file = path.join(dir, 'search', 'berth.db');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const s = await startServer(side, file, opt.max);
    try {
      let lo = 0;
      let hi = Infinity;
      let n = opt.start;
      while (n <= opt.max) {
        const r = await run(side, s, n);
        report(r);
        results.push(r);
        if (r.pass) lo = n;
        else hi = n;
        const next = hi === Infinity ? Math.min(opt.max, n * 2) : Math.round((lo + hi) / 2 / 100) * 100;
        if (next === n || (hi !== Infinity && hi - lo <= Math.max(200, lo * 0.1)) || (lo === opt.max && r.pass)) break;
        n = next;
      }
      log(
        `\nlargest N meeting the goal (p99 < ${opt.p99} ms, no errors, every row stored once): ${lo ? lo.toLocaleString('en') : 'none tried'}`,
      );
    } finally {
      await stopChild(s.started, 30_000);
    }
  }
  table(results);
} finally {
  if (!opt.keep) fs.rmSync(dir, { recursive: true, force: true });
  else log(`databases kept under ${dir}`);
}

function table(rs: RunFigures[]): void {
  log(
    '\n| side | hosts × 40 | rows/s | p50 | p99 | max | errors | stored / sent | server CPU | main thread | overview /hosts | RSS peak | WAL max | load avg |',
  );
  log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rs) {
    const e = Object.values(r.client.errors).reduce((a, b) => a + b, 0);
    const ov = r.queries.filter((q) => q.kind === 'overview /hosts');
    log(
      `| ${r.side} | ${r.hosts.toLocaleString('en')} | ${Math.round(r.rowsPerS).toLocaleString('en')} | ${r.client.latency.p50.toFixed(0)} ms | ${r.client.latency.p99.toFixed(0)} ms | ${r.client.latency.max.toFixed(0)} ms | ${e} | ${r.stored.toLocaleString('en')} / ${r.expected.toLocaleString('en')} | ${r.cpuPct.toFixed(0)} % | ${r.mainPct.toFixed(0)} % | ${
        ov.length
          ? `${percentile(
              ov.map((q) => q.ms),
              50,
            ).toFixed(0)} ms, ${(ov[0].bytes / 1024).toFixed(0)} KiB`
          : '–'
      } | ${mb(r.rssPeak)} MB | ${mb(r.walMax)} MB | ${r.load[0]} → ${r.load[1]} |`,
    );
  }
  if (sides.length < 2 || !opt.hosts) return;
  // Medians per side and size, and this checkout against the other.
  log('\n| hosts | figure (median) | ' + sides.map((s) => s.label).join(' | ') + ' | ratio this / other |');
  log('|---|---|---|---|---|');
  const figures: [string, (r: RunFigures) => number][] = [
    ['p50 ms', (r) => r.client.latency.p50],
    ['p99 ms', (r) => r.client.latency.p99],
    ['max ms', (r) => r.client.latency.max],
    ['rows/s', (r) => r.rowsPerS],
    ['server CPU %', (r) => r.cpuPct],
    ['main thread %', (r) => r.mainPct],
    [
      'overview /hosts ms',
      (r) => {
        const ms = r.queries.filter((q) => q.kind === 'overview /hosts').map((q) => q.ms);
        return ms.length ? percentile(ms, 50) : 0;
      },
    ],
    ['errors', (r) => Object.values(r.client.errors).reduce((a, b) => a + b, 0)],
    ['rows lost', (r) => r.expected - r.stored],
  ];
  for (const n of [...new Set(rs.map((r) => r.hosts))]) {
    for (const [name, f] of figures) {
      const m = sides.map((s) => median(rs.filter((r) => r.side === s.label && r.hosts === n).map(f)));
      const ratio = m[0] ? (m[1] / m[0]).toFixed(2) : '–';
      log(
        `| ${n.toLocaleString('en')} | ${name} | ${m.map((x) => (x >= 100 ? Math.round(x).toLocaleString('en') : x.toFixed(1))).join(' | ')} | ${ratio} |`,
      );
    }
  }
}

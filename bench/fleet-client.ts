// The fleet's agents for bench/fleet.ts, in a process of their own so the server's CPU and
// the client's never mix. Reads a plan (JSON file named by argv[2]):
//  - mode 'register': one tick from each host listed, a few at a time, then exit (hosts that
//    report once and go silent: a fleet's history of containers come and gone);
//  - mode 'live': every host posts one gzip v2 tick every interval, host i at offset
//    (i + 0.5) / N of the interval, each with its own token and a new connection (as the agent
//    does). Every body is built before the first send. Latency is from the request's start to
//    the end of its answer; sends scheduled in the warm-up ticks are not counted.
// Prints JSON lines on stdout: {"plan": …} once the bodies are built, {"result": …} at the end.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { fleetContainers, fleetTick, rowsPerTick, type FleetShape } from './lib/fleet-load.ts';
import { postTick, type TickAnswer } from './lib/post-tick.ts';

export interface ClientPlan {
  mode: 'register' | 'live';
  url: string;
  runId: string;
  shape: FleetShape;
  hosts: { name: string; token: string; seed: number }[];
  /** live: ticks counted as warm-up, then ticks measured. */
  warmupTicks: number;
  windowTicks: number;
  /** Agent send timeout (ms): a request not answered by then is a timeout, as for the agent. */
  timeoutMs: number;
}

export interface ClientResult {
  requests: number;
  ok: number;
  duplicates: number;
  errors: Record<string, number>;
  /** Rows in requests answered 200 (sent) and rows the server said it inserted. */
  rowsSent: number;
  rowsAnswered: number;
  /** Window only. */
  windowRequests: number;
  latency: { p50: number; p90: number; p99: number; max: number };
  /** How late the client started sends against their schedule (window), ms. */
  lag: { p99: number; max: number };
  /** Per second of the window: the slowest request started in it (ms). */
  slowestPerSecond: number[];
  /** Epoch ms of the window's first scheduled send and of the last answer. */
  windowStartMs: number;
  windowEndMs: number;
  /** Sample times (epoch s) of the first and last tick, and of the first measured one. */
  firstTs: number;
  lastTs: number;
  firstWindowTs: number;
  gzipBytes: number;
  buildSeconds: number;
}

const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8')) as ClientPlan;
const out = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

const post = (token: string, body: Buffer) => postTick(plan.url, token, body, { timeoutMs: plan.timeoutMs });

const containers = plan.hosts.map((h) => fleetContainers(h.name, h.seed, plan.shape.containers));
const body = (i: number, ts: number, tick: number) => {
  const h = plan.hosts[i];
  const b = fleetTick(h.name, h.seed, containers[i], ts, `${plan.runId}-${h.seed}-${tick}`, plan.shape);
  return zlib.gzipSync(JSON.stringify(b));
};
const errorKey = (a: TickAnswer) => a.key;
const pct = (sorted: Float64Array, p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : 0;

async function register(): Promise<void> {
  const ts = Math.floor(Date.now() / 1000 / plan.shape.interval) * plan.shape.interval;
  const errors: Record<string, number> = {};
  let next = 0;
  let ok = 0;
  const worker = async () => {
    while (next < plan.hosts.length) {
      const i = next++;
      const a = await post(plan.hosts[i].token, body(i, ts, 0));
      if (a.status === 200) ok++;
      else errors[errorKey(a)] = (errors[errorKey(a)] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  out({ result: { requests: plan.hosts.length, ok, errors } });
}

async function live(): Promise<void> {
  const { interval } = plan.shape;
  const n = plan.hosts.length;
  const ticks = plan.warmupTicks + plan.windowTicks;
  // How long building takes, from a sample, so the first tick is still ahead once all are built.
  const s0 = performance.now();
  const sample = Math.min(n, 200);
  for (let i = 0; i < sample; i++) body(i, 1_800_000_000, 0);
  const perBody = (performance.now() - s0) / sample;
  const estimate = (perBody * n * ticks) / 1000;
  const first = Math.ceil((Date.now() / 1000 + estimate * 1.3 + 5) / interval) * interval;
  const t0 = performance.now();
  const bodies: Buffer[][] = [];
  let gzipBytes = 0;
  for (let k = 0; k < ticks; k++) {
    const list: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const b = body(i, first + k * interval, k);
      gzipBytes += b.length;
      list.push(b);
    }
    bodies.push(list);
  }
  const buildSeconds = (performance.now() - t0) / 1000;
  // Sends in time order: tick k of host i at ts_k + (i + 0.5) / n of the interval.
  const at = (k: number, i: number) => (first + k * interval) * 1000 + ((i + 0.5) / n) * interval * 1000;
  const windowStartMs = at(plan.warmupTicks, 0);
  const windowEndMs = at(ticks, 0);
  out({ plan: { firstTs: first, windowStartMs, windowEndMs, buildSeconds, gzipBytes: gzipBytes / (n * ticks) } });
  if (Date.now() > at(0, 0))
    process.stderr.write(`fleet client: building took longer than estimated; the first sends are late\n`);

  const latencies: number[] = [];
  const lags: number[] = [];
  const slowest: number[] = new Array(Math.ceil((windowEndMs - windowStartMs) / 1000)).fill(0);
  const errors: Record<string, number> = {};
  let ok = 0;
  let duplicates = 0;
  let rowsSent = 0;
  let rowsAnswered = 0;
  let lastAnswerMs = 0;
  const inFlight = new Set<Promise<void>>();
  const perTick = rowsPerTick(plan.shape);

  let k = 0;
  let i = 0;
  await new Promise<void>((resolve) => {
    const loop = () => {
      const now = Date.now();
      while (k < ticks && at(k, i) <= now) {
        const scheduled = at(k, i);
        const measured = k >= plan.warmupTicks;
        const started = Date.now();
        const p = post(plan.hosts[i].token, bodies[k][i]).then((a) => {
          inFlight.delete(p);
          lastAnswerMs = Date.now();
          if (a.status === 200) {
            ok++;
            rowsSent += perTick;
            rowsAnswered += a.rows;
            if (a.duplicate) duplicates++;
          } else errors[errorKey(a)] = (errors[errorKey(a)] ?? 0) + 1;
          if (!measured) return;
          latencies.push(a.ms);
          const sec = Math.floor((started - windowStartMs) / 1000);
          if (sec >= 0 && sec < slowest.length) slowest[sec] = Math.max(slowest[sec], a.ms);
        });
        inFlight.add(p);
        if (measured) lags.push(started - scheduled);
        bodies[k][i] = Buffer.alloc(0); // sent: let it go
        if (++i === n) {
          i = 0;
          k++;
        }
      }
      if (k < ticks) setTimeout(loop, Math.max(0, Math.min(20, at(k, i) - Date.now())));
      else resolve();
    };
    setTimeout(loop, Math.max(0, at(0, 0) - Date.now()));
  });
  while (inFlight.size) await Promise.all([...inFlight]);
  const lat = Float64Array.from(latencies).sort();
  const lag = Float64Array.from(lags).sort();
  const result: ClientResult = {
    requests: n * ticks,
    ok,
    duplicates,
    errors,
    rowsSent,
    rowsAnswered,
    windowRequests: lat.length,
    latency: { p50: pct(lat, 50), p90: pct(lat, 90), p99: pct(lat, 99), max: lat.length ? lat[lat.length - 1] : 0 },
    lag: { p99: pct(lag, 99), max: lag.length ? lag[lag.length - 1] : 0 },
    slowestPerSecond: slowest.map((x) => Math.round(x)),
    windowStartMs,
    windowEndMs: Math.max(windowEndMs, lastAnswerMs),
    firstTs: first,
    lastTs: first + (ticks - 1) * interval,
    firstWindowTs: first + plan.warmupTicks * interval,
    gzipBytes: gzipBytes / (n * ticks),
    buildSeconds,
  };
  out({ result });
}

await (plan.mode === 'register' ? register() : live());

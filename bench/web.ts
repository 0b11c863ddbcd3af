// Dashboard figures in real Chromium against a real server on a seeded SQLite file:
//  1. time from navigation to the charts in view drawn (the page's berth:in-view mark) and to
//     every chart drawn (berth:drawn), for a host with 30 containers over 7 days, with the
//     page's main-thread time to each (median of --runs loads, cold in a fresh browser context
//     and warm as a reload of the same tab; targets: in view < 500 ms with < 350 ms of main
//     thread, all < 1 s);
//  2. the JavaScript heap across --minutes of live refresh (sampled after a forced GC each
//     minute), with the growth from the first to the last sample against a bound.
// Usage: npx tsx bench/web.ts [--minutes 10] [--refresh 10] [--runs 5] [--containers 30] [--days 7] [--interval 10]
//        [--timeline] (each load's requests: when sent, first byte, end)
//        [--db FILE] (seed FILE once and reuse it in later runs, with its plan in FILE.json; the
//        live feed fills in the ticks since)
//        [--against DIR] (another build of the page, e.g. an older commit's web/dist, served by a
//        second server on the same database; its loads alternate with this page's, one by one)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { spawn, type ChildProcess } from 'node:child_process';
import { openDb } from '../server/db/open.ts';
import { tempDir } from '../test/support/temp.ts';
import { seedFleet, startLiveFeed, type Seeded } from '../test/support/seed.ts';
import type { CDPSession, Page, Request, Response } from 'playwright-core';
import { mainThreadTo, TRACE_CATEGORIES } from './main-thread.ts';
import { ensureWebBuilt, launchChromium, REPO, shippedJs, WEB_DIST } from '../test/support/browser.ts';

const { values: flags } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    refresh: { type: 'string', default: '10' },
    runs: { type: 'string', default: '5' },
    containers: { type: 'string', default: '30' },
    days: { type: 'string', default: '7' },
    interval: { type: 'string', default: '10' },
    range: { type: 'string', default: '7d' },
    timeline: { type: 'boolean', default: false },
    against: { type: 'string' },
    db: { type: 'string' },
  },
});
const num = (k: keyof typeof flags) => {
  const v = Number(flags[k]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${k}: "${flags[k]}" is not a number`);
  return v;
};
const minutes = num('minutes');
const refresh = num('refresh');
const runs = Math.max(1, num('runs'));
/** Allowed heap growth over the live-refresh run: caches fill once, nothing should pile up. */
const HEAP_BOUND = { ratio: 1.25, slackMB: 2 };

/**
 * The server runs in its own process, as in production: in this one it would share an event
 * loop with the browser driver and both would be slower.
 */
async function spawnServer(dbPath: string, webRoot = WEB_DIST): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'server/main.ts',
      '--db',
      dbPath,
      '--port',
      '0',
      '--token',
      'bench-token-0123456789abcdef',
      '--web-root',
      webRoot,
      '--public-read',
    ],
    { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${err.slice(-500)}`)));
  });
  child.stderr!.resume();
  return { url, child };
}

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat. */
function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after "pid (comm) ".
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function metrics(cdp: CDPSession): Promise<Record<string, number>> {
  const { metrics: list } = (await cdp.send('Performance.getMetrics')) as {
    metrics: { name: string; value: number }[];
  };
  return Object.fromEntries(list.map((x) => [x.name, x.value]));
}

/**
 * Waits for the page to say every chart is drawn (data-ready on <html>) with one small
 * expression through CDP. Playwright's waitForFunction would first inject its utility script,
 * 15–75 ms of the page's own main thread, inside the window being timed.
 */
async function waitDrawn(cdp: CDPSession): Promise<void> {
  const expression = `new Promise((resolve) => {
    const el = document.documentElement;
    if (el.dataset.ready) return resolve(true);
    new MutationObserver((_, o) => { if (el.dataset.ready) { o.disconnect(); resolve(true); } }).observe(el, { attributes: true, attributeFilter: ['data-ready'] });
  })`;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error('page not drawn within 60 s')), 60_000)),
  );
  try {
    await Promise.race([
      cdp.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true }),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** The 1, 5 and 15 minute load averages, as `uptime` prints them. */
const loadAverage = () => fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(', ');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (b: number) => (b / 1024 / 1024).toFixed(2);

async function main(): Promise<void> {
  if (!fs.existsSync('/usr/bin/chromium') && !process.env.BERTH_CHROMIUM)
    throw new Error('Chromium not found at /usr/bin/chromium');
  console.log(`machine load average at start: ${loadAverage()}`);
  ensureWebBuilt();
  const js = shippedJs();
  console.log(
    `page JavaScript: ${(js.gzip / 1024).toFixed(1)} KiB gzipped (${js.files.length} file${js.files.length === 1 ? '' : 's'})`,
  );

  const dir = tempDir('berth-bench-web-');
  const dbPath = flags.db ? path.resolve(flags.db) : path.join(dir, 'berth.db');
  const planPath = `${dbPath}.json`;
  const reuse = flags.db !== undefined && fs.existsSync(dbPath) && fs.existsSync(planPath);
  const db = openDb(dbPath);
  let fleet: Seeded;
  if (reuse) {
    fleet = JSON.parse(fs.readFileSync(planPath, 'utf8')) as Seeded;
    console.log(
      `reusing ${dbPath}: ${fleet.hosts[0].containers.length} containers from ${new Date(fleet.from * 1000).toISOString()}`,
    );
  } else {
    fleet = seedFleet(db.$client, {
      hosts: 1,
      containers: num('containers'),
      days: num('days'),
      interval: num('interval'),
      offline: false,
      gone: false,
    });
    if (flags.db) fs.writeFileSync(planPath, JSON.stringify(fleet));
    const size = fs.statSync(dbPath).size;
    console.log(
      `seeded 1 host × ${num('containers')} containers × ${num('days')} d at ${num('interval')} s: ${fleet.rows} rows, ${mb(size)} MiB, in ${fleet.seconds.toFixed(1)} s`,
    );
  }

  // The feed plays the agent: one snapshot per interval, written beside the server.
  const stopFeed = startLiveFeed(db.$client, fleet);
  const servers = [await spawnServer(dbPath)];
  if (flags.against) {
    if (!fs.existsSync(path.join(flags.against, 'index.html')))
      throw new Error(`--against: no index.html in ${flags.against}`);
    servers.push(await spawnServer(dbPath, path.resolve(flags.against)));
  }
  const browser = await launchChromium();
  const host = fleet.hosts[0].name;
  try {
    // 1. Navigation to all charts drawn: cold (a fresh browser context, so a new renderer
    //    process and an empty HTTP cache) and warm (reloading the same tab). With --against,
    //    the two pages take turns, so both see the same machine load.
    const sides = servers.map((server, i) => ({
      name: i === 0 ? 'this page' : `--against ${flags.against}`,
      server,
      url: `${server.url}/host/${encodeURIComponent(host)}?range=${flags.range}`,
    }));
    type Side = (typeof sides)[number];
    /** The sides in turn, the first one changing with i. */
    const inTurn = (i: number) => (i % 2 ? [...sides].reverse() : sides);
    const named = (side: Side, label: string) => (sides.length > 1 ? `${label} (${side.name})` : label);
    type Load = {
      inView: number;
      drawn: number;
      main: number;
      mainCpu: number;
      mainAll: number;
      cpuAll: number;
      server: number;
    };
    const measure = async (
      side: Side,
      label: string,
      page: Page,
      cdp: CDPSession,
      go: () => Promise<unknown>,
    ): Promise<Load> => {
      const { server } = side;
      label = named(side, label);
      let requests = 0;
      const onRequest = () => requests++;
      // A failed query makes the page retry, which would be timed as a slow load: say so.
      const onResponse = async (res: Response) => {
        if (res.status() >= 400)
          console.log(
            `  ${res.status()} ${res.url().slice(0, 120)}: ${(await res.text().catch(() => '')).slice(0, 200)}`,
          );
      };
      const onFailed = (req: Request) =>
        console.log(`  request failed: ${req.url().slice(0, 120)}: ${req.failure()?.errorText}`);
      page.on('request', onRequest);
      page.on('response', onResponse);
      page.on('requestfailed', onFailed);
      const cpu0 = cpuSeconds(server.child.pid!);
      // What the page's main thread does, from a trace of this load alone (main-thread.ts).
      await browser.startTracing(page, { categories: TRACE_CATEGORIES });
      await go();
      await waitDrawn(cdp);
      const cpu1 = cpuSeconds(server.child.pid!);
      const trace = JSON.parse((await browser.stopTracing()).toString()) as Parameters<typeof mainThreadTo>[0];
      page.off('request', onRequest);
      page.off('response', onResponse);
      page.off('requestfailed', onFailed);
      const all = mainThreadTo(trace, 'berth:drawn');
      // A page from before the in-view mark existed drew everything at once.
      const inView = mainThreadTo(trace, 'berth:in-view') ?? all;
      if (!all || !inView) throw new Error(`${label}: no berth:drawn mark in the trace`);
      const r = await page.evaluate(() => ({
        drawn: performance.getEntriesByName('berth:drawn')[0].startTime,
        // A page from before the mark existed drew everything at once.
        inView: (performance.getEntriesByName('berth:in-view')[0] ?? performance.getEntriesByName('berth:drawn')[0])
          .startTime,
        charts: document.querySelectorAll('.chart[data-drawn="1"]').length,
        bytes: performance
          .getEntriesByType('resource')
          .reduce((n, e) => n + (e as PerformanceResourceTiming).encodedBodySize, 0),
        step: document.querySelector('.chart .tier')?.textContent,
        nav: (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).responseEnd,
        res: performance.getEntriesByType('resource').map((e) => {
          const t = e as PerformanceResourceTiming;
          return {
            name: t.name,
            start: t.startTime,
            req: t.requestStart,
            first: t.responseStart,
            end: t.responseEnd,
            bytes: t.encodedBodySize,
          };
        }),
      }));
      if (flags.timeline) {
        // Where a load waits: each request's start, sent, first byte and end (ms from navigation).
        console.log(`  page received ${r.nav.toFixed(0)}; start / sent / first byte / end, KiB, what`);
        for (const x of r.res) {
          const ms = [x.start, x.req, x.first, x.end].map((v) => v.toFixed(0).padStart(5)).join(' ');
          console.log(
            `  ${ms} ${(x.bytes / 1024).toFixed(0).padStart(4)} ${x.name.replace(/^https?:\/\/[^/]+/, '').slice(0, 90)}`,
          );
        }
      }
      const by = inView.by
        .slice(0, 5)
        .map(([k, v]) => `${k} ${v.toFixed(0)}`)
        .join(', ');
      console.log(
        `${label}: ${r.inView.toFixed(0)} ms to the charts in view, ${r.drawn.toFixed(0)} ms to all ${r.charts} drawn; ${requests} requests, ${(r.bytes / 1024).toFixed(0)} KiB; ` +
          `page main thread to in view ${inView.busy.toFixed(0)} ms busy, ${inView.cpu.toFixed(0)} ms CPU (${by}); to all ${all.busy.toFixed(0)} ms busy, ${all.cpu.toFixed(0)} ms CPU; ` +
          `server CPU ${((cpu1 - cpu0) * 1000).toFixed(0)} ms; ${r.step}`,
      );
      return {
        inView: r.inView,
        drawn: r.drawn,
        main: inView.busy,
        mainCpu: inView.cpu,
        mainAll: all.busy,
        cpuAll: all.cpu,
        server: (cpu1 - cpu0) * 1000,
      };
    };
    const summary = (name: string, loads: Load[]) => {
      const of = (k: keyof Load) => loads.map((l) => l[k]);
      const range = (k: keyof Load) => `${Math.min(...of(k)).toFixed(0)}–${Math.max(...of(k)).toFixed(0)}`;
      console.log(
        `${name} (${flags.range}, ${num('containers')} containers, median of ${loads.length}): charts in view drawn ${median(of('inView')).toFixed(0)} ms (${range('inView')}), ` +
          `all drawn ${median(of('drawn')).toFixed(0)} ms (${range('drawn')}); page main thread to in view ${median(of('main')).toFixed(0)} ms busy, ${median(of('mainCpu')).toFixed(0)} ms CPU; ` +
          `to all ${median(of('mainAll')).toFixed(0)} ms busy, ${median(of('cpuAll')).toFixed(0)} ms CPU; server CPU ${median(of('server')).toFixed(0)} ms; target in view < 500 ms, main thread < 350 ms, all < 1000 ms`,
      );
    };
    const tab = async () => {
      const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await ctx.newPage();
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('Performance.enable');
      return { ctx, page, cdp };
    };
    const cold = sides.map((): Load[] => []);
    for (let i = 0; i <= runs; i++) {
      for (const side of inTurn(i)) {
        const { ctx, page, cdp } = await tab();
        // The first load warms the server's SQLite page cache and is not counted.
        const l = await measure(side, i === 0 ? 'cold warm-up' : `cold ${i}`, page, cdp, () => page.goto(side.url));
        if (i > 0) cold[sides.indexOf(side)].push(l);
        await ctx.close();
      }
    }
    const warm = sides.map((): Load[] => []);
    const tabs = await Promise.all(sides.map(() => tab()));
    for (const [k, { page }] of tabs.entries()) {
      await page.goto(sides[k].url);
      await page.waitForFunction(() => document.documentElement.dataset.ready, null, { timeout: 60_000 });
    }
    for (let i = 1; i <= runs; i++) {
      for (const side of inTurn(i)) {
        const { page, cdp } = tabs[sides.indexOf(side)];
        warm[sides.indexOf(side)].push(await measure(side, `warm ${i}`, page, cdp, () => page.reload()));
      }
    }
    for (const { ctx } of tabs) await ctx.close();
    sides.forEach((side, k) => {
      summary(named(side, 'cold'), cold[k]);
      summary(named(side, 'warm'), warm[k]);
    });
    if (sides.length > 1) {
      const ratio = (loads: Load[][], k: keyof Load) =>
        (median(loads[0].map((l) => l[k])) / median(loads[1].map((l) => l[k]))).toFixed(2);
      for (const [name, loads] of [
        ['cold', cold],
        ['warm', warm],
      ] as const)
        console.log(
          `this page / --against, medians, ${name}: in view ${ratio(loads, 'inView')}, all drawn ${ratio(loads, 'drawn')}, main thread to in view ${ratio(loads, 'main')} (CPU ${ratio(loads, 'mainCpu')}), to all ${ratio(loads, 'mainAll')} (CPU ${ratio(loads, 'cpuAll')})`,
        );
    }
    console.log(
      `machine load average ${loadAverage()} (${os.availableParallelism()} CPUs; figures are wall-clock and move with it)`,
    );

    // 2. Heap over live refresh: each side in its own tab at the same time (with --against,
    //    both pages live through the same minutes of the same feed).
    if (minutes > 0) {
      const live = await Promise.all(
        sides.map(async (side) => {
          const t = await tab();
          await t.page.goto(`${side.url}&refresh=${refresh}`);
          await t.page.waitForFunction(() => document.documentElement.dataset.ready, null, { timeout: 60_000 });
          return { side, ...t };
        }),
      );
      type Sample = { heap: number; nodes: number; listeners: number; loads: number };
      const sample = async ({ page, cdp }: (typeof live)[number]): Promise<Sample> => {
        await cdp.send('HeapProfiler.collectGarbage');
        const m = await metrics(cdp);
        const loads = Number(await page.evaluate(() => document.documentElement.dataset.ready));
        return { heap: m.JSHeapUsedSize, nodes: m.Nodes, listeners: m.JSEventListeners, loads };
      };
      const firsts: Sample[] = [];
      for (const l of live) firsts.push(await sample(l));
      const lasts = [...firsts];
      console.log(`live refresh every ${refresh} s for ${minutes} min (heap after forced GC):`);
      console.log(`  min  heap MiB  DOM nodes  listeners  refreshes  page`);
      const row = (t: number, s: Sample, k: number) =>
        console.log(
          `  ${String(t).padStart(3)}  ${mb(s.heap).padStart(8)}  ${String(s.nodes).padStart(9)}  ${String(s.listeners).padStart(9)}  ${String(s.loads - 1).padStart(9)}  ${sides[k].name}`,
        );
      firsts.forEach((s, k) => row(0, s, k));
      for (let t = 1; t <= minutes; t++) {
        await new Promise((r) => setTimeout(r, 60_000));
        for (const [k, l] of live.entries()) {
          lasts[k] = await sample(l);
          row(t, lasts[k], k);
        }
      }
      live.forEach((l, k) => {
        const [first, last] = [firsts[k], lasts[k]];
        const bound = first.heap * HEAP_BOUND.ratio + HEAP_BOUND.slackMB * 1024 * 1024;
        const ok = last.heap <= bound;
        console.log(
          `heap (${l.side.name}): ${mb(first.heap)} → ${mb(last.heap)} MiB after ${last.loads - first.loads} refreshes (${(((last.heap - first.heap) / first.heap) * 100).toFixed(1)} %); bound ${mb(bound)} MiB: ${ok ? 'OK' : 'GROWING'}`,
        );
        if (!ok && k === 0) process.exitCode = 1;
      });
      for (const { ctx } of live) await ctx.close();
      console.log(`machine load average ${loadAverage()}`);
    }
  } finally {
    stopFeed();
    await browser.close();
    for (const server of servers) {
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
    }
    db.$client.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench/web: ${(e as Error).stack ?? e}`);
  process.exit(1);
});

// The dashboard in real Chromium against a real server on a temp SQLite file seeded with a
// generated fleet: what an operator sees and does (overview, charts drawn, drag to zoom,
// range in the URL, hostile names, server restarts). Screenshots go to test-artifacts/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import { openDb } from '../server/db/open.ts';
import { startServer, type RunningServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { testConfig, TEST_TOKEN } from './support/server.ts';
import { HOST_CHARTS } from '../protocol/metrics.ts';
import { feedTick, HOSTILE_NAME, seedFleet, type Seeded } from './support/seed.ts';
import { artifact, browserSkipReason, ensureWebBuilt, launchChromium, shippedJs, WEB_DIST } from './support/browser.ts';

const JS_BUDGET_GZIP = 120 * 1024;

test('the page ships under 120 kB of gzipped JavaScript', () => {
  ensureWebBuilt();
  const js = shippedJs();
  for (const f of js.files)
    console.log(`${f.name}: ${(f.bytes / 1024).toFixed(1)} KiB, ${(f.gzip / 1024).toFixed(1)} KiB gzipped`);
  console.log(`total JavaScript gzipped: ${(js.gzip / 1024).toFixed(1)} KiB (budget ${JS_BUDGET_GZIP / 1024} KiB)`);
  assert.ok(js.gzip > 10_000, 'the bundle looks empty');
  assert.ok(js.gzip < JS_BUDGET_GZIP, `${js.gzip} bytes gzipped is over the budget`);
});

const skip = browserSkipReason();

describe('dashboard in Chromium', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let fleet: Seeded;
  const config = testConfig({ webRoot: WEB_DIST, rollupEverySeconds: 2 });
  const log = memoryLogger();

  before(async () => {
    ensureWebBuilt();
    const db = openDb(config.dbPath);
    fleet = seedFleet(db.$client, { hosts: 3, containers: 6, days: 1, interval: 30 });
    // Seeding can take half a minute on a loaded machine: the online hosts send a tick now, as
    // their agents would have meanwhile, so that "online" means what it does for a live host.
    feedTick(db.$client, fleet, Math.floor(Date.now() / 1000));
    db.$client.close();
    console.log(`seeded ${fleet.rows} rows in ${fleet.seconds.toFixed(1)} s`);
    server = await startServer(config, log);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(path.dirname(config.dbPath), { recursive: true, force: true });
  });

  async function open(url: string, opts: { width?: number; height?: number; dark?: boolean } = {}): Promise<Page> {
    const page = await browser.newPage({
      viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
      colorScheme: opts.dark ? 'dark' : 'light',
      timezoneId: 'Europe/Berlin',
    });
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('dialog', (d) => {
      problems.push(`a dialog opened: ${d.message()}`);
      void d.dismiss();
    });
    (page as Page & { problems: string[] }).problems = problems;
    await page.goto(server.url + url);
    await ready(page);
    return page;
  }

  /** Waits for the page to finish a load after `after` loads (all charts drawn). */
  async function ready(page: Page, afterLoads = 0): Promise<number> {
    await page.waitForFunction((n) => Number(document.documentElement.dataset.ready ?? 0) > n, afterLoads, {
      timeout: 20_000,
    });
    return Number(await page.evaluate(() => document.documentElement.dataset.ready));
  }

  const problemsOf = (page: Page) => (page as Page & { problems: string[] }).problems;

  /** Per chart: how many strongly coloured pixels its canvas holds (grid and text are grey). */
  function colouredPixels(page: Page): Promise<Record<string, number>> {
    return page.evaluate(() => {
      const out: Record<string, number> = {};
      for (const panel of document.querySelectorAll<HTMLElement>('.chart')) {
        const canvas = panel.querySelector('canvas');
        if (!canvas) {
          out[panel.dataset.chart!] = -1;
          continue;
        }
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let n = 0;
        for (let i = 0; i < data.length; i += 4) {
          const max = Math.max(data[i], data[i + 1], data[i + 2]);
          const min = Math.min(data[i], data[i + 1], data[i + 2]);
          if (data[i + 3] > 128 && max - min > 60) n++;
        }
        out[panel.dataset.chart!] = n;
      }
      return out;
    });
  }

  test('the overview lists every seeded host, online or not', async () => {
    const page = await open('/');
    const cards = await page
      .locator('.host-card')
      .evaluateAll((els) =>
        els.map((e) => ({ name: (e as HTMLElement).dataset.host, offline: e.classList.contains('offline') })),
      );
    assert.deepEqual(cards.map((c) => c.name).sort(), fleet.hosts.map((h) => h.name).sort());
    for (const h of fleet.hosts)
      assert.equal(cards.find((c) => c.name === h.name)?.offline, !h.online, `${h.name} online state`);
    assert.match(await page.locator('.summary').innerText(), /3 hosts, 2 online/);
    await page.screenshot({ path: artifact('overview-light.png'), fullPage: true });
    const dark = await open('/?range=24h', { dark: true });
    await dark.screenshot({ path: artifact('overview-dark.png'), fullPage: true });
    assert.deepEqual([...problemsOf(page), ...problemsOf(dark)], []);
    await page.close();
    await dark.close();
  });

  test('an empty install shows the command that starts the first agent against this server', async () => {
    const emptyConfig = testConfig({ webRoot: WEB_DIST });
    const empty = await startServer(emptyConfig, memoryLogger());
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 700 } });
      await page.goto(empty.url);
      await page.locator('.empty').waitFor({ state: 'visible' });
      assert.equal(
        await page.locator('.empty pre.cmd code').innerText(),
        `BERTH_TOKEN=<TOKEN> npm run agent -- --server ${empty.url}`,
      );
      assert.equal(await page.locator('.host-card').count(), 0);
      await page.screenshot({ path: artifact('overview-empty.png') });
      await page.close();
    } finally {
      await empty.close();
      fs.rmSync(path.dirname(emptyConfig.dbPath), { recursive: true, force: true });
    }
  });

  test('the host view draws every chart with data', async () => {
    const page = await open('/host/app-1?range=24h');
    const charts = await colouredPixels(page);
    const expected = ['cpu', 'load', 'mem', 'net', 'disk', 'fs', 'c-cpu', 'c-mem', 'c-net', 'c-blk'];
    assert.deepEqual(Object.keys(charts).sort(), [...expected].sort());
    for (const id of expected) assert.ok(charts[id] > 300, `chart ${id} looks blank (${charts[id]} coloured pixels)`);
    // The lines are the catalogue's: the readouts name its labels (cpu_softirq_pct's "softirq" among them).
    for (const chart of HOST_CHARTS.filter((c) => !c.split)) {
      const names = await page.locator(`[data-chart="${chart.id}"] .ro-name`).allInnerTexts();
      assert.deepEqual(
        names,
        chart.lines.map((l) => l.label),
        `${chart.id} readout`,
      );
    }
    assert.equal(await page.locator('.chart-note.error:visible').count(), 0, 'no chart shows an error');
    await page.screenshot({ path: artifact('host-24h.png'), fullPage: true });
    const phone = await open('/host/app-1?range=6h', { width: 390, height: 844, dark: true });
    const overflow = await phone.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `the phone layout scrolls sideways by ${overflow}px`);
    await phone.screenshot({ path: artifact('host-phone-dark.png'), fullPage: true });
    assert.deepEqual([...problemsOf(page), ...problemsOf(phone)], []);
    await page.close();
    await phone.close();
  });

  test('dragging across a chart re-queries a narrower range at a finer step; double-click steps back', async () => {
    const page = await open('/host/app-1?range=24h');
    const hostQueries: { from: number; to: number; step: number }[] = [];
    page.on('response', async (res) => {
      const u = new URL(res.url());
      if (u.pathname !== '/api/v1/series' || u.searchParams.get('container') || !u.searchParams.get('metrics')) return;
      const body = (await res.json()) as { step: number };
      hostQueries.push({
        from: Number(u.searchParams.get('from')),
        to: Number(u.searchParams.get('to')),
        step: body.step,
      });
    });
    const loads = Number(await page.evaluate(() => document.documentElement.dataset.ready));
    const before = await page.evaluate(() => window.berth!.window());
    const over = page.locator('[data-chart="cpu"] .u-over');
    const box = (await over.boundingBox())!;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width * 0.5, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, y, { steps: 8 });
    await page.mouse.up();
    await ready(page, loads);
    assert.match(page.url(), /[?&]zoom=\d+-\d+/, 'the zoom is in the URL');
    const zoomed = hostQueries.at(-1)!;
    assert.ok(zoomed, 'a host series query followed the drag');
    const span = zoomed.to - zoomed.from;
    assert.ok(zoomed.from > before.from && zoomed.to < before.to, 'the new range lies inside the old one');
    assert.ok(
      span > 0.05 * (before.to - before.from) && span < 0.15 * (before.to - before.from),
      `span ${span} is about a tenth of the day`,
    );
    const firstStep = await page.evaluate(() => document.querySelector('[data-chart="cpu"] .tier')?.textContent);
    assert.ok(zoomed.step < 300, `finer step after zoom: ${zoomed.step} s (was 300 s over 24 h)`);
    assert.match(firstStep ?? '', /every 30 s|avg per 1 min/);
    await page.screenshot({ path: artifact('host-zoomed.png'), fullPage: false });

    const loads2 = Number(await page.evaluate(() => document.documentElement.dataset.ready));
    await over.dblclick({ position: { x: box.width * 0.3, y: box.height / 2 } });
    await ready(page, loads2);
    assert.doesNotMatch(page.url(), /zoom=/, 'double-click stepped back out');
    const back = hostQueries.at(-1)!;
    assert.ok(back.to - back.from >= 86_000, 'the whole day is queried again');
    assert.equal(back.step, 300);
    assert.deepEqual(problemsOf(page), []);
    await page.close();
  });

  test('live refreshes keep the zoom and the toggles', async () => {
    const w = { from: fleet.to - 5400, to: fleet.to - 3600 };
    const page = await open(`/host/app-1?range=6h&refresh=1&zoom=${w.from}-${w.to}&hide=shop-web-1`);
    const loads = Number(await page.evaluate(() => document.documentElement.dataset.ready));
    await ready(page, loads + 2);
    assert.deepEqual(await page.evaluate(() => window.berth!.window()), w, 'still zoomed after refreshes');
    assert.match(page.url(), /zoom=\d+-\d+.*hide=shop-web-1/);
    assert.equal(await page.getAttribute('.legend-item[data-name="shop-web-1"]', 'aria-pressed'), 'false');
    // The status says "Loading…" while a refresh is under way (one a second here).
    await page.locator('.status', { hasText: /Live \(zoomed\)/ }).waitFor({ timeout: 10_000 });
    assert.deepEqual(problemsOf(page), []);
    await page.close();
  });

  test('changing the range updates the URL, and a reload restores range and toggles', async () => {
    const page = await open('/host/app-1');
    const loads = Number(await page.evaluate(() => document.documentElement.dataset.ready));
    await page.click('[data-preset="6h"]');
    await ready(page, loads);
    assert.match(page.url(), /[?&]range=6h/);
    await page.locator('.legend-item', { hasText: 'shop-web-1' }).click();
    assert.match(page.url(), /[?&]hide=shop-web-1/);
    await page.locator('[data-chart="cpu"] .ro-item', { hasText: 'steal' }).click();
    assert.match(decodeURIComponent(page.url()), /[?&]off=cpu:steal/);

    const requests: Request[] = [];
    page.on('request', (r) => requests.push(r));
    await page.reload();
    await ready(page);
    assert.equal(await page.getAttribute('[data-preset="6h"]', 'aria-pressed'), 'true');
    assert.equal(await page.getAttribute('.legend-item[data-name="shop-web-1"]', 'aria-pressed'), 'false');
    assert.ok(await page.locator('[data-chart="cpu"] .ro-item.off', { hasText: 'steal' }).count(), 'steal stays off');
    const urls = requests.map((r) => new URL(r.url()));
    // Every container's lines come in one request, not one request per container.
    assert.equal(
      urls.filter((u) => u.pathname === '/api/v1/container-series').length,
      1,
      'one container-series request',
    );
    assert.deepEqual(
      urls.filter((u) => u.pathname === '/api/v1/series' && u.searchParams.has('container')).map(String),
      [],
      'no request per container',
    );
    // The host's own charts (core columns and labelled series) come in one request too.
    assert.equal(
      urls.filter((u) => u.pathname === '/api/v1/series' && u.searchParams.has('metrics')).length,
      1,
      'one series request for the host charts',
    );
    const spans = urls
      .filter((u) => u.pathname === '/api/v1/series' || u.pathname === '/api/v1/container-series')
      .map((u) => Number(u.searchParams.get('to')) - Number(u.searchParams.get('from')));
    assert.ok(spans.length > 0 && spans.every((s) => Math.abs(s - 21_600) <= 2), `every query spans 6 h: ${spans}`);
    // The browser's back button returns to the previous range.
    await page.goBack();
    await page.waitForFunction(() => !location.search.includes('range=6h'));
    assert.equal(await page.getAttribute('[data-preset="1h"]', 'aria-pressed'), 'true');
    assert.deepEqual(problemsOf(page), []);
    await page.close();
  });

  test('a hostile container name is shown as text, never as markup', async () => {
    const page = await open('/host/app-1');
    for (const where of ['.top-table', '.legend']) {
      const texts = await page.locator(`${where}`).innerText();
      assert.ok(texts.includes(HOSTILE_NAME), `${where} shows the name as text`);
    }
    assert.equal(await page.locator('main img').count(), 0, 'no <img> element was created');
    await page.locator('.top-table a', { hasText: HOSTILE_NAME }).click();
    await ready(page);
    assert.equal(await page.locator('h1').innerText(), HOSTILE_NAME);
    assert.equal(new URL(page.url()).pathname, `/host/app-1/container/${encodeURIComponent(HOSTILE_NAME)}`);
    assert.ok(
      (await page.locator('table.kv').innerText()).includes('<b>not bold</b> & "quoted"'),
      'label values are text',
    );
    assert.equal(await page.locator('main img, main b:has-text("not bold")').count(), 0);
    const charts = await colouredPixels(page);
    for (const id of ['cpu', 'mem', 'net', 'blk', 'pids'])
      assert.ok(charts[id] > 100, `container chart ${id} is drawn`);
    await page.screenshot({ path: artifact('container-hostile.png'), fullPage: true });
    await page.reload();
    await ready(page);
    assert.equal(await page.locator('h1').innerText(), HOSTILE_NAME, 'the link reproduces the view');
    assert.deepEqual(problemsOf(page), [], 'no script ran and no dialog opened');
    await page.close();
  });

  test('names that reverse text or run long stay in their place: set apart, wrapped, the page no wider than a phone', async () => {
    // A right-to-left override left open ("invoice\u202Efdp.exe" shows as "invoiceexe.pdf"), a
    // 250-character name and a 256-character compose project, on a host of their own.
    const RLO = 'invoice\u202Efdp.exe';
    const LONG = 'x'.repeat(250);
    const now = Math.floor(Date.now() / 1000);
    const metrics = (i: number) => ({
      cpu_pct: 10 + i,
      mem_bytes: 1e6,
      net_rx_bps: 100 + i,
      net_tx_bps: 50,
      blk_read_bps: 0,
      blk_write_bps: 10,
    });
    const res = await fetch(`${server.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        v: 1,
        batch_id: `odd-names-${process.pid}`,
        agent: { host: 'odd-names', interval: 10 },
        snapshots: [now - 30, now - 20, now - 10].map((ts, i) => ({
          ts,
          host: { cpu_pct: 5 },
          series: [],
          containers: [
            { id: 'a'.repeat(64), name: RLO, metrics: metrics(i) },
            { id: 'b'.repeat(64), name: LONG, compose_project: 'P'.repeat(256), metrics: metrics(i) },
          ],
        })),
      }),
    });
    assert.equal(res.status, 200);
    const page = await open('/host/odd-names?range=15m', { width: 390, height: 844 });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
    // (No named functions inside: the test's transpiler would wrap them in a helper the page lacks.)
    const isolated = await page.evaluate(
      (name) => ({
        inReadout: [...document.querySelectorAll('.ro-name bdi')].some((b) => b.textContent === name),
        legend: getComputedStyle(document.querySelector('.legend-name')!).unicodeBidi,
        cell: getComputedStyle(document.querySelector('.top-table td.name')!).unicodeBidi,
      }),
      RLO,
    );
    assert.deepEqual(
      isolated,
      { inReadout: true, legend: 'isolate', cell: 'isolate' },
      'the name is set apart from the words after it',
    );
    await page.screenshot({ path: artifact('host-odd-names-phone.png'), fullPage: true });
    assert.deepEqual(problemsOf(page), []);
    await page.close();
  });

  test('a stopped server shows an error in place, and the page recovers when it is back', async () => {
    const page = await open('/host/app-1?refresh=1');
    const port = server.port;
    await server.close();
    await page.locator('.banner').waitFor({ state: 'visible', timeout: 15_000 });
    assert.match(await page.locator('.banner').innerText(), /Cannot reach the Berth server/);
    assert.equal(await page.locator('.status').innerText(), 'Offline');
    await page.screenshot({ path: artifact('server-down.png'), fullPage: false });
    const loads = Number(await page.evaluate(() => document.documentElement.dataset.ready));

    server = await startServer({ ...config, port }, log);
    await ready(page, loads);
    await page.locator('.banner').waitFor({ state: 'hidden', timeout: 20_000 });
    assert.equal(await page.locator('.status').innerText(), 'Live');
    const charts = await colouredPixels(page);
    assert.ok(charts.cpu > 300, 'charts are drawn again');
    assert.deepEqual(problemsOf(page), []);
    await page.close();
  });
});

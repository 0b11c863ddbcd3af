// The host view's IPVS, ARP and plugin charts in real Chromium, against a real server fed
// through its ingest route: they appear for the load balancer and not for a plain host, are
// drawn (stacked areas per real server), read honest per-server values, use the units the
// plugin declared, show markup in labels as characters, and join the shared cursor and toggles.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { TEST_TOKEN, testConfig } from './support/server.ts';
import { HOSTILE_NAME } from './support/seed.ts';
import {
  activeConns,
  GC_THRESH3,
  LB_HOST,
  LB_SERVICES,
  PLAIN_HOST,
  PLUGIN,
  PLUGIN_SERIES,
  seedNetworkHosts,
} from './support/seed-network.ts';
import { formatCount } from '../web/format.ts';
import { artifact, browserSkipReason, ensureWebBuilt, launchChromium, WEB_DIST } from './support/browser.ts';

const skip = browserSkipReason();
const INTERVAL = 10;

describe('IPVS, ARP and plugin charts in Chromium', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let to = 0;
  const config = testConfig({ webRoot: WEB_DIST });

  before(async () => {
    ensureWebBuilt();
    server = await startServer(config, memoryLogger());
    to = Math.floor(Date.now() / 1000 / INTERVAL) * INTERVAL;
    await seedNetworkHosts(server.url, TEST_TOKEN, { to, seconds: 2 * 3600, interval: INTERVAL });
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(path.dirname(config.dbPath), { recursive: true, force: true });
  });

  async function open(
    url: string,
    opts: { width?: number; height?: number; dark?: boolean } = {},
  ): Promise<Page & { problems: string[] }> {
    const page = (await browser.newPage({
      viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
      colorScheme: opts.dark ? 'dark' : 'light',
      timezoneId: 'Europe/Berlin',
    })) as Page & { problems: string[] };
    page.problems = [];
    page.on('pageerror', (e) => page.problems.push(e.message));
    page.on('dialog', (d) => {
      page.problems.push(`a dialog opened: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(server.url + url);
    await page.waitForFunction(() => Number(document.documentElement.dataset.ready ?? 0) > 0, undefined, {
      timeout: 20_000,
    });
    return page;
  }

  /** Per chart: strongly coloured pixels (lines) and tinted ones (filled areas and bands). */
  function pixels(page: Page): Promise<Record<string, { lines: number; tinted: number; total: number }>> {
    return page.evaluate(() => {
      const out: Record<string, { lines: number; tinted: number; total: number }> = {};
      for (const panel of document.querySelectorAll<HTMLElement>('.chart')) {
        const canvas = panel.querySelector('canvas');
        if (!canvas) continue;
        const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
        let lines = 0;
        let tinted = 0;
        for (let i = 0; i < data.length; i += 4) {
          const spread = Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]);
          if (data[i + 3] > 128 && spread > 60) lines++;
          if (data[i + 3] > 40 && spread > 20) tinted++;
        }
        out[panel.dataset.chart!] = { lines, tinted, total: data.length / 4 };
      }
      return out;
    });
  }

  const readout = (page: Page, chart: string) =>
    page.locator(`.chart[data-chart="${chart}"] .ro-item`).evaluateAll((els) =>
      els.map((e) => ({
        name: e.querySelector('.ro-name')!.textContent!,
        value: e.querySelector('.ro-val')!.textContent!,
        off: e.classList.contains('off'),
      })),
    );

  test('the load balancer shows a stacked chart per IPVS service, IPVS totals, the ARP table and its plugins', async () => {
    const page = await open(`/host/${LB_HOST}`);
    const charts = await pixels(page);
    const services = LB_SERVICES.map((s) => `ipvs:${s.service}`);
    const plugins = [`plugin:${PLUGIN}:memcached.connections:count`, `plugin:${PLUGIN}:memcached.memory:bytes`];
    const expected = [...services, 'ipvs-conns', 'ipvs-packets', 'ipvs-bytes', 'arp', ...plugins];
    for (const id of expected) {
      assert.ok(charts[id], `chart ${id} is there (have: ${Object.keys(charts).join(', ')})`);
      assert.ok(charts[id].lines > 300, `chart ${id} looks blank (${charts[id].lines} coloured pixels)`);
    }
    // Stacked areas fill a good part of the plot; a chart of lines alone does not.
    for (const id of services)
      assert.ok(
        charts[id].tinted > charts[id].total * 0.15,
        `${id}: filled areas cover ${((100 * charts[id].tinted) / charts[id].total).toFixed(1)} % of the canvas`,
      );
    assert.ok(
      charts['ipvs-conns'].tinted < charts[services[0]].tinted / 2,
      'a plain line chart has far less fill than a stacked one',
    );
    assert.equal(await page.locator('.net-internals h2').innerText(), 'Load balancing and ARP');
    assert.equal(await page.locator('.plugin-charts h2').innerText(), 'Plugins');
    assert.equal(await page.locator('.chart-note.error:visible').count(), 0, 'no chart shows an error');
    await page.locator('.net-internals').screenshot({ path: artifact('host-ipvs-arp.png') });
    await page.locator('.plugin-charts').screenshot({ path: artifact('host-plugins.png') });
    await page.screenshot({ path: artifact('host-lb-full.png'), fullPage: true });
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('the readout of a stacked chart lists each real server with its own value, not the running sum', async () => {
    const page = await open(`/host/${LB_HOST}`);
    // The readout without a cursor shows the newest point.
    const svc = LB_SERVICES[0];
    const items = await readout(page, `ipvs:${svc.service}`);
    assert.deepEqual(
      items.map((i) => i.name),
      svc.realServers.flatMap((rs) => [`${rs.addr} active`, `${rs.addr} inactive`]),
    );
    svc.realServers.forEach((rs, j) => {
      const a = activeConns(0, j, to);
      assert.equal(items[2 * j].value, String(a), `${rs.addr} active`);
      assert.equal(items[2 * j + 1].value, String(Math.round(a / 3)), `${rs.addr} inactive`);
    });
    const note = await page.locator(`.chart[data-chart="ipvs:${svc.service}"] header .sub`).innerText();
    assert.match(note, new RegExp(`^${svc.scheduler} · Masq · 3 real servers · `));
    // ARP: the limit beside the table size, and the share in use.
    const arp = await page.locator('.chart[data-chart="arp"] header .sub').innerText();
    assert.match(arp, new RegExp(`limit gc_thresh3 = ${GC_THRESH3}, \\d+(\\.\\d)? % of it in use`));
    assert.deepEqual(
      (await readout(page, 'arp')).map((i) => i.name),
      ['entries', 'incomplete', 'limit (gc_thresh3)'],
    );
    assert.equal((await readout(page, 'arp'))[2].value, formatCount(GC_THRESH3));
    await page.close();
  });

  test('plugin charts use the labels and units the plugin declared, and report its bad lines', async () => {
    const page = await open(`/host/${LB_HOST}`);
    const mem = await readout(page, `plugin:${PLUGIN}:memcached.memory:bytes`);
    assert.deepEqual(
      mem.map((i) => i.name),
      [PLUGIN_SERIES[2].label],
    );
    assert.match(mem[0].value, /^\d+(\.\d+)? MiB$/, 'bytes read as MiB');
    const conns = await readout(page, `plugin:${PLUGIN}:memcached.connections:count`);
    assert.deepEqual(conns.map((i) => i.name).sort(), [PLUGIN_SERIES[0].label, PLUGIN_SERIES[1].label].sort());
    assert.equal(
      await page.locator(`.chart[data-chart="plugin:${PLUGIN}:memcached.memory:bytes"] h3`).innerText(),
      'memcached.memory',
    );
    assert.match(
      await page.locator('.plugin-charts .section-msg').innerText(),
      new RegExp(`Plugin "${PLUGIN}": 2 lines of its last run were not name<TAB>value<TAB>epoch`),
    );
    await page.close();
  });

  test('labels that look like markup are shown as characters', async () => {
    const page = await open(`/host/${LB_HOST}`);
    const names = await page.locator('.host-extras .ro-name').allTextContents();
    assert.ok(names.includes(`${HOSTILE_NAME} active`), 'the hostile real server is listed by its characters');
    assert.ok(names.includes(HOSTILE_NAME), 'the hostile plugin label is listed by its characters');
    assert.equal(await page.locator('img').count(), 0, 'no element was made from a label');
    assert.deepEqual(page.problems, [], 'no script ran from a label');
    await page.close();
  });

  test('a host without IPVS, ARP totals or plugins shows none of these charts', async () => {
    const page = await open(`/host/${PLAIN_HOST}`);
    assert.equal(await page.locator('.host-extras .chart').count(), 0);
    assert.equal(await page.locator('.net-internals').isVisible(), false);
    assert.equal(await page.locator('.plugin-charts').isVisible(), false);
    const ids = await page.locator('.chart').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.chart));
    assert.ok(ids.includes('cpu'), `the host's own charts are there (${ids.join(', ')})`);
    assert.ok(!ids.some((id) => /^(ipvs|arp|plugin)/.test(id ?? '')), `no IPVS/ARP/plugin chart (${ids.join(', ')})`);
    await page.screenshot({ path: artifact('host-plain.png'), fullPage: true });
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('the new charts follow the shared cursor, and a real server toggles its two lines and stays off after a reload', async () => {
    const page = await open(`/host/${LB_HOST}`);
    const chart = `ipvs:${LB_SERVICES[0].service}`;
    const time = page.locator(`.chart[data-chart="${chart}"] .ro-time`);
    assert.equal(await time.innerText(), 'last');
    const cpu = page.locator('.chart[data-chart="cpu"] .plot');
    const box = (await cpu.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForFunction(
      (sel) => document.querySelector(sel)?.textContent !== 'last',
      `.chart[data-chart="${chart}"] .ro-time`,
    );
    assert.match(
      await time.innerText(),
      /^\d\d:\d\d:\d\d$/,
      'the IPVS chart reads the time under the CPU chart cursor',
    );
    await page.mouse.move(0, 0);

    const rs = LB_SERVICES[0].realServers[1].addr;
    await page.locator(`.chart[data-chart="${chart}"] .ro-item`, { hasText: `${rs} active` }).click();
    const off = (await readout(page, chart)).filter((i) => i.off).map((i) => i.name);
    assert.deepEqual(off, [`${rs} active`, `${rs} inactive`]);
    assert.deepEqual(new URL(page.url()).searchParams.getAll('off'), [`${chart}:${rs}`]);
    await page.reload();
    await page.waitForFunction(() => Number(document.documentElement.dataset.ready ?? 0) > 0);
    assert.deepEqual(
      (await readout(page, chart)).filter((i) => i.off).map((i) => i.name),
      [`${rs} active`, `${rs} inactive`],
    );
    await page.close();
  });

  test('dragging across an IPVS chart zooms every chart of the host; a phone shows them without sideways scrolling', async () => {
    const page = await open(`/host/${LB_HOST}`);
    const chart = page.locator(`.chart[data-chart="ipvs:${LB_SERVICES[0].service}"] .u-over`);
    await chart.scrollIntoViewIfNeeded();
    const box = (await chart.boundingBox())!;
    const loads = Number(await page.evaluate(() => document.documentElement.dataset.ready));
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    await page.waitForFunction((n) => Number(document.documentElement.dataset.ready) > n, loads);
    const zoom = new URL(page.url()).searchParams.getAll('zoom');
    assert.equal(zoom.length, 1, `one zoom window in the URL (${page.url()})`);
    const [a, b] = zoom[0].split('-').map(Number);
    assert.ok(b - a > 600 && b - a < 3600, `the dragged window is part of the hour (${b - a} s)`);
    assert.deepEqual(await page.evaluate(() => window.berth!.window()), { from: a, to: b });
    const charts = await pixels(page);
    for (const id of [`ipvs:${LB_SERVICES[0].service}`, 'arp', 'cpu'])
      assert.ok(charts[id].lines > 300, `${id} is drawn after the zoom`);
    await page.close();

    const phone = await open(`/host/${LB_HOST}`, { width: 390, height: 844, dark: true });
    const overflow = await phone.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(overflow <= 0, `the phone layout scrolls sideways by ${overflow}px`);
    await phone.locator('.net-internals').screenshot({ path: artifact('host-ipvs-phone-dark.png') });
    assert.deepEqual(phone.problems, []);
    await phone.close();
  });
});

// The host view's top processes, services and hardware in real Chromium, against a real server
// fed through its ingest route as an agent would feed it: the process table follows the
// charts' cursor ("what was eating the CPU at that moment?"), failed services stand out, disks
// failing their health check too, and names from the host show as text.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import type { BatchInput } from '../protocol/batch.ts';
import { TEST_TOKEN, testConfig } from './support/server.ts';
import { HOSTILE_NAME } from './support/seed.ts';
import { artifact, browserSkipReason, ensureWebBuilt, launchChromium, WEB_DIST } from './support/browser.ts';

const skip = browserSkipReason();
const INTERVAL = 10;
const HOST = 'depth-1';
/** The first half of the hour a backup ran hot; the second half a web server. */
const busyAt = (ts: number, mid: number) => (ts < mid ? 'backup' : 'nginx');

function snapshot(ts: number, mid: number, n: number): BatchInput['snapshots'][number] {
  const busy = busyAt(ts, mid);
  const unit = (name: string, unitName: string, value: number) => ({ name, labels: { unit: unitName }, value });
  return {
    ts,
    host: { cpu_pct: 40 + (n % 7) },
    containers: [],
    series: [
      unit('unit_active', 'nginx.service', 1),
      unit('unit_failed', 'nginx.service', 0),
      unit('unit_cpu_pct', 'nginx.service', busy === 'nginx' ? 90 : 2),
      unit('unit_mem_bytes', 'nginx.service', 50e6),
      unit('unit_tasks', 'nginx.service', 5),
      unit('unit_restarts', 'nginx.service', 0),
      unit('unit_active', 'nightly-report.service', 0),
      unit('unit_failed', 'nightly-report.service', 1),
      unit('unit_restarts', 'nightly-report.service', 5),
      { name: 'temp_celsius', labels: { chip: 'coretemp-isa-0000', sensor: 'Package id 0' }, value: 50 + (n % 5) },
      { name: 'temp_celsius', labels: { chip: 'coretemp-isa-0000', sensor: 'Core 0' }, value: 48 },
      { name: 'fan_rpm', labels: { chip: 'nct6798-isa-0290', sensor: 'fan2' }, value: 1171 },
      ...['/dev/sda', '/dev/sdb'].flatMap((device) => {
        const labels = {
          device,
          model: device === '/dev/sda' ? 'Samsung SSD 870 EVO 1TB' : 'ST2000DM008',
          serial: 'S1',
        };
        return [
          { name: 'smart_healthy', labels, value: device === '/dev/sda' ? 1 : 0 },
          { name: 'smart_temp_celsius', labels, value: 31 },
          { name: 'smart_reallocated_sectors', labels, value: device === '/dev/sda' ? 0 : 1880 },
        ];
      }),
    ],
    processes: [
      {
        pid: 4242,
        name: 'tar',
        command: 'tar czf /backup/all.tgz /srv',
        user: 'root',
        cpu_pct: busy === 'backup' ? 97 : 1,
        mem_bytes: 20e6,
        read_bps: 80e6,
        write_bps: 20e6,
      },
      {
        pid: 777,
        name: 'nginx',
        command: 'nginx: worker process',
        user: 'www-data',
        container: 'web',
        cpu_pct: busy === 'nginx' ? 88 : 3,
        mem_bytes: 50e6,
      },
      { pid: 31337, name: 'evil', command: HOSTILE_NAME, user: HOSTILE_NAME, cpu_pct: 0.5, mem_bytes: 900e6 },
    ],
  };
}

describe('top processes, services and hardware in Chromium', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let to = 0;
  let mid = 0;
  const config = testConfig({ webRoot: WEB_DIST });

  before(async () => {
    ensureWebBuilt();
    server = await startServer(config, memoryLogger());
    to = Math.floor(Date.now() / 1000 / INTERVAL) * INTERVAL;
    const from = to - 3600;
    mid = from + 1800;
    const stamps: number[] = [];
    for (let ts = from; ts <= to; ts += INTERVAL) stamps.push(ts);
    for (let i = 0; i < stamps.length; i += 60) {
      const body: BatchInput = {
        v: 1,
        batch_id: `depth-${process.pid}-${i}`,
        agent: { host: HOST, interval: INTERVAL, version: 'test' },
        snapshots: stamps.slice(i, i + 60).map((ts, k) => snapshot(ts, mid, i + k)),
      };
      const res = await fetch(`${server.url}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      assert.equal(res.status, 200, await res.text());
    }
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(path.dirname(config.dbPath), { recursive: true, force: true });
  });

  async function open(): Promise<Page & { problems: string[] }> {
    const page = (await browser.newPage({ viewport: { width: 1280, height: 1000 }, timezoneId: 'UTC' })) as Page & {
      problems: string[];
    };
    page.problems = [];
    page.on('pageerror', (e) => page.problems.push(e.message));
    page.on('dialog', (d) => {
      page.problems.push(`a dialog opened: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(`${server.url}/host/${HOST}?range=1h`);
    await page.waitForFunction(() => Number(document.documentElement.dataset.ready ?? 0) > 0, undefined, {
      timeout: 20_000,
    });
    return page;
  }

  const processRows = (page: Page) =>
    page.$$eval('.top-processes tbody tr', (rows) =>
      rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );

  test('the process table shows the newest moment, then the moment the cursor points at', async () => {
    const page = await open();
    await page.waitForSelector('.top-processes:not([hidden]) tbody tr');
    const newest = await processRows(page);
    assert.equal(newest[0]![1], 'nginx: worker process', 'nginx tops the newest moment');
    assert.equal(newest[0]![3], 'web');
    // Markup from the host is shown as characters, not run.
    assert.ok(newest.some((r) => r[1] === HOSTILE_NAME && r[2] === HOSTILE_NAME));
    // Point at the first quarter of the hour: the backup was eating the CPU then.
    const chart = (await page.$('.chart .u-over'))!;
    const box = (await chart.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height / 2);
    await page.waitForFunction(
      () =>
        document.querySelector('.top-processes tbody tr td:nth-child(2)')?.textContent ===
        'tar czf /backup/all.tgz /srv',
      undefined,
      { timeout: 10_000 },
    );
    const at = await page.textContent('.top-processes .section-head .count');
    const shownTs =
      Date.parse(`${new Date(to * 1000).toISOString().slice(0, 10)}T${at!.match(/\d\d:\d\d(:\d\d)?/)![0]}Z`) / 1000;
    assert.ok(shownTs < mid, `the moment shown (${at}) is in the first half`);
    // By memory: the process holding 900 MB first.
    await page.selectOption('.top-processes select', 'mem');
    await page.waitForFunction(() => document.querySelector('.top-processes tbody tr td')?.textContent === '31337');
    await page.locator('.top-processes').screenshot({ path: artifact('host-top-processes.png') });
    assert.deepEqual(page.problems, []);
    await page.close();
  });

  test('services with the failed one first and named; temperatures and fans drawn; a failing disk stands out', async () => {
    const page = await open();
    await page.waitForSelector('.services:not([hidden]) tbody tr');
    const services = await page.$$eval('.services tbody tr', (rows) =>
      rows.map((r) => ({
        failed: r.classList.contains('failed'),
        cells: [...r.querySelectorAll('td')].map((t) => t.textContent),
      })),
    );
    assert.deepEqual(services[0], {
      failed: true,
      cells: ['nightly-report.service', 'failed', '–', '–', '–', '5'],
    });
    assert.equal(services[1]!.cells[0], 'nginx.service');
    assert.equal(services[1]!.cells[1], 'active');
    assert.match((await page.textContent('.services .section-msg'))!, /Failed: nightly-report\.service/);
    const titles = await page.$$eval('.hardware .chart h3, .hardware .chart .title', (e) =>
      e.map((x) => x.textContent),
    );
    assert.ok(
      titles.some((t) => t?.includes('Temperatures')),
      titles.join(),
    );
    assert.ok(
      titles.some((t) => t?.includes('Fans')),
      titles.join(),
    );
    const disks = await page.$$eval('.hardware tbody tr', (rows) =>
      rows.map((r) => ({
        failed: r.classList.contains('failed'),
        cells: [...r.querySelectorAll('td')].map((t) => t.textContent),
      })),
    );
    assert.deepEqual(disks[0]!.cells.slice(0, 3), ['/dev/sdb', 'ST2000DM008', 'FAILING']);
    assert.equal(disks[0]!.failed, true);
    assert.equal(disks[0]!.cells[5], '1880');
    assert.deepEqual(disks[1]!.cells.slice(0, 3), ['/dev/sda', 'Samsung SSD 870 EVO 1TB', 'passed']);
    await page.locator('.host-extras').screenshot({ path: artifact('host-services-hardware.png') });
    assert.deepEqual(page.problems, []);
    await page.close();
  });
});

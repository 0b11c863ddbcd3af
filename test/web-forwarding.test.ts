// The page's status line tells about forwarding (--remote-write) in real Chromium, against a
// real server whose forwarding thread sends to a real HTTP listener on loopback: while the
// target fails, how far behind it is and how many samples wait, in trouble colours; once it
// refuses them, the samples it dropped; once it takes them, up to date. The figures are the
// ones GET /metrics exposes as berth_remote_write_*, read from the same counters.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { parseRemoteUrl } from '../server/remote-url.ts';
import { makeBatch, TEST_TOKEN, testConfig } from './support/server.ts';
import { eventually } from './support/processes.ts';
import { artifact, browserSkipReason, ensureWebBuilt, launchChromium, WEB_DIST } from './support/browser.ts';

const skip = browserSkipReason();
const HOST = 'fwd-1';

describe('forwarding in the status line, in Chromium', { skip, timeout: 180_000 }, () => {
  /** What the remote-write listener answers every request with. */
  let answer = 503;
  let requests = 0;
  let target: http.Server;
  let server: RunningServer;
  let plain: RunningServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const configs = [testConfig({ webRoot: WEB_DIST }), testConfig({ webRoot: WEB_DIST })];

  before(async () => {
    ensureWebBuilt();
    target = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        requests++;
        res.writeHead(answer).end();
      });
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/api/v1/write`;
    server = await startServer({ ...configs[0], remoteWrite: [parseRemoteUrl(url)] }, memoryLogger());
    plain = await startServer(configs[1], memoryLogger());
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => problems.push(e.message));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await plain?.close();
    for (const c of configs) fs.rmSync(path.dirname(c.dbPath), { recursive: true, force: true });
    await new Promise((r) => target?.close(r));
  });

  const ingest = async (s: RunningServer) => {
    const res = await fetch(`${s.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(makeBatch(HOST, [Math.floor(Date.now() / 1000)])),
    });
    assert.equal(res.status, 200, await res.text());
  };
  /** berth_remote_write_NAME for the one target, from GET /metrics. */
  const exposed = async (name: string, extra = ''): Promise<number> => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const lines = text.split('\n').filter((l) => l.startsWith(`berth_remote_write_${name}{`) && l.includes(extra));
    return lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  };
  const line = () => page.locator('.timebar .forwarding');

  test('while the target fails: how far behind, how many samples wait, as trouble', async () => {
    await ingest(server);
    const queued = await eventually(
      async () => (requests >= 2 && (await exposed('queue_samples')) > 0 ? exposed('queue_samples') : undefined),
      30_000,
      'the samples queued for the failing target',
    );
    await page.goto(`${server.url}/?refresh=1`);
    await eventually(
      async () => ((await line().innerText()).includes(' behind,') ? true : undefined),
      30_000,
      'the status line saying forwarding is behind',
    );
    assert.match(
      await line().innerText(),
      new RegExp(`^Forwarding \\d+ s behind, ${queued} samples queued, 0 dropped$`),
    );
    assert.match((await line().getAttribute('class')) ?? '', /\btrouble\b/);
    assert.match(
      (await line().getAttribute('title')) ?? '',
      /127\.0\.0\.1:\d+\/api\/v1\/write: .*last error: HTTP 503$/,
    );
    // The lag the page shows grows with the time the samples wait, as /metrics says.
    const lag = await exposed('lag_seconds');
    assert.ok(lag >= 1, `lag ${lag} s`);
    await page.screenshot({ path: artifact('forwarding-behind.png') });
  });

  test('once the target refuses the samples: the ones dropped', async () => {
    const queued = await exposed('queue_samples');
    answer = 400;
    await eventually(
      async () => ((await line().innerText()).includes(`, ${queued} dropped`) ? true : undefined),
      60_000,
      `the status line counting ${queued} dropped`,
    );
    assert.equal(await line().innerText(), `Forwarding up to date, 0 samples queued, ${queued} dropped`);
    assert.equal(await exposed('dropped_samples_total', 'reason="rejected"'), queued);
  });

  test('once the target takes them: up to date, no longer trouble', async () => {
    answer = 204;
    await ingest(server);
    await eventually(
      async () => ((await exposed('sent_samples_total')) > 0 ? true : undefined),
      60_000,
      'a delivered sample',
    );
    await eventually(
      async () => (/\btrouble\b/.test((await line().getAttribute('class')) ?? '') ? undefined : true),
      30_000,
      'the status line out of trouble',
    );
    assert.match(await line().innerText(), /^Forwarding up to date, 0 samples queued, \d+ dropped$/);
    assert.deepEqual(problems, []);
  });

  test('a server that forwards nowhere says nothing about it', async () => {
    await ingest(plain);
    await page.goto(plain.url);
    await page.waitForFunction(() => Number(document.documentElement.dataset.ready) >= 1);
    await page.waitForTimeout(500);
    assert.equal(await line().isHidden(), true);
  });
});

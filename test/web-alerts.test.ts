// The alerts page in Chromium, on a real server started with --alerts: the rules list, what is
// firing, the failed deliveries and the notification history, with hostile names shown as text.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { browserSkipReason, ensureWebBuilt, launchChromium, WEB_DIST } from './support/browser.ts';
import { testConfig, TEST_TOKEN } from './support/server.ts';
import { freePort } from './support/processes.ts';

const skip = browserSkipReason();
const HOSTILE = '<img src=x onerror="window.__pwned=1">';

describe('alerts page in Chromium', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  const config = testConfig({ webRoot: WEB_DIST });
  const file = path.join(path.dirname(config.dbPath), 'alerts.yaml');

  before(async () => {
    ensureWebBuilt();
    // The webhook points at a closed port: its failures show on the page.
    const closed = await freePort();
    fs.writeFileSync(
      file,
      `receivers:
  ops:
    webhook: http://127.0.0.1:${closed}/hook?token=s3cret
rules:
  - name: 'hot ${HOSTILE}'
    entity: host
    metric: cpu_pct
    above: 90
    notify: [ops]
  - name: crash loop
    event: restart_loop
    restarts: 3
    within: 10m
    notify: [ops]
`,
    );
    server = await startServer({ ...config, alertsFile: file }, memoryLogger());
    browser = await launchChromium();
    const now = Math.floor(Date.now() / 1000);
    const res = await fetch(`${server.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        v: 2,
        batch_id: 'web-alerts-1',
        agent: { host: 'alpha', interval: 10 },
        host: { ts: [now], metrics: { cpu_pct: [99] } },
      }),
    });
    assert.equal(res.status, 200);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(path.dirname(config.dbPath), { recursive: true, force: true });
  });

  it('lists the rules, what fires, the history and failed deliveries', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    // The first delivery try fails at once (connection refused) and is recorded.
    for (let i = 0; i < 50; i++) {
      const a = (await (await fetch(`${server.url}/api/v1/alerts`)).json()) as { failures: unknown[] };
      if (a.failures.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.goto(`${server.url}/alerts`);
    await page.getByTestId('history').waitFor();
    const rules = await page.getByTestId('rules').innerText();
    assert.match(rules, /hot <img src=x onerror="window.__pwned=1">\s+host cpu_pct above 90\s+ops \(webhook\)/);
    assert.match(rules, /crash loop\s+3 restarts within 10m/);
    const firing = await page.getByTestId('firing').innerText();
    assert.match(firing, /hot <img.*\s+alpha\s+.*cpu_pct of alpha is 99, above 90/);
    const failures = await page.getByTestId('failures').innerText();
    assert.match(failures, /ops\s+hot <img.*alpha\s+firing\s+\d+\s+cannot connect \(ECONNREFUSED\)/);
    assert.ok(!failures.includes('s3cret'), 'the URL and its token are not shown');
    const history = await page.getByTestId('history').innerText();
    assert.match(
      history,
      /firing\s+hot <img.*alpha\s+cpu_pct of alpha is 99, above 90\s+ops: retrying \(cannot connect/,
    );
    // The host link goes to its view.
    assert.equal(await page.getByTestId('firing').locator('a').first().getAttribute('href'), '/host/alpha');
    assert.equal(await page.evaluate(() => (window as { __pwned?: number }).__pwned), undefined);
    assert.equal(await page.locator('img').count(), 0, 'names are text, never markup');
    // The fleet page links here.
    await page.goto(server.url);
    await page.getByRole('link', { name: 'Alerts' }).click();
    await page.getByTestId('rules').waitFor();
    assert.equal(new URL(page.url()).pathname, '/alerts');
    assert.deepEqual(problems, []);
  });
});

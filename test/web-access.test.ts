// Sign-in in real Chromium against a real server: the first-run setup link makes an admin, the
// admin adds a viewer and makes a share link on the page; the viewer signs in, sees the fleet
// and a host's charts, is shown no management and is refused (403) when calling it anyway; the
// share link opens exactly one host. The page runs under the server's Content-Security-Policy
// throughout and must not trip it once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { makeBatch, TEST_TOKEN, testConfig } from './support/server.ts';
import { browserSkipReason, ensureWebBuilt, launchChromium, WEB_DIST } from './support/browser.ts';
import { setupLink } from '../server/auth/setup-link.ts';

const skip = browserSkipReason();
const PASSWORD = 'a good long password';

describe('sign-in, roles and share links in Chromium', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  const problems: string[] = [];
  const config = testConfig({ webRoot: WEB_DIST, publicRead: false });

  /** A fresh browser profile (its own cookies) that records CSP violations and page errors. */
  async function profile(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) =>
        console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /CSP violation|Content Security Policy/.test(m.text())) problems.push(m.text());
    });
    return { context, page };
  }

  before(async () => {
    ensureWebBuilt();
    server = await startServer(config, memoryLogger());
    const now = Math.floor(Date.now() / 1000);
    for (const host of ['web-1', 'db-1']) {
      const res = await fetch(`${server.url}/api/v1/ingest`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(
          makeBatch(
            host,
            Array.from({ length: 30 }, (_, i) => now - 300 + i * 10),
            (_ts, i) => ({ host: { cpu_pct: 10 + i, mem_used_bytes: 1e9 + i * 1e6 } }),
          ),
        ),
      });
      assert.equal(res.status, 200);
    }
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(path.dirname(config.dbPath), { recursive: true, force: true });
  });

  let shareLink = '';

  test('the setup link makes the first admin, who adds a viewer and a share link', async () => {
    const { context, page } = await profile();
    await page.goto(server.url);
    await page.getByRole('heading', { name: 'Sign in to Berth' }).waitFor();
    const link = setupLink(server.db.$client, server.url, Math.floor(Date.now() / 1000))!;
    await page.goto(link);
    await page.getByLabel('Name').fill('ada');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create and sign in' }).click();
    await page.locator('.host-card[data-host="web-1"]').waitFor();
    assert.match(await page.locator('.who').innerText(), /ada.*admin/);

    await page.locator('details.access summary').click();
    await page.locator('form.user-add input[name="new-user"]').fill('vera');
    await page.locator('form.user-add input[name="new-user-password"]').fill(PASSWORD);
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.locator('tr[data-user="vera"]').waitFor();

    await page.locator('form.share-add input[name="share-host"]').fill('web-1');
    await page.getByRole('button', { name: 'Make share link' }).click();
    shareLink = (await page.locator('code.share-link').innerText()).trim();
    assert.match(shareLink, /\/s\/berth_s_/);

    // The admin also manages host tokens with its session, no shared token asked for.
    await page.locator('details.add-host summary').click();
    await page.locator('.token-admin').waitFor({ state: 'visible' });
    assert.equal(await page.locator('form.token-auth').isVisible(), false);
    await context.close();
  });

  test('the viewer signs in, sees charts, is shown no management and is refused it', async () => {
    const { context, page } = await profile();
    await page.goto(server.url);
    await page.getByLabel('Name').fill('vera');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('wrong name or password').waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.host-card[data-host="db-1"]').waitFor();
    assert.equal(await page.locator('details.add-host').count(), 0, 'no host management for a viewer');
    assert.equal(await page.locator('details.access').count(), 0);
    // (No named functions inside evaluate: the test's transpiler would wrap them in a helper the page lacks.)
    const status = await page.evaluate(async () => {
      const csrf = ((await (await fetch('/api/v1/session')).json()) as { csrf: string }).csrf;
      const headers = { 'content-type': 'application/json', 'x-berth-csrf': csrf };
      const issue = await fetch('/api/v1/tokens', { method: 'POST', headers, body: '{"host":"x"}' });
      const users = await fetch('/api/v1/users', {
        method: 'POST',
        headers,
        body: JSON.stringify({ name: 'eve', role: 'admin', password: 'x'.repeat(12) }),
      });
      return { list: (await fetch('/api/v1/tokens')).status, issue: issue.status, users: users.status };
    });
    assert.deepEqual(status, { list: 403, issue: 403, users: 403 });

    await page.goto(`${server.url}/host/web-1`);
    await page.waitForFunction(() => Number(document.documentElement.dataset.ready ?? 0) > 0, undefined, {
      timeout: 30_000,
    });
    assert.ok((await page.locator('.uplot canvas').count()) > 0, 'charts drawn');
    await context.close();
  });

  test('a share link opens exactly one host', async () => {
    const { context, page } = await profile();
    await page.goto(shareLink);
    await page.waitForURL(/\/host\/web-1$/);
    await page.waitForFunction(() => Number(document.documentElement.dataset.ready ?? 0) > 0, undefined, {
      timeout: 30_000,
    });
    assert.ok((await page.locator('.uplot canvas').count()) > 0, 'charts drawn');
    assert.match(await page.locator('.who').innerText(), /Shared read-only view of web-1/);
    const seen = await page.evaluate(async () => ({
      hosts: ((await (await fetch('/api/v1/hosts')).json()) as { hosts: { name: string }[] }).hosts.map((h) => h.name),
      other: (await fetch('/api/v1/catalog?host=db-1')).status,
      alerts: (await fetch('/api/v1/alerts')).status,
    }));
    assert.deepEqual(seen, { hosts: ['web-1'], other: 403, alerts: 403 });
    // The fleet's page is not the link's to show: it goes back to the shared host.
    await page.goto(`${server.url}/`);
    await page.waitForURL(/\/host\/web-1$/);
    await page.waitForFunction(() => Number(document.documentElement.dataset.ready ?? 0) > 0, undefined, {
      timeout: 30_000,
    });
    assert.equal(await page.locator('.crumbs a').count(), 0, 'no way to the fleet or the alerts');
    await context.close();
  });

  test('no view tripped the Content-Security-Policy', () => {
    assert.deepEqual(problems, []);
  });
});

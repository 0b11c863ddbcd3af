// The overview's "Add a host" panel in real Chromium against a real server: the one-line
// install names this server, a wrong shared token is refused where it was typed, a token
// issued through the page lets that host ingest (and the shown command really installs and
// runs the agent), a bad host name is refused by the form, and revoking cuts ingest at once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { makeBatch, TEST_TOKEN, testConfig } from './support/server.ts';
import { tempDir } from './support/temp.ts';
import { artifact, browserSkipReason, ensureWebBuilt, launchChromium, REPO, WEB_DIST } from './support/browser.ts';
import { HOST_NAME_RULE } from '../protocol/constants.ts';

const run = promisify(execFile);
const skip = browserSkipReason();
const AGENT_BUNDLE = path.join(REPO, 'dist/berth-agent.mjs');

describe('"Add a host" panel in Chromium', { skip }, () => {
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const config = testConfig({ webRoot: WEB_DIST, agentFile: AGENT_BUNDLE });

  before(async () => {
    ensureWebBuilt();
    if (!fs.existsSync(AGENT_BUNDLE)) throw new Error(`${AGENT_BUNDLE} is missing: run npm run build`);
    server = await startServer(config, memoryLogger());
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('dialog', (d) => {
      problems.push(`a dialog opened: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(server.url);
    await page.locator('.empty').waitFor({ state: 'visible' });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    fs.rmSync(path.dirname(config.dbPath), { recursive: true, force: true });
  });

  const ingestAs = (host: string, token: string) =>
    fetch(`${server.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(makeBatch(host, [Math.floor(Date.now() / 1000)])),
    });

  test('an empty fleet opens the panel with the one-line install for this server', async () => {
    const panel = page.locator('details.add-host');
    assert.equal(await panel.evaluate((d) => (d as HTMLDetailsElement).open), true, 'open when no host has reported');
    assert.equal(
      await panel.locator('.install-generic pre.cmd code').innerText(),
      `curl -fsSo berth-agent.mjs ${server.url}/agent.mjs && BERTH_TOKEN=<TOKEN> node berth-agent.mjs --server ${server.url}`,
    );
    const agent = await fetch(`${server.url}/agent.mjs`);
    assert.equal(agent.status, 200, 'the server serves the file the line downloads');
    await page.screenshot({ path: artifact('add-host-empty.png'), fullPage: true });
  });

  test('a wrong shared token is refused where it was typed', async () => {
    await page.locator('.token-auth input[type=password]').fill('not-the-token');
    await page.locator('.token-auth button[type=submit]').click();
    const msg = page.locator('.add-host .form-msg.error').first();
    await msg.waitFor({ state: 'visible' });
    assert.match(await msg.innerText(), /refused this token: managing tokens needs the server's shared token/);
    assert.equal(await page.locator('.token-admin').isVisible(), false);
  });

  let issued = '';

  test('a token issued through the page works for ingest, and the shown command installs and runs the agent', async () => {
    await page.locator('.token-auth input[type=password]').fill(TEST_TOKEN);
    await page.locator('.token-auth button[type=submit]').click();
    await page.locator('.token-admin').waitFor({ state: 'visible' });
    assert.equal(
      await page.locator('.token-admin .form-msg:not(.error)').innerText(),
      'No per-host token has been issued yet.',
    );

    await page.locator('.token-add input[name=host]').fill('web-7');
    await page.locator('.token-add button[type=submit]').click();
    const cmd = page.locator('.issued pre.cmd code');
    await cmd.waitFor({ state: 'visible' });
    const line = await cmd.innerText();
    const m = new RegExp(
      `^curl -fsSo berth-agent\\.mjs ${server.url}/agent\\.mjs && BERTH_TOKEN=(\\S+) node berth-agent\\.mjs --server ${server.url}$`,
    ).exec(line);
    assert.ok(m, `the install line names this server and carries the token: ${line}`);
    issued = m[1];
    assert.notEqual(issued, TEST_TOKEN);
    await page.locator('.token-list tr[data-host="web-7"]').waitFor();
    assert.match(await page.locator('.token-list tr[data-host="web-7"]').innerText(), /web-7\s+active/);

    assert.equal((await ingestAs('web-7', issued)).status, 200, 'ingest with the issued token');
    // The shared token is a header, never part of the page's address; not kept unless asked.
    assert.ok(!page.url().includes(TEST_TOKEN) && !page.url().includes(issued));
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);

    // The exact line, run in an empty folder as a new host would (two samples, then exit).
    const home = tempDir('berth-add-host-');
    try {
      const { stdout, stderr } = await run(
        'sh',
        ['-c', `${line} --once --host web-7 --interval 1 --collectors cpu,memory --spool ./spool`],
        { cwd: home, timeout: 30_000 },
      );
      assert.ok(fs.existsSync(path.join(home, 'berth-agent.mjs')), `downloaded the agent (${stdout}${stderr})`);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
    const hosts = (await (await fetch(`${server.url}/api/v1/hosts`)).json()) as {
      hosts: { name: string; agent_version: string | null }[];
    };
    assert.ok(
      hosts.hosts.some((h) => h.name === 'web-7' && h.agent_version !== 'test'),
      `the installed agent reported (${JSON.stringify(hosts.hosts.map((h) => h.name))})`,
    );
    await page.screenshot({ path: artifact('add-host-issued.png'), fullPage: true });
  });

  test('a bad host name is refused by the server with its message, next to the form', async () => {
    await page.locator('.token-add input[name=host]').fill('bad host!');
    await page.locator('.token-add button[type=submit]').click();
    const msg = page.locator('.token-admin .form-msg.error');
    await msg.waitFor({ state: 'visible' });
    assert.equal(await msg.innerText(), `host: required, ${HOST_NAME_RULE} (400)`);
  });

  test('revoking through the page makes ingest with that token 401', async () => {
    const row = page.locator('.token-list tr[data-host="web-7"]');
    await row.locator('button[data-revoke]').click();
    assert.equal(await row.locator('button[data-revoke]').innerText(), 'Click again to revoke');
    await row.locator('button[data-revoke]').click();
    await page.waitForFunction(() =>
      /revoked/.test(document.querySelector('.token-list tr[data-host="web-7"]')?.textContent ?? ''),
    );
    assert.equal(await page.locator('.issued').isVisible(), false, 'the revoked token is no longer offered');
    assert.equal((await ingestAs('web-7', issued)).status, 401);
    await page.screenshot({ path: artifact('add-host-revoked.png'), fullPage: true });
    assert.deepEqual(problems, []);
  });

  test('with hosts reporting, the panel is still on the overview, closed', async () => {
    const p2 = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await p2.goto(server.url);
    await p2.locator('.host-card').first().waitFor();
    const panel = p2.locator('details.add-host');
    assert.equal(await panel.evaluate((d) => (d as HTMLDetailsElement).open), false);
    await panel.locator('summary').click();
    assert.match(
      await panel.locator('.install-generic code').innerText(),
      new RegExp(`BERTH_TOKEN=<TOKEN> node berth-agent\\.mjs --server ${server.url}$`),
    );
    await p2.close();
  });
});

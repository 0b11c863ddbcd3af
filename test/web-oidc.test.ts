// Single sign-on in real Chromium: from Berth's sign-in page through a real OpenID Connect
// provider's sign-in and consent pages and back, signed in with the role the provider's groups
// give; Berth's pages never trip their Content-Security-Policy on the way.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, ensureWebBuilt, launchChromium, WEB_DIST } from './support/browser.ts';
import { ADMIN_GROUP, listen, startBerth, startProvider, type Berth, type TestProvider } from './support/oidc.ts';

const skip = browserSkipReason();

describe('single sign-on in Chromium', { skip }, () => {
  let provider: TestProvider;
  let berth: Berth;
  let browser: Browser;
  const problems: string[] = [];

  before(async () => {
    ensureWebBuilt();
    const at = await listen();
    provider = await startProvider([`${at.url}/auth/oidc/callback`]);
    berth = await startBerth(at.server, at.url, provider.issuer, ['--oidc-admin-group', ADMIN_GROUP], WEB_DIST);
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await berth?.close();
    await provider?.close();
  });

  /** A fresh profile whose Berth pages report CSP violations and errors into `problems`. */
  async function profile(): Promise<Page> {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) =>
        console.error(`CSP violation at ${location.origin}: ${e.violatedDirective} ${e.blockedURI}`),
      );
    });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && m.text().includes(`CSP violation at ${berth.url}`)) problems.push(m.text());
    });
    return page;
  }

  async function signIn(page: Page, account: string): Promise<void> {
    await page.goto(berth.url);
    await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
    await page.waitForURL((u) => u.origin === provider.issuer);
    await page.locator('input[name=login]').fill(account);
    await page.locator('input[name=password]').fill('any password');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((u) => u.href.startsWith(berth.url) && !u.pathname.startsWith('/auth/'));
  }

  test('a member of the admin group comes back signed in as an admin', async () => {
    const page = await profile();
    await signIn(page, 'alice');
    await page.locator('.who .user').filter({ hasText: 'alice@example.org' }).waitFor({ timeout: 30_000 });
    assert.match((await page.locator('.who .user').textContent()) ?? '', /\(admin\)/);
    const session = await page.evaluate(() => fetch('/api/v1/session').then((r) => r.json()));
    assert.deepEqual(session.user, { name: 'alice@example.org', role: 'admin', via: 'oidc' });
    await page.context().close();
  });

  test('anyone else comes back a viewer', async () => {
    const page = await profile();
    await signIn(page, 'bob');
    await page.locator('.who .user').filter({ hasText: 'bob@example.org' }).waitFor({ timeout: 30_000 });
    assert.match((await page.locator('.who .user').textContent()) ?? '', /\(viewer\)/);
    await page.context().close();
    assert.deepEqual(problems, []);
  });
});

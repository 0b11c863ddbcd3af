// Single sign-on against a real OpenID Connect provider (oidc-provider) on loopback: a person
// walks the provider's sign-in and consent pages with a cookie jar, comes back to Berth's
// callback and is signed in with the role the rules give; forged or replayed answers are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadServerConfig } from '../server/config.ts';
import { testApp } from './support/server.ts';
import {
  ACCOUNTS,
  ADMIN_GROUP,
  CLIENT_ID,
  CLIENT_SECRET,
  CookieJar,
  formOf,
  listen,
  startBerth,
  startProvider,
  type Berth,
  type TestProvider,
} from './support/oidc.ts';

let provider: TestProvider;
let berth: Berth;
/** A second Berth: admins by e-mail, only example.org may sign in. */
let strict: Berth;

before(async () => {
  const a = await listen();
  const b = await listen();
  provider = await startProvider([`${a.url}/auth/oidc/callback`, `${b.url}/auth/oidc/callback`]);
  berth = await startBerth(a.server, a.url, provider.issuer, ['--oidc-admin-group', ADMIN_GROUP]);
  strict = await startBerth(b.server, b.url, provider.issuer, [
    '--oidc-admin-emails',
    'carol@elsewhere.test',
    '--oidc-allowed-emails',
    '@example.org',
  ]);
});

after(async () => {
  await Promise.all([berth?.close(), strict?.close()]);
  await provider?.close();
});

/**
 * Starts a sign-in at Berth and walks the provider's pages as `account`: the callback URL the
 * provider sends the browser back to, not yet opened.
 */
async function throughProvider(jar: CookieJar, at: Berth, account: string, returnTo = '/'): Promise<URL> {
  const start = await jar.fetch(`${at.url}/auth/oidc/login?return=${encodeURIComponent(returnTo)}`);
  assert.equal(start.status, 302, 'login redirects to the provider');
  const to = new URL(start.headers.get('location')!);
  assert.equal(to.origin, provider.issuer);
  return walkFrom(jar, to, account, at);
}

/**
 * The provider's pages from an authorization URL, as `account` (sign-in, then consent),
 * following redirects until the provider sends the browser back to `at`.
 */
async function walkFrom(jar: CookieJar, to: URL, account: string, at: Berth): Promise<URL> {
  let next = to;
  for (let step = 0; step < 20; step++) {
    if (next.href.startsWith(`${at.url}/auth/oidc/callback`)) return next;
    const res = await jar.fetch(next);
    if (res.status >= 300 && res.status < 400) {
      next = new URL(res.headers.get('location')!, next);
      continue;
    }
    const body = await res.text();
    assert.equal(res.status, 200, `the provider's page ${next.pathname}: ${body.slice(0, 300)}`);
    const form = formOf(body, next.href);
    if (form.fields.prompt === 'login') Object.assign(form.fields, { login: account, password: 'any password' });
    const posted = await jar.fetch(form.action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form.fields).toString(),
    });
    assert.ok(posted.status >= 300 && posted.status < 400, `the provider took the ${form.fields.prompt} form`);
    next = new URL(posted.headers.get('location')!, form.action);
  }
  throw new Error('the provider never sent the browser back');
}

interface SessionState {
  user: { name: string; role: string; via: string } | null;
}

async function session(jar: CookieJar, at: Berth): Promise<SessionState> {
  const res = await jar.fetch(`${at.url}/api/v1/session`);
  assert.equal(res.status, 200);
  return (await res.json()) as SessionState;
}

test('a member of the admin group signs in as an admin and lands where they were going', async () => {
  const jar = new CookieJar();
  const back = await throughProvider(jar, berth, 'alice', '/host/web-1?range=1h');
  const res = await jar.fetch(back);
  assert.equal(res.status, 303, await res.clone().text());
  assert.equal(res.headers.get('location'), '/host/web-1?range=1h');
  assert.equal(jar.get('berth_oidc'), undefined, 'the sign-in cookie is gone');
  assert.deepEqual((await session(jar, berth)).user, { name: 'alice@example.org', role: 'admin', via: 'oidc' });
  // A signed-in admin reads what an anonymous caller may not.
  assert.equal((await jar.fetch(`${berth.url}/api/v1/hosts`)).status, 200);
  assert.equal((await fetch(`${berth.url}/api/v1/hosts`)).status, 401);
});

test('anyone else the provider signs in is a viewer, refused admin routes', async () => {
  const jar = new CookieJar();
  const res = await jar.fetch(await throughProvider(jar, berth, 'bob'));
  assert.equal(res.status, 303);
  assert.deepEqual((await session(jar, berth)).user, { name: 'bob@example.org', role: 'viewer', via: 'oidc' });
  assert.equal((await jar.fetch(`${berth.url}/api/v1/hosts`)).status, 200);
  assert.equal((await jar.fetch(`${berth.url}/api/v1/users`)).status, 403);
});

test('the role is decided again at every sign-in: out of the group, out of admin', async () => {
  const first = new CookieJar();
  await first.fetch(await throughProvider(first, berth, 'dave'));
  assert.equal((await session(first, berth)).user?.role, 'admin');
  ACCOUNTS.dave.groups = [];
  const again = new CookieJar();
  await again.fetch(await throughProvider(again, berth, 'dave'));
  assert.deepEqual((await session(again, berth)).user, { name: 'dave@example.org', role: 'viewer', via: 'oidc' });
  assert.equal((await session(first, berth)).user?.role, 'viewer', 'the earlier session too: one user, one role');
});

test('the sign-in cookie is HttpOnly, SameSite=Lax and scoped to the callback', async () => {
  const res = await fetch(`${berth.url}/auth/oidc/login`, { redirect: 'manual' });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('berth_oidc='));
  assert.ok(cookie);
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Lax/i);
  assert.match(cookie, /Path=\/auth\/oidc\//i);
  const to = new URL(res.headers.get('location')!);
  assert.equal(to.searchParams.get('code_challenge_method'), 'S256');
  assert.equal(to.searchParams.get('redirect_uri'), `${berth.url}/auth/oidc/callback`);
  for (const p of ['state', 'nonce', 'code_challenge']) assert.ok(to.searchParams.get(p), p);
});

test('an answer with another state is refused, and signs no one in', async () => {
  const jar = new CookieJar();
  const back = await throughProvider(jar, berth, 'alice');
  back.searchParams.set('state', 'forged-state');
  const res = await jar.fetch(back);
  assert.equal(res.status, 400);
  assert.match(await res.text(), /not accepted/);
  assert.equal((await session(jar, berth)).user, null);
});

test('a code that is not the provider’s is refused', async () => {
  const jar = new CookieJar();
  const back = await throughProvider(jar, berth, 'alice');
  back.searchParams.set('code', 'made-up-code');
  const res = await jar.fetch(back);
  assert.equal(res.status, 400);
  assert.equal((await session(jar, berth)).user, null);
  assert.ok(berth.log.lines.some((l) => /oidc: a sign-in failed/.test(l)));
  assert.ok(!berth.log.lines.some((l) => l.includes(CLIENT_SECRET)), 'the client secret is never logged');
});

test('an ID token with another sign-in’s nonce is refused', async () => {
  // Sign-in B's request to the provider, with A's state and PKCE challenge put in, answered
  // into A's browser: state and verifier match A, the ID token's nonce is B's.
  const jar = new CookieJar();
  const a = new URL((await jar.fetch(`${berth.url}/auth/oidc/login`)).headers.get('location')!);
  const cookieA = jar.get('berth_oidc')!;
  const toProvider = new URL((await jar.fetch(`${berth.url}/auth/oidc/login`)).headers.get('location')!);
  assert.notEqual(toProvider.searchParams.get('nonce'), a.searchParams.get('nonce'));
  for (const p of ['state', 'code_challenge']) toProvider.searchParams.set(p, a.searchParams.get(p)!);
  const back = await walkFrom(jar, toProvider, 'alice', berth);
  jar.set('berth_oidc', cookieA, '/auth/oidc/');
  const res = await jar.fetch(back);
  assert.equal(res.status, 400);
  assert.equal((await session(jar, berth)).user, null);
  assert.match(berth.log.lines.at(-1)!, /nonce/);
});

test('a callback replayed, or opened in a browser that did not start it, is refused', async () => {
  const jar = new CookieJar();
  const back = await throughProvider(jar, berth, 'bob');
  const other = await new CookieJar().fetch(back);
  assert.equal(other.status, 400, 'another browser');
  assert.match(await other.text(), /no sign-in under way/);
  assert.equal((await jar.fetch(back)).status, 303, 'the browser that started it');
  const again = new CookieJar();
  again.set('berth_oidc', 'AAAA' + 'B'.repeat(60), '/auth/oidc/');
  assert.equal((await again.fetch(back)).status, 400, 'a made-up cookie');
});

test('the provider’s refusal is shown by its code, and nothing else from the link', async () => {
  const denied = await fetch(`${berth.url}/auth/oidc/callback?error=access_denied`);
  assert.equal(denied.status, 403);
  assert.match(await denied.text(), /It said: access_denied\./);
  const hostile = await fetch(
    `${berth.url}/auth/oidc/callback?error=${encodeURIComponent('<script>alert(1)</script> call 555-0100')}`,
  );
  assert.equal(hostile.status, 403);
  const page = await hostile.text();
  assert.ok(!page.includes('script') && !page.includes('555'), page);
  assert.match(page, /It said: an error\./);
});

test('an allowlist keeps other addresses out and lets listed admins in', async () => {
  const bob = new CookieJar();
  await bob.fetch(await throughProvider(bob, strict, 'bob'));
  assert.equal((await session(bob, strict)).user?.role, 'viewer');
  // carol's domain is not allowed, but her address is an admin's.
  const carol = new CookieJar();
  const res = await carol.fetch(await throughProvider(carol, strict, 'carol'));
  assert.equal(res.status, 303);
  assert.equal((await session(carol, strict)).user?.role, 'admin');
  // alice's address unverified at the provider (mallory's account) is not alice's.
  const mallory = new CookieJar();
  const refused = await mallory.fetch(await throughProvider(mallory, strict, 'mallory'));
  assert.equal(refused.status, 403);
  assert.match(await refused.text(), /not verified alice@example\.org/);
  assert.equal((await session(mallory, strict)).user, null);
});

test('a provider that cannot be reached gives a 502 page, and the next sign-in asks again', async () => {
  const { oidc } = loadServerConfig(
    ['--public-url', 'http://127.0.0.1:8787', '--oidc-issuer', 'http://127.0.0.1:1', '--oidc-client-id', CLIENT_ID],
    { BERTH_OIDC_CLIENT_SECRET: CLIENT_SECRET },
  );
  const t = testApp({ publicRead: false, oidc });
  for (let i = 0; i < 2; i++) {
    const res = await t.app.request('/auth/oidc/login');
    assert.equal(res.status, 502);
    assert.match(await res.text(), /could not be reached/);
  }
  const failures = t.log.lines.filter((l) => l.includes("oidc: reading http://127.0.0.1:1/'s configuration failed"));
  assert.equal(failures.length, 2, 'a failed discovery is not kept');
  assert.ok(!t.log.lines.some((l) => l.includes(CLIENT_SECRET)));
});

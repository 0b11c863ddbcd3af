// Signing in as a user would notice it: the first-run link, passwords, cookies, CSRF, rate
// limits, expiry, signing out everywhere, read tokens and share links.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, makeBatch, TEST_TOKEN } from '../../test/support/server.ts';
import { sessionHeaders, setCookie } from '../../test/support/access.ts';
import { AuthStore, SESSION_IDLE_S, SETUP_CODE_TTL_S } from './store.ts';
import { CSRF_HEADER, SESSION_COOKIE, SHARE_COOKIE } from './service.ts';
import { setupLink } from './setup-link.ts';
import { hashPassword } from './passwords.ts';

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
const errorOf = async (res: Response) => ((await res.json()) as { error: string }).error;
const cookieOf = (res: Response) => setCookie(res, SESSION_COOKIE)!.split(';')[0];

test('the one-time setup link makes the first admin once, and not after it expires', async () => {
  const t = testApp({ publicRead: false });
  const sqlite = t.db.$client;
  assert.equal(setupLink(sqlite, 'http://x', t.clock.now)!.startsWith('http://x/setup#code='), true);
  const code = setupLink(sqlite, 'http://x', t.clock.now)!.split('#code=')[1];
  const state0 = (await (await t.get('/api/v1/session')).json()) as { setup: boolean; user: null };
  assert.equal(state0.setup, true);

  const weak = await t.app.request('/api/v1/setup', {
    method: 'POST',
    ...json({ code, name: 'ada', password: 'short' }),
  });
  assert.equal(weak.status, 400);
  assert.match(await errorOf(weak), /^password:/);

  const made = await t.app.request('/api/v1/setup', {
    method: 'POST',
    ...json({ code, name: 'ada', password: 'correct horse battery' }),
  });
  assert.equal(made.status, 201);
  const cookie = cookieOf(made);
  const state = (await (await t.app.request('/api/v1/session', { headers: { cookie } })).json()) as {
    user: { name: string; role: string };
    setup: boolean;
  };
  assert.deepEqual(state.user, { name: 'ada', role: 'admin', via: 'password' });
  assert.equal(state.setup, false);

  const again = await t.app.request('/api/v1/setup', {
    method: 'POST',
    ...json({ code, name: 'eve', password: 'correct horse battery' }),
  });
  assert.equal(again.status, 403);
  assert.equal(setupLink(sqlite, 'http://x', t.clock.now), undefined, 'no link once a user exists');

  const t2 = testApp({ publicRead: false });
  const old = setupLink(t2.db.$client, 'http://x', t2.clock.now)!.split('#code=')[1];
  t2.clock.now += SETUP_CODE_TTL_S + 1;
  const late = await t2.app.request('/api/v1/setup', {
    method: 'POST',
    ...json({ code: old, name: 'ada', password: 'correct horse battery' }),
  });
  assert.equal(late.status, 403);
});

test('a wrong password and an unknown user get the same answer; failures are limited, audited and logged without the password', async () => {
  const t = testApp({ publicRead: false });
  const store = new AuthStore(t.db.$client);
  store.addUser('vera', 'viewer', await hashPassword('the right password'), t.clock.now);
  const signIn = (name: string, password: string) =>
    t.app.request('/api/v1/session', { method: 'POST', ...json({ name, password }) });

  const ok = await signIn('vera', 'the right password');
  assert.equal(ok.status, 200);
  const c = setCookie(ok, SESSION_COOKIE)!;
  assert.match(c, /HttpOnly/);
  assert.match(c, /SameSite=Lax/);
  assert.doesNotMatch(c, /Secure/, 'plain http: no Secure flag, or the browser would drop it');

  const wrong = await signIn('vera', 'not the password');
  const unknown = await signIn('nobody', 'not the password');
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.equal(await errorOf(wrong), await errorOf(unknown));

  for (let i = 0; i < 9; i++) await signIn('vera', `wrong ${i}`);
  const limited = await signIn('vera', 'the right password');
  assert.equal(limited.status, 429, 'past 10 failures the account waits, even with the right password');
  assert.ok(Number(limited.headers.get('retry-after')) > 0);
  t.clock.now += 901;
  assert.equal((await signIn('vera', 'the right password')).status, 200, 'and may sign in once the window passed');

  const audit = store.listAudit(100);
  assert.ok(audit.filter((a) => a.action === 'sign-in-failed' && a.actor === 'vera').length >= 10);
  assert.ok(audit.some((a) => a.action === 'sign-in-failed' && a.actor === 'nobody'));
  const logged = t.log.lines.join('\n');
  assert.match(logged, /sign-in-failed/);
  assert.doesNotMatch(logged, /not the password|the right password/);
});

test('Secure cookies behind an HTTPS proxy only with --trust-proxy', async () => {
  for (const trustProxy of [false, true]) {
    const t = testApp({ publicRead: false, trustProxy });
    new AuthStore(t.db.$client).addUser('vera', 'viewer', await hashPassword('the right password'), t.clock.now);
    const res = await t.app.request('/api/v1/session', {
      method: 'POST',
      ...json({ name: 'vera', password: 'the right password' }, { 'x-forwarded-proto': 'https' }),
    });
    assert.equal(res.status, 200);
    assert.equal(/Secure/.test(setCookie(res, SESSION_COOKIE)!), trustProxy);
  }
});

test('changes need the session CSRF header and a same-site request; a viewer may not manage', async () => {
  const t = testApp({ publicRead: false });
  const sqlite = t.db.$client;
  const admin = sessionHeaders(sqlite, 'ada', 'admin', t.clock.now);
  const body = { name: 'vera', role: 'viewer', password: 'a long password' };
  const { [CSRF_HEADER]: csrf, ...noCsrf } = admin;
  assert.ok(csrf);
  const missing = await t.app.request('/api/v1/users', { method: 'POST', ...json(body, noCsrf) });
  assert.equal(missing.status, 403);
  assert.match(await errorOf(missing), /x-berth-csrf/);
  const crossOrigin = await t.app.request('http://berth.example/api/v1/users', {
    method: 'POST',
    ...json(body, { ...admin, origin: 'https://evil.example', host: 'berth.example' }),
  });
  assert.equal(crossOrigin.status, 403);
  const crossSite = await t.app.request('/api/v1/users', {
    method: 'POST',
    ...json(body, { ...admin, 'sec-fetch-site': 'cross-site' }),
  });
  assert.equal(crossSite.status, 403);
  const forgedSignIn = await t.app.request('/api/v1/session', {
    method: 'POST',
    ...json({ name: 'ada', password: 'x' }, { 'sec-fetch-site': 'cross-site' }),
  });
  assert.equal(forgedSignIn.status, 403, 'no signing a victim into an attacker account either');
  const made = await t.app.request('/api/v1/users', {
    method: 'POST',
    ...json(body, { ...admin, 'sec-fetch-site': 'same-origin', origin: 'http://localhost' }),
  });
  assert.equal(made.status, 201);

  const viewer = sessionHeaders(sqlite, 'vera', 'viewer', t.clock.now);
  const issue = await t.app.request('/api/v1/tokens', { method: 'POST', ...json({ host: 'web-1' }, viewer) });
  assert.equal(issue.status, 403);
  assert.equal((await t.app.request('/api/v1/tokens', { headers: viewer })).status, 403);
  const audit = new AuthStore(sqlite).listAudit(10);
  assert.ok(audit.some((a) => a.actor === 'ada' && a.action === 'user-add' && a.detail === 'vera as viewer'));
});

test('sessions end when idle, and signing out everywhere ends every one of the user', async () => {
  const t = testApp({ publicRead: false });
  const sqlite = t.db.$client;
  const a = sessionHeaders(sqlite, 'vera', 'viewer', t.clock.now);
  const b = sessionHeaders(sqlite, 'vera', 'viewer', t.clock.now);
  assert.equal((await t.app.request('/api/v1/hosts', { headers: a })).status, 200);
  const out = await t.app.request('/api/v1/sessions', { method: 'DELETE', headers: a });
  assert.equal(out.status, 200);
  assert.equal(((await out.json()) as { ended: number }).ended, 2);
  assert.equal((await t.app.request('/api/v1/hosts', { headers: b })).status, 401);

  const c = sessionHeaders(sqlite, 'vera', 'viewer', t.clock.now);
  t.clock.now += SESSION_IDLE_S - 100;
  assert.equal((await t.app.request('/api/v1/hosts', { headers: c })).status, 200, 'used before it went idle');
  t.clock.now += SESSION_IDLE_S + 1;
  assert.equal((await t.app.request('/api/v1/hosts', { headers: c })).status, 401, 'idle too long');
});

test('read tokens read and never ingest; ingest tokens never read; revoked tokens stop at once', async () => {
  const t = testApp({ publicRead: false });
  const now = t.clock.now;
  assert.equal((await t.ingest(makeBatch('web-1', [now - 10]))).status, 200);
  const admin = sessionHeaders(t.db.$client, 'ada', 'admin', now);
  const made = await t.app.request('/api/v1/read-tokens', { method: 'POST', ...json({ name: 'grafana' }, admin) });
  assert.equal(made.status, 201);
  const { id, token } = (await made.json()) as { id: number; token: string };
  const auth = { authorization: `Bearer ${token}` };
  assert.equal((await t.app.request('/api/v1/hosts', { headers: auth })).status, 200);
  assert.equal((await t.ingest(makeBatch('web-1', [now]), auth)).status, 401, 'a read token cannot ingest');
  assert.equal(
    (await t.app.request('/api/v1/hosts', { headers: { authorization: `Bearer ${TEST_TOKEN}` } })).status,
    403,
    'the shared ingest token does not read',
  );
  const listed = (await (await t.app.request('/api/v1/read-tokens', { headers: admin })).json()) as {
    tokens: { name: string; last_used_at: number | null }[];
  };
  assert.equal(listed.tokens[0].last_used_at, now, 'last use shown');
  assert.ok(!JSON.stringify(listed).includes(token));
  assert.equal((await t.app.request(`/api/v1/read-tokens/${id}`, { method: 'DELETE', headers: admin })).status, 200);
  assert.equal((await t.app.request('/api/v1/hosts', { headers: auth })).status, 401);
});

test('a share link opens one host until it expires or is revoked', async () => {
  const t = testApp({ publicRead: false });
  const now = t.clock.now;
  for (const h of ['web-1', 'db-1']) await t.ingest(makeBatch(h, [now - 10]));
  const admin = sessionHeaders(t.db.$client, 'ada', 'admin', now);
  const made = await t.app.request('/api/v1/shares', { method: 'POST', ...json({ host: 'web-1', days: 1 }, admin) });
  assert.equal(made.status, 201);
  const { id, path } = (await made.json()) as { id: number; path: string };
  const open = await t.app.request(path);
  assert.equal(open.status, 303);
  assert.equal(open.headers.get('location'), '/host/web-1');
  const cookie = setCookie(open, SHARE_COOKIE)!;
  assert.match(cookie, /HttpOnly/);
  const headers = { cookie: cookie.split(';')[0] };
  const hosts = (await (await t.app.request('/api/v1/hosts', { headers })).json()) as { hosts: { name: string }[] };
  assert.deepEqual(
    hosts.hosts.map((h) => h.name),
    ['web-1'],
  );
  assert.equal((await t.app.request('/api/v1/catalog?host=db-1', { headers })).status, 403);
  assert.equal((await t.app.request('/api/v1/catalog?host=web-1', { headers })).status, 200);
  assert.equal((await t.app.request('/api/v1/host-series?metrics=cpu_pct', { headers })).status, 403);

  assert.equal((await t.app.request(`/api/v1/shares/${id}`, { method: 'DELETE', headers: admin })).status, 200);
  assert.equal((await t.app.request('/api/v1/catalog?host=web-1', { headers })).status, 401, 'revoked');
  assert.equal((await t.app.request(path)).status, 404);

  const short = (await (
    await t.app.request('/api/v1/shares', { method: 'POST', ...json({ host: 'web-1', days: 1 }, admin) })
  ).json()) as { path: string };
  const h2 = { cookie: setCookie(await t.app.request(short.path), SHARE_COOKIE)!.split(';')[0] };
  t.clock.now += 86401;
  assert.equal((await t.app.request('/api/v1/catalog?host=web-1', { headers: h2 })).status, 401, 'expired');
});

test('--public-read opens reading, not managing', async () => {
  const t = testApp({ publicRead: true });
  assert.equal((await t.get('/api/v1/hosts')).status, 200);
  const state = (await (await t.get('/api/v1/session')).json()) as { publicRead: boolean };
  assert.equal(state.publicRead, true);
  assert.equal((await t.app.request('/api/v1/users')).status, 401);
  assert.equal((await t.app.request('/api/v1/shares', { method: 'POST', ...json({ host: 'web-1' }) })).status, 401);
});

test('an admin changes roles and removes users, but never the last admin; a removed user is signed out', async () => {
  const t = testApp({ publicRead: false });
  const sqlite = t.db.$client;
  const admin = sessionHeaders(sqlite, 'ada', 'admin', t.clock.now);
  const vera = sessionHeaders(sqlite, 'vera', 'viewer', t.clock.now);
  const patch = (name: string, body: unknown) =>
    t.app.request(`/api/v1/users/${name}`, { method: 'PATCH', ...json(body, admin) });
  assert.equal((await patch('ada', { role: 'viewer' })).status, 409, 'the last admin stays one');
  assert.equal((await patch('vera', { role: 'owner' })).status, 400);
  assert.equal((await patch('vera', { role: 'admin' })).status, 200);
  assert.equal((await t.app.request('/api/v1/users', { headers: vera })).status, 200, 'vera is an admin now');
  assert.equal((await patch('vera', { role: 'viewer' })).status, 200);
  assert.equal((await t.app.request('/api/v1/users', { headers: vera })).status, 403);
  assert.equal((await t.app.request('/api/v1/users/ada', { method: 'DELETE', headers: admin })).status, 409);
  assert.equal((await t.app.request('/api/v1/users/vera', { method: 'DELETE', headers: admin })).status, 200);
  assert.equal((await t.app.request('/api/v1/hosts', { headers: vera })).status, 401, 'signed out with the user');
  const actions = new AuthStore(sqlite).listAudit(10).map((a) => `${a.actor} ${a.action} ${a.detail}`);
  assert.ok(actions.includes('ada user-role vera to admin'));
  assert.ok(actions.includes('ada user-remove vera'));
});

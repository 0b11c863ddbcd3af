// Who may call what, walked over the app's own route table (app.routes), so a route added
// later is covered: each route is called without credentials, as a viewer, as an admin, with a
// read token, with a share link, with the shared ingest token and with a host's ingest token,
// and each answer is checked against EXPECT. A route EXPECT does not name fails the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, makeBatch, TEST_TOKEN } from './support/server.ts';
import { readTokenHeaders, sessionHeaders, shareHeaders } from './support/access.ts';
import { addHostToken } from '../server/auth.ts';
import { SECURITY_HEADERS } from '../server/auth/headers.ts';
import { loadServerConfig } from '../server/config.ts';

type Caller = 'anonymous' | 'viewer' | 'admin' | 'readToken' | 'share' | 'sharedToken' | 'hostToken';
const CALLERS: Caller[] = ['anonymous', 'viewer', 'admin', 'readToken', 'share', 'sharedToken', 'hostToken'];

/** Who is let through, per kind of route. */
const KINDS = {
  open: CALLERS,
  read: ['viewer', 'admin', 'readToken'],
  /** The share link's own host only (its query names web-1, the shared host). */
  hostRead: ['viewer', 'admin', 'readToken', 'share'],
  /** A share link too, whatever the query: the answer is cut to its host (checked below). */
  hostsList: ['viewer', 'admin', 'readToken', 'share'],
  admin: ['admin'],
  hostTokens: ['admin', 'sharedToken'],
  signedIn: ['viewer', 'admin'],
} satisfies Record<string, Caller[]>;

const EXPECT: Record<string, keyof typeof KINDS> = {
  'GET /healthz': 'open',
  'GET /agent.mjs': 'open',
  'POST /api/v1/ingest': 'open',
  'GET /api/v1/hosts': 'hostsList',
  'GET /api/v1/series': 'hostRead',
  'GET /api/v1/container-series': 'hostRead',
  'GET /api/v1/host-series': 'read',
  'GET /api/v1/top': 'hostRead',
  'GET /api/v1/processes': 'hostRead',
  'GET /api/v1/catalog': 'hostRead',
  'GET /api/v1/status': 'read',
  'GET /api/v1/status/forwarding': 'read',
  'GET /api/v1/events': 'hostRead',
  'GET /api/v1/events/summary': 'hostRead',
  'GET /api/v1/alerts': 'read',
  'GET /api/v1/tokens': 'hostTokens',
  'POST /api/v1/tokens': 'hostTokens',
  'DELETE /api/v1/tokens/:host': 'hostTokens',
  'GET /api/v1/session': 'open',
  'POST /api/v1/session': 'open',
  'DELETE /api/v1/session': 'open',
  'DELETE /api/v1/sessions': 'signedIn',
  'POST /api/v1/setup': 'open',
  'GET /api/v1/users': 'admin',
  'POST /api/v1/users': 'admin',
  'PATCH /api/v1/users/:name': 'admin',
  'DELETE /api/v1/users/:name': 'admin',
  'GET /api/v1/read-tokens': 'admin',
  'POST /api/v1/read-tokens': 'admin',
  'DELETE /api/v1/read-tokens/:id': 'admin',
  'GET /api/v1/shares': 'admin',
  'POST /api/v1/shares': 'admin',
  'DELETE /api/v1/shares/:id': 'admin',
  'GET /api/v1/audit': 'admin',
  'GET /metrics': 'read',
  'GET /s/:token': 'open',
  'GET /auth/oidc/login': 'open',
  'GET /auth/oidc/callback': 'open',
  'GET /assets/*': 'open',
  'GET /*': 'open',
};

/** The guard's own refusals (a handler's 401/403, e.g. a wrong password, is not one). */
const REFUSED =
  /^(sign in first|unknown or revoked token|managing tokens needs|not allowed for your role|a share link shows one host only)/;

/** A concrete URL for a route pattern: parameters filled, and the shared host as `host`. */
function urlFor(path: string, host: string): string {
  const concrete = path
    .replace(':host', 'nohost')
    .replace(':name', 'nobody')
    .replace(':id', '999')
    .replace(':token', 'not-a-share')
    .replace(/\*$/, 'x');
  const q = `host=${host}&metric=cpu_pct&metrics=cpu_pct&from=1789990000&to=1790000000&maxPoints=10`;
  return `${concrete}?${q}`;
}

test('every route answers exactly the callers the access rules let through', async () => {
  // Single sign-on on, so its routes are walked too (its provider is never reached: 502).
  const { oidc } = loadServerConfig(
    ['--public-url', 'http://127.0.0.1:8787', '--oidc-issuer', 'http://127.0.0.1:1', '--oidc-client-id', 'berth'],
    { BERTH_OIDC_CLIENT_SECRET: 'never-used-secret' },
  );
  const t = testApp({ publicRead: false, oidc });
  const now = t.clock.now;
  for (const h of ['web-1', 'db-1']) assert.equal((await t.ingest(makeBatch(h, [now - 20, now - 10]))).status, 200);
  const sqlite = t.db.$client;
  const hostToken = addHostToken(sqlite, 'web-1', now).token;
  const headers = (who: Caller): Record<string, string> => {
    switch (who) {
      case 'anonymous':
        return {};
      case 'viewer':
        return sessionHeaders(sqlite, 'vera', 'viewer', now);
      case 'admin':
        return sessionHeaders(sqlite, 'ada', 'admin', now);
      case 'readToken':
        return readTokenHeaders(sqlite, now);
      case 'share':
        return shareHeaders(sqlite, 'web-1', now);
      case 'sharedToken':
        return { authorization: `Bearer ${TEST_TOKEN}` };
      case 'hostToken':
        return { authorization: `Bearer ${hostToken}` };
    }
  };

  const routes = new Map<string, { method: string; path: string }>();
  for (const r of t.app.routes) if (r.method !== 'ALL') routes.set(`${r.method} ${r.path}`, r);
  const unknown = [...routes.keys()].filter((k) => !(k in EXPECT));
  assert.deepEqual(unknown, [], 'routes with no expectation: add them to EXPECT (and a rule to server/auth/guard.ts)');
  assert.ok(routes.size >= 30, `the route table was read (${routes.size} routes)`);

  const problems: string[] = [];
  for (const [key, r] of routes) {
    for (const who of CALLERS) {
      for (const host of ['web-1', 'db-1']) {
        const res = await t.app.request(urlFor(r.path, host), {
          method: r.method,
          headers: { 'content-type': 'application/json', ...headers(who) },
          body: r.method === 'GET' ? undefined : '{}',
        });
        for (const [h, v] of Object.entries(SECURITY_HEADERS))
          if (res.headers.get(h) !== v) problems.push(`${key} as ${who}: header ${h} is ${res.headers.get(h)}`);
        const text = await res.text();
        let error = '';
        try {
          error = (JSON.parse(text) as { error?: string }).error ?? '';
        } catch {
          /* not JSON: the page, a script, the metrics text */
        }
        const refused = (res.status === 401 || res.status === 403) && REFUSED.test(error);
        const kind = EXPECT[key];
        const shouldPass =
          (KINDS[kind] as Caller[]).includes(who) && !(who === 'share' && kind === 'hostRead' && host !== 'web-1');
        if (shouldPass && refused) problems.push(`${key} (host=${host}) as ${who}: refused ${res.status} ${error}`);
        if (!shouldPass && !refused)
          problems.push(`${key} (host=${host}) as ${who}: answered ${res.status}, expected a refusal`);
        if (!shouldPass && refused && who === 'anonymous' && res.status !== 401)
          problems.push(`${key} as anonymous: ${res.status}, expected 401`);
        if (key === 'GET /api/v1/hosts' && who === 'share' && res.status === 200) {
          const body = JSON.parse(text) as { total: number; hosts: { name: string }[] };
          const names = body.hosts.map((x) => x.name);
          // Its own host, and nothing when asked for another (host=db-1); never the fleet's count.
          const own = host === 'web-1' ? ['web-1'] : [];
          if (names.join() !== own.join())
            problems.push(`a share link's host list (host=${host}) shows ${names.join()}`);
          if (body.total !== own.length) problems.push(`a share link's host list counts ${body.total} hosts`);
        }
      }
    }
  }
  assert.deepEqual(problems, []);
});

test('odd spellings of a read route never answer data without credentials', async () => {
  const t = testApp({ publicRead: false });
  assert.equal((await t.ingest(makeBatch('web-1', [t.clock.now - 10]))).status, 200);
  const spellings = (p: string) => [
    `/${p}`,
    `${p}/`,
    p.replace('/api/v1/', '/api/v1/./'),
    p.replace('/api/v1/', '/api/v1//'),
    p.replace('/api/', '/api//'),
    p.replace('/api/', '/API/'),
    `${p};x`,
    p.replace(/\//g, '%2F').replace(/^%2F/, '/'),
    p.replace(/[a-z]$/, (ch) => `%${ch.charCodeAt(0).toString(16)}`),
  ];
  for (const route of ['/api/v1/hosts', '/api/v1/status', '/api/v1/catalog', '/api/v1/alerts', '/metrics']) {
    for (const p of spellings(route)) {
      for (const method of ['GET', 'HEAD']) {
        const res = await t.app.request(`${p}?host=web-1`, { method });
        const type = res.headers.get('content-type') ?? '';
        const leaked = res.status === 200 && !type.startsWith('text/html');
        assert.equal(leaked, false, `${method} ${p} answered ${res.status} ${type}`);
      }
    }
  }
});

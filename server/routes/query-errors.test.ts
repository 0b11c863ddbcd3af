// Bad read requests: unknown host or container 404, unknown metric 400, from > to 400, every
// message naming the parameter; and a few hundred random query strings (malformed escapes,
// huge numbers, SQL, repeated keys) against /series, /top and /container-series that must
// never produce a 500.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, makeBatch, type TestApp } from '../../test/support/server.ts';
import { rng } from '../../test/support/random.ts';

const NOW = 1_790_000_000;
let t: TestApp;

before(async () => {
  t = testApp({}, NOW);
  const res = await t.ingest(
    makeBatch('alpha', [NOW - 20, NOW - 10, NOW], () => ({
      containers: [{ id: 'abcdef0123456789', name: 'web', metrics: { cpu_pct: 3 } }],
      series: [{ name: 'net_rx_bps', labels: { iface: 'eth0' }, value: 5 }],
    })),
  );
  assert.equal(res.status, 200);
});

async function err(path: string): Promise<[number, string]> {
  const res = await t.get(path);
  const body = (await res.json()) as { error?: string };
  return [res.status, body.error ?? ''];
}

test('unknown host or container is 404 naming it; unknown metric is 400 listing the known ones', async () => {
  assert.deepEqual(await err('/api/v1/series?host=nope&metrics=cpu_pct'), [404, 'host "nope" not found']);
  assert.deepEqual(await err('/api/v1/top?host=nope'), [404, 'host "nope" not found']);
  assert.deepEqual(await err('/api/v1/series?host=alpha&container=gone&metrics=cpu_pct'), [
    404,
    'container "gone" not found on this host',
  ]);
  const [s, m] = await err('/api/v1/series?host=alpha&metrics=cpu_pct,bogus');
  assert.equal(s, 400);
  assert.match(m, /^metrics: unknown host metric "bogus" \(known: cpu_pct, /);
  const [s2, m2] = await err('/api/v1/series?host=alpha&container=web&metrics=load1');
  assert.equal(s2, 400);
  assert.match(m2, /^metrics: unknown container metric "load1"/);
  const [s3, m3] = await err('/api/v1/top?host=alpha&metric=load1');
  assert.equal(s3, 400);
  assert.match(m3, /^metric: unknown container metric "load1"/);
  // A container can be named by a Docker id prefix too.
  assert.equal((await t.get('/api/v1/series?host=alpha&container=abcdef01&metrics=cpu_pct')).status, 200);
});

test('missing or malformed parameters are 400 naming the parameter', async () => {
  const cases: [string, RegExp][] = [
    ['/api/v1/series?metrics=cpu_pct', /^host: required/],
    ['/api/v1/series?host=alpha', /^metrics: required/],
    [`/api/v1/series?host=alpha&metrics=cpu_pct&from=${NOW}&to=${NOW - 1}`, /^from \(\d+\) is after to \(\d+\)/],
    [`/api/v1/top?host=alpha&from=${NOW}&to=${NOW - 1}`, /^from \(\d+\) is after to/],
    [
      '/api/v1/series?host=alpha&metrics=cpu_pct&from=yesterday',
      /^from: "yesterday" is neither epoch seconds nor an ISO 8601 time/,
    ],
    ['/api/v1/series?host=alpha&metrics=cpu_pct&to=2026-02-30T25:00:00Z', /^to: /],
    ['/api/v1/series?host=alpha&metrics=cpu_pct&maxPoints=1', /^maxPoints: must be between 2 and 20000/],
    ['/api/v1/series?host=alpha&metrics=cpu_pct&maxPoints=many', /^maxPoints: "many" is not a whole number/],
    ['/api/v1/top?host=alpha&limit=0', /^limit: must be between 1 and 1000/],
    ['/api/v1/series?host=alpha&metrics=cpu_pct&from=0&to=1790000000', /^from\.\.to spans more than 20 years/],
    ['/api/v1/series?host=alpha&metrics=cpu_pct&from=1e300&to=1e300', /^to: "1e300" is neither/],
    [
      '/api/v1/series?host=alpha&metrics=cpu_pct&from=999999999999999999999&to=999999999999999999999',
      /^to: "999999999999999999999" is outside 1970\.\.9999/,
    ],
    [
      '/api/v1/series?host=alpha&metrics=cpu_pct&from=-99999999999999999999&to=100',
      /^from: "-99999999999999999999" is outside/,
    ],
    ['/api/v1/top?host=alpha&from=0000-01-01', /^from: "0000-01-01" is outside/],
  ];
  for (const [path, message] of cases) {
    const [status, error] = await err(path);
    assert.equal(status, 400, path);
    assert.match(error, message, path);
  }
  // ISO 8601 times are accepted alongside epoch seconds.
  const iso = await t.get(
    '/api/v1/series?host=alpha&metrics=cpu_pct&from=2026-09-21T12:00:00Z&to=2026-09-21T13:00:00%2B01:00',
  );
  assert.equal(iso.status, 200);
});

const KEYS = [
  'host',
  'container',
  'containers',
  'digits',
  'metrics',
  'metric',
  'series',
  'from',
  'to',
  'maxPoints',
  'minmax',
  'limit',
  'label.iface',
  'label.',
  'label.%ZZ',
  '',
  '%',
  'from[]',
  'constructor',
  '__proto__',
];
const VALUES = [
  '',
  'alpha',
  'web',
  '*',
  'web,*',
  'abcdef01',
  'abc',
  'cpu_pct',
  'cpu_pct,mem_bytes',
  'cpu_pct,,',
  ',',
  'load1',
  'net_rx_bps',
  'eth0',
  'nope',
  '0',
  '-1',
  '1',
  '2',
  '1.5',
  '-0',
  '1e3',
  '1e400',
  'NaN',
  'Infinity',
  '0x10',
  '999999999999999999999',
  '-999999999999999999999',
  String(NOW),
  String(NOW - 3600),
  String(NOW + 86400 * 400),
  '1790000000.999',
  '2026-09-21',
  '2026-09-21T12:00:00Z',
  '2026-13-45T99:99:99Z',
  '9999-12-31T23:59:59Z',
  '0000-01-01',
  'true',
  'false',
  'null',
  'undefined',
  '%',
  '%E0%A4%A',
  '%00',
  '%FF%FE',
  '%C0%AF',
  '%2C%2C',
  "'",
  '"',
  "1' OR '1'='1",
  'cpu_pct;DROP TABLE hosts',
  'cpu_pct) FROM hosts--',
  '<script>',
  '\u00e9\u00e8',
  '%F0%9F%90%B3',
  'x'.repeat(3000),
  'a,'.repeat(500),
];

function randomQuery(r: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const parts: string[] = [];
  // Usually a real host, so the handler gets past the host lookup and into the range code.
  if (r() < 0.7) parts.push('host=alpha');
  const n = Math.floor(r() * 6);
  for (let i = 0; i < n; i++) {
    const k = pick(KEYS);
    const v = r() < 0.2 ? `${pick(VALUES)}${pick(VALUES)}` : pick(VALUES);
    parts.push(r() < 0.05 ? k : `${k}=${v}`);
  }
  if (r() < 0.1) parts.push('&&&');
  return parts.join('&');
}

test('a few hundred random query strings: never a 500, always JSON with an error when not 200', async () => {
  const r = rng(20261122);
  const seen = new Map<number, number>();
  for (let i = 0; i < 400; i++) {
    for (const route of ['/api/v1/series', '/api/v1/top', '/api/v1/container-series']) {
      const path = `${route}?${randomQuery(r)}`;
      const res = await t.get(path);
      seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
      const text = await res.text();
      if (res.status >= 500) assert.fail(`${res.status} for ${path.slice(0, 300)}: ${text.slice(0, 300)}`);
      const body = JSON.parse(text) as { error?: string };
      if (res.status !== 200)
        assert.ok(
          typeof body.error === 'string' && body.error.length > 0,
          `${res.status} without an error message: ${path.slice(0, 200)}`,
        );
    }
  }
  // The fuzz reached past validation as well as into it.
  assert.ok(
    (seen.get(200) ?? 0) > 20 && (seen.get(400) ?? 0) > 100 && (seen.get(404) ?? 0) > 20,
    JSON.stringify([...seen]),
  );
  assert.ok(!t.log.lines.some((l) => l.startsWith('error')), t.log.lines.join('\n'));
});

// GET /metrics: the newest values a batch brought, named and labelled as the README says,
// Berth's own health counted by outcome, a token when one is set, and text that Prometheus'
// own checker (promtool, from Debian's prometheus package) reads without complaint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { testApp, makeBatch } from '../../test/support/server.ts';

const NOW = 1_790_000_000;
const PROMTOOL = '/usr/bin/promtool';

/** `name{labels} value [ts]` lines as [name, labels, value, ts]; HELP/TYPE lines apart. */
function parse(text: string) {
  const samples: { name: string; labels: Record<string, string>; value: number; ts?: number }[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const t = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (t) {
      types.set(t[1], t[2]);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (\d+))?$/.exec(line);
    assert.ok(m, `a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[l[1]] = l[2].replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    samples.push({ name: m[1], labels, value: Number(m[3]), ts: m[4] === undefined ? undefined : Number(m[4]) });
  }
  return { samples, types };
}

const one = (samples: ReturnType<typeof parse>['samples'], name: string, labels: Record<string, string> = {}) => {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.equal(found.length, 1, `one ${name} ${JSON.stringify(labels)}, found ${found.length}`);
  return found[0];
};

function promtoolCheck(text: string): string | undefined {
  if (!fs.existsSync(PROMTOOL)) {
    if (process.env.CI === 'true') throw new Error(`CI=true requires ${PROMTOOL} (apt-get install prometheus)`);
    console.log(`# skipping the promtool check: ${PROMTOOL} not found (apt-get install prometheus)`);
    return undefined;
  }
  // promtool exits 1 on problems and says which on stdout.
  try {
    return execFileSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    throw new Error(`promtool check metrics: ${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

async function seeded() {
  const t = testApp({}, NOW);
  const res = await t.ingest(
    makeBatch('web-1', [NOW - 10, NOW], (ts) => ({
      host: { cpu_pct: ts === NOW ? 42.5 : 1, mem_used_bytes: 2_000_000_000, custom_thing: 7 },
      containers: [
        {
          id: 'abcdef0123456789',
          name: 'shop-db-1',
          image: 'postgres:16',
          state: 'running',
          compose_project: 'shop',
          compose_service: 'db',
          metrics: ts === NOW ? { cpu_pct: 3.25, mem_bytes: 123456789 } : { cpu_pct: 9, mem_bytes: 1 },
        },
      ],
      series: [
        { name: 'net_rx_bps', labels: { iface: 'eth0' } as Record<string, string>, value: ts === NOW ? 1500 : 1 },
        { name: 'fs_used_bytes', labels: { mount: '/data "x"\\y', device: '/dev/sda1', fstype: 'ext4' }, value: 99 },
      ],
    })),
  );
  assert.equal(res.status, 200);
  return t;
}

test('the newest value of every host, container and series metric, with its time', async () => {
  const t = await seeded();
  const res = await t.get('/metrics');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  const { samples, types } = parse(text);
  assert.deepEqual(one(samples, 'berth_host_cpu_percent', { host: 'web-1' }), {
    name: 'berth_host_cpu_percent',
    labels: { host: 'web-1' },
    value: 42.5,
    ts: NOW * 1000,
  });
  assert.equal(one(samples, 'berth_host_memory_used_bytes', { host: 'web-1' }).value, 2e9);
  assert.deepEqual(one(samples, 'berth_container_cpu_percent').labels, {
    host: 'web-1',
    container: 'shop-db-1',
    image: 'postgres:16',
    compose_project: 'shop',
    compose_service: 'db',
  });
  assert.equal(one(samples, 'berth_container_cpu_percent').value, 3.25);
  assert.equal(one(samples, 'berth_container_memory_bytes').value, 123456789);
  assert.equal(one(samples, 'berth_network_receive_bytes_per_second', { iface: 'eth0' }).value, 1500);
  // A label value with a quote, a backslash: escaped, and read back as it was.
  assert.equal(one(samples, 'berth_filesystem_used_bytes').labels.mount, '/data "x"\\y');
  assert.equal(one(samples, 'berth_custom_custom_thing', { host: 'web-1' }).value, 7);
  assert.equal(one(samples, 'berth_container_info').labels.container_id, 'abcdef0123456789');
  assert.equal(types.get('berth_host_cpu_percent'), 'gauge');
  // Berth's own health.
  assert.equal(one(samples, 'berth_ingest_requests_total', { outcome: 'stored' }).value, 1);
  // Per tick: the host, the container, two series and the host's metric outside the catalogue (kept as a series).
  assert.equal(one(samples, 'berth_ingest_rows_total', { outcome: 'stored' }).value, 2 * (1 + 1 + 2 + 1));
  assert.equal(types.get('berth_ingest_request_duration_seconds'), 'histogram');
  assert.equal(one(samples, 'berth_ingest_request_duration_seconds_count').value, 1);
  assert.equal(one(samples, 'berth_ingest_request_duration_seconds_bucket', { le: '+Inf' }).value, 1);
  assert.equal(one(samples, 'berth_hosts', { state: 'online' }).value, 1);
  assert.equal(one(samples, 'berth_host_online', { host: 'web-1' }).value, 1);
  assert.ok(one(samples, 'berth_db_size_bytes').value > 0);
  promtoolCheck(text);
});

test('refusals and resends are counted by outcome', async () => {
  const t = await seeded();
  assert.equal((await t.ingest({ v: 2 }, { authorization: 'Bearer wrong-token-0123456789' })).status, 401);
  assert.equal((await t.ingest({ v: 2, batch_id: 'x' })).status, 400);
  const again = makeBatch('web-1', [NOW - 20], () => ({ host: { cpu_pct: 1 } }));
  assert.equal((await t.ingest(again)).status, 200);
  assert.equal((await t.ingest(again)).status, 200);
  const { samples } = parse(await (await t.get('/metrics')).text());
  assert.equal(one(samples, 'berth_ingest_requests_total', { outcome: 'unauthorized' }).value, 1);
  assert.equal(one(samples, 'berth_ingest_requests_total', { outcome: 'invalid' }).value, 1);
  assert.equal(one(samples, 'berth_ingest_requests_total', { outcome: 'duplicate' }).value, 1);
  assert.equal(one(samples, 'berth_ingest_requests_total', { outcome: 'stored' }).value, 2);
  assert.equal(one(samples, 'berth_ingest_request_duration_seconds_count').value, 5);
  // The resent batch's row was stored once: the first time stored, the second a duplicate.
  assert.equal(one(samples, 'berth_ingest_rows_total', { outcome: 'duplicate' }).value, 1);
});

test('a host that stopped reporting shows as down, its values gone', async () => {
  const t = await seeded();
  t.clock.now = NOW + 600;
  const { samples } = parse(await (await t.get('/metrics')).text());
  assert.equal(samples.filter((s) => s.name === 'berth_host_cpu_percent').length, 0);
  assert.equal(one(samples, 'berth_host_online', { host: 'web-1' }).value, 0);
  assert.equal(one(samples, 'berth_hosts', { state: 'offline' }).value, 1);
});

test('with --metrics-token, a scrape without the token is 401', async () => {
  const token = 'metrics-token-0123456789';
  const t = testApp({ metricsToken: token }, NOW);
  const none = await t.get('/metrics');
  assert.equal(none.status, 401);
  assert.match(none.headers.get('www-authenticate') ?? '', /Bearer/);
  const wrong = await t.app.request('/metrics', { headers: { authorization: 'Bearer nope-0123456789abcdef' } });
  assert.equal(wrong.status, 401);
  const right = await t.app.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
  assert.equal(right.status, 200);
  assert.match(await right.text(), /^# HELP /m);
});

test('gzip for a scraper that takes it', async () => {
  const t = await seeded();
  const res = await t.app.request('/metrics', { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(res.headers.get('content-encoding'), 'gzip');
  const zlib = await import('node:zlib');
  const text = zlib.gunzipSync(Buffer.from(await res.arrayBuffer())).toString();
  assert.match(text, /berth_host_cpu_percent\{host="web-1"\} 42\.5/);
});

test('a container the host stopped sending falls out; a late batch does not replace a newer value', async () => {
  const t = testApp({}, NOW);
  const container = (name: string, cpu: number) => ({ id: `${name}0123456789abcdef`, name, metrics: { cpu_pct: cpu } });
  const send = async (id: string, ts: number[], containers: ReturnType<typeof container>[]) =>
    assert.equal(
      (
        await t.ingest({
          ...makeBatch('web-1', ts, () => ({ host: { cpu_pct: ts[0] === NOW - 300 ? 99 : 1 }, containers })),
          batch_id: id,
        })
      ).status,
      200,
    );
  await send('both-there', [NOW - 30], [container('keeps', 5), container('leaves', 6)]);
  await send('one-left', [NOW - 10, NOW], [container('keeps', 7)]);
  // Sent late (an agent's spool): older than what is held, so it changes nothing.
  await send('late-spool', [NOW - 300], [container('keeps', 99), container('leaves', 99)]);
  const { samples } = parse(await (await t.get('/metrics')).text());
  const cpu = samples.filter((s) => s.name === 'berth_container_cpu_percent');
  assert.deepEqual(
    cpu.map((s) => [s.labels.container, s.value, s.ts]),
    [['keeps', 7, NOW * 1000]],
  );
  assert.equal(one(samples, 'berth_host_cpu_percent', { host: 'web-1' }).value, 1);
});

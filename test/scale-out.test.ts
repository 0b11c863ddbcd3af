// Beyond one server, on real engines from Debian's packages: two Berth servers, each with its
// own agent process, remote-write to one VictoriaMetrics; its query API holds every sample
// SQLite stored (names, labels, times, values), also after the receiver was gone for 20 s
// (hung, then stopped) and started again; a third server with --read-from answers the page
// for both servers' hosts with the values the first two give, in Chromium too; and Prometheus scraping
// a server's GET /metrics stores the same values SQLite holds.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startServer, type RunningServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { parseRemoteUrl } from '../server/remote-url.ts';
import { agentFlags, testConfig } from './support/server.ts';
import { tempDir } from './support/temp.ts';
import { eventually, freePort, sleep, startProcess, type Proc } from './support/processes.ts';
import { enginesSkipReason, startPrometheus, startVictoria, type Engine } from './support/engines.ts';
import { browserSkipReason, ensureWebBuilt, launchChromium, WEB_DIST, artifact } from './support/browser.ts';
import { docker as dockerCli, removeContainers, runContainer, TEST_IMAGE, TEST_PREFIX } from './support/docker.ts';
import { formatPct } from '../web/format.ts';
import { dashboardQueries } from './support/dashboard.ts';

const skip = enginesSkipReason();
const HOSTS = ['scale-a', 'scale-b'] as const;
const CONTAINER = 'scale-web';
const METRICS_TOKEN = 'metrics-token-0123456789';
/**
 * How long the receiver stays down: long enough for requests to hang, fail, back off and queue
 * (the agents send every 3 s); a longer outage only repeats those steps.
 */
const OUTAGE_MS = Number(process.env.BERTH_OUTAGE_SECONDS ?? 20) * 1000;

type Row = { ts: number; value: number };

/** Equal to VictoriaMetrics' precision: it keeps 12 significant digits of a value. */
function isNear(got: number | null | undefined, want: number | null | undefined): boolean {
  if (got === want) return true;
  return (
    typeof got === 'number' && typeof want === 'number' && Math.abs(got - want) <= 1e-11 * Math.max(1, Math.abs(want))
  );
}

function near(got: number | null | undefined, want: number | null | undefined, what: string): void {
  assert.ok(isNear(got, want), `${what}: ${got}, expected ${want}`);
}

describe('remote-write to VictoriaMetrics, --read-from, /metrics to Prometheus', { skip, timeout: 600_000 }, () => {
  let vm: Engine;
  let vmDir: string;
  let vmPort: number;
  const servers: RunningServer[] = [];
  const agents: Proc[] = [];
  let reader: RunningServer;
  let prometheus: Engine | undefined;
  let docker = false;

  before(async () => {
    vmDir = tempDir();
    vmPort = await freePort();
    vm = await startVictoria(vmDir, vmPort);
    docker = await dockerCli(['image', 'inspect', '--format', '{{.Id}}', TEST_IMAGE]).then(
      () => true,
      (e: Error) => {
        if (process.env.CI === 'true') throw new Error(`Docker is required under CI: ${e.message}`);
        console.log(`# container checks skipped: no Docker engine with ${TEST_IMAGE} (${e.message.split('\n')[0]})`);
        return false;
      },
    );
    if (docker)
      await runContainer({
        name: CONTAINER,
        cmd: ['sleep', '3600'],
        labels: { 'com.docker.compose.project': 'shop', 'com.docker.compose.service': 'web' },
      });
    for (const host of HOSTS) {
      const config = testConfig({
        remoteWrite: [parseRemoteUrl(`${vm.url}/api/v1/write`)],
        metricsToken: METRICS_TOKEN,
      });
      const server = await startServer(config, memoryLogger());
      servers.push(server);
      agents.push(
        startProcess('agent/main.ts', [
          ...agentFlags(server.url, host, '3'),
          '--spool',
          path.join(tempDir(), 'spool'),
          '--collectors',
          docker ? 'cpu,memory,load,uptime,docker' : 'cpu,memory,load,uptime',
        ]),
      );
    }
    reader = await startServer(testConfig({ readFrom: parseRemoteUrl(vm.url), webRoot: WEB_DIST }), memoryLogger());
  });

  after(async () => {
    await Promise.all(agents.map((a) => a.kill()));
    await Promise.all([...servers, reader].filter(Boolean).map((s) => s.close()));
    await prometheus?.stop();
    await vm?.stop();
    if (docker) await removeContainers([CONTAINER]);
  });

  /** What a server's SQLite holds for one metric of its host, or of the test container (read through the views). */
  const stored = (i: number, column: string, container = false): Row[] =>
    servers[i].db.$client
      .prepare(
        container
          ? `SELECT ts, ${column} AS value FROM container_metrics WHERE container = ? AND ${column} IS NOT NULL ORDER BY ts`
          : `SELECT ts, ${column} AS value FROM host_metrics WHERE ${column} IS NOT NULL ORDER BY ts`,
      )
      .all(...(container ? [TEST_PREFIX + CONTAINER] : [])) as Row[];

  /** Raw samples VictoriaMetrics holds for a selector: labels and (ts s, value) pairs. */
  async function exported(match: string): Promise<{ metric: Record<string, string>; rows: Row[] }[]> {
    const res = await fetch(`${vm.url}/api/v1/export?${new URLSearchParams({ 'match[]': match })}`);
    assert.equal(res.status, 200, await res.clone().text());
    const text = await res.text();
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const j = JSON.parse(line) as { metric: Record<string, string>; values: number[]; timestamps: number[] };
        return { metric: j.metric, rows: j.timestamps.map((t, k) => ({ ts: t / 1000, value: j.values[k] })) };
      });
  }

  /** Every row SQLite holds up to `until` is in VictoriaMetrics, the same value at the same time, and nothing else. */
  async function sameAsSqlite(i: number, until: number): Promise<string | undefined> {
    const host = HOSTS[i];
    const checks: [string, string, boolean, Record<string, string>][] = [
      ['cpu_pct', 'berth_host_cpu_percent', false, { host }],
      ['mem_used_bytes', 'berth_host_memory_used_bytes', false, { host }],
      ['load1', 'berth_host_load1', false, { host }],
    ];
    if (docker)
      checks.push([
        'mem_bytes',
        'berth_container_memory_bytes',
        true,
        { host, container: TEST_PREFIX + CONTAINER, compose_project: 'shop', compose_service: 'web' },
      ]);
    for (const [column, name, container, labels] of checks) {
      const want = stored(i, column, container).filter((r) => r.ts <= until);
      if (want.length < 2) return `${host} ${column}: only ${want.length} rows in SQLite yet`;
      const sel = `${name}{${Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',')}}`;
      const got = await exported(sel);
      if (got.length !== 1) return `${sel}: ${got.length} series in VictoriaMetrics`;
      const { __name__, ...rest } = got[0].metric;
      assert.equal(__name__, name);
      // Exactly Berth's labels (an image label too for the container: whatever image it runs).
      const { image, ...others } = rest;
      assert.deepEqual(others, labels, `${sel}: labels`);
      if (container) assert.ok(image, 'the container series names its image');
      const have = got[0].rows.filter((r) => r.ts <= until);
      if (have.length < want.length) {
        const there = new Set(have.map((r) => r.ts));
        return `${sel}: ${have.length} of ${want.length} rows in VictoriaMetrics, missing ${want.filter((r) => !there.has(r.ts)).map((r) => r.ts)} (newest stored ${want.at(-1)?.ts}, until ${until})`;
      }
      assert.deepEqual(
        have.map((r) => r.ts),
        want.map((r) => r.ts),
        `${sel}: VictoriaMetrics holds samples at the times SQLite does`,
      );
      // VictoriaMetrics keeps 12 significant digits of a value (it stores decimals): equal to that.
      have.forEach((r, k) =>
        assert.ok(
          Math.abs(r.value - want[k].value) <= 1e-11 * Math.abs(want[k].value),
          `${sel} at ${r.ts}: ${r.value} in VictoriaMetrics, ${want[k].value} in SQLite`,
        ),
      );
    }
    return undefined;
  }

  test('both servers forward every stored sample, named and labelled as the README says', async () => {
    const enough = (i: number) =>
      stored(i, 'cpu_pct').length >= 4 && (!docker || stored(i, 'mem_bytes', true).length >= 2);
    // A shared engine with many containers can make the agent skip ticks: room for that.
    await eventually(async () => (enough(0) && enough(1) ? true : undefined), 180_000, 'samples on each server');
    const until = Math.floor(Date.now() / 1000) - 1;
    for (const i of [0, 1]) {
      let why: string | undefined;
      await eventually(
        async () => ((why = await sameAsSqlite(i, until)) === undefined ? true : undefined),
        30_000,
        `${HOSTS[i]} in VictoriaMetrics`,
      ).catch((e) => {
        throw new Error(`${(e as Error).message}: ${why}`);
      });
    }
    const info = await exported(`berth_agent_info{host="${HOSTS[0]}"}`);
    assert.equal(info.length, 1);
    assert.ok(info[0].rows.every((r) => r.value === 1));
  });

  test('the receiver gone a while and started again: nothing is lost', async () => {
    // First it hangs (SIGSTOP: connections open, no answer, so requests time out), then it is
    // gone (stopped, connections refused), then it starts again on its storage. Stopped with
    // SIGTERM, not SIGKILL: VictoriaMetrics answers a write before it is on its disk, and a
    // SIGKILL loses its last seconds whoever sent them.
    const down = Date.now();
    vm.child.kill('SIGSTOP');
    const metrics = async () =>
      await (
        await fetch(`${servers[0].url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
      ).text();
    await sleep(OUTAGE_MS * 0.6);
    vm.child.kill('SIGCONT');
    await vm.stop('SIGTERM');
    // Agents keep sending; each server stores and queues.
    await eventually(
      async () =>
        /berth_remote_write_failed_requests_total\{target="[^"]+"\} [1-9]/.test(await metrics()) ? true : undefined,
      30_000,
      'a failed forwarding request counted',
    );
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - down)));
    const queued = /berth_remote_write_queue_samples\{[^}]*\} (\d+)/.exec(await metrics());
    assert.ok(queued && Number(queued[1]) > 0, `samples wait in the queue: ${queued?.[0]}`);
    const outageEnd = Math.floor(Date.now() / 1000);
    vm = await startVictoria(vmDir, vmPort);
    for (const i of [0, 1]) {
      let why: string | undefined;
      await eventually(
        async () => ((why = await sameAsSqlite(i, outageEnd)) === undefined ? true : undefined),
        90_000,
        `${HOSTS[i]} complete after the outage`,
      ).catch((e) => {
        throw new Error(`${(e as Error).message}: ${why}`);
      });
    }
    assert.match(await metrics(), /berth_remote_write_dropped_samples_total\{[^}]*reason="queue_full"\} 0/);
  });

  test('Prometheus scraping /metrics stores the values SQLite holds', async () => {
    const port = await freePort();
    const target = new URL(servers[0].url).host;
    prometheus = await startPrometheus(
      tempDir(),
      port,
      [
        'global: { scrape_interval: 1s, scrape_timeout: 1s }',
        'scrape_configs:',
        '  - job_name: berth',
        '    metrics_path: /metrics',
        `    authorization: { credentials: "${METRICS_TOKEN}" }`,
        `    static_configs: [{ targets: ["${target}"] }]`,
        '',
      ].join('\n'),
    );
    const sel = `berth_host_cpu_percent{host="${HOSTS[0]}"}[10m]`;
    const scraped = await eventually(
      async () => {
        const res = await fetch(`${prometheus!.url}/api/v1/query?${new URLSearchParams({ query: sel })}`);
        const body = (await res.json()) as {
          data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
        };
        const r = body.data.result[0];
        return r && r.values.length >= 3 ? r : undefined;
      },
      60_000,
      'three scraped CPU samples in Prometheus',
    );
    assert.equal(scraped.metric.job, 'berth');
    const sqlite = new Map(stored(0, 'cpu_pct').map((r) => [r.ts, r.value]));
    for (const [t, v] of scraped.values) assert.equal(Number(v), sqlite.get(t), `the value at ${t} is SQLite's`);
    const up = await fetch(`${prometheus.url}/api/v1/query?query=up`).then(
      (r) => r.json() as Promise<{ data: { result: { value: [number, string] }[] } }>,
    );
    assert.equal(up.data.result[0].value[1], '1', 'the scrape succeeds (token accepted, format read)');

    // The Grafana dashboard's queries run on both engines; on Prometheus (which has the
    // servers' own health too) the host and ingest panels have data.
    const withData = new Set<string>();
    for (const { title, expr } of dashboardQueries()) {
      const query = expr.replaceAll('$host', '.*');
      for (const engine of [prometheus, vm]) {
        const res = await fetch(`${engine.url}/api/v1/query?${new URLSearchParams({ query })}`);
        const body = (await res.json()) as { status: string; error?: string; data?: { result: unknown[] } };
        assert.equal(body.status, 'success', `${title} on ${engine.url}: ${query}: ${body.error}`);
        if (engine === prometheus && body.data!.result.length) withData.add(title);
      }
    }
    for (const title of ['CPU busy', 'Memory used', 'Hosts online', 'Ingest requests', 'Database and WAL'])
      assert.ok(withData.has(title), `"${title}" shows data (${[...withData].join(', ')})`);
  });

  test('a server with --read-from answers for both servers as they answer for themselves', async () => {
    // Stop the agents, so every answer is about the same, settled data.
    await Promise.all(agents.map((a) => a.kill()));
    const settled = Math.floor(Date.now() / 1000);
    for (const i of [0, 1]) {
      let why: string | undefined;
      await eventually(
        async () => ((why = await sameAsSqlite(i, settled)) === undefined ? true : undefined),
        30_000,
        `${HOSTS[i]} settled`,
      ).catch((e) => {
        throw new Error(`${(e as Error).message}: ${why}`);
      });
    }
    const get = async <T>(base: string, p: string): Promise<T> => {
      const res = await fetch(`${base}${p}`);
      const body = (await res.json()) as T & { error?: string };
      assert.equal(res.status, 200, `${base}${p}: ${body.error}`);
      return body;
    };
    type Hosts = {
      hosts: {
        name: string;
        interval: number;
        latest: Record<string, number>;
        containers: { name: string; latest: Record<string, number>; compose_project: string | null }[];
      }[];
    };
    // The store answers an instant query a moment behind (its latency offset): the reader's
    // newest values are compared once it has caught up with the shards' own.
    const caughtUp = async (): Promise<Hosts | undefined> => {
      const f = await get<Hosts>(reader.url, '/api/v1/hosts');
      for (const [i, host] of HOSTS.entries()) {
        const own = (await get<Hosts>(servers[i].url, '/api/v1/hosts')).hosts[0];
        const seen = f.hosts.find((h) => h.name === host);
        if (!seen || own === undefined) return undefined;
        if (['cpu_pct', 'mem_used_bytes', 'load1'].some((m) => !isNear(seen.latest[m], own.latest[m])))
          return undefined;
      }
      return f;
    };
    const fleet =
      (await eventually(caughtUp, 30_000, "the reader to show the shards' newest values").catch(() => undefined)) ??
      (await get<Hosts>(reader.url, '/api/v1/hosts'));
    assert.deepEqual(
      fleet.hosts.map((h) => h.name),
      [...HOSTS],
    );
    const from = settled - 600;
    for (const [i, host] of HOSTS.entries()) {
      const own = (await get<Hosts>(servers[i].url, '/api/v1/hosts')).hosts[0];
      const seen = fleet.hosts[i];
      assert.equal(seen.interval, own.interval);
      for (const m of ['cpu_pct', 'mem_used_bytes', 'load1']) near(seen.latest[m], own.latest[m], `${host} ${m}`);
      if (docker) {
        const mine = (h: Hosts['hosts'][number]) => h.containers.find((c) => c.name === TEST_PREFIX + CONTAINER);
        assert.equal(mine(seen)?.compose_project, 'shop');
        near(mine(seen)?.latest.mem_bytes, mine(own)?.latest.mem_bytes, `${host} container memory`);
      }
      // Charts at the agent's step and at a rollup tier, with min/max bands: the same columns.
      for (const maxPoints of [1000, 8]) {
        const q = `/api/v1/series?host=${host}&metrics=cpu_pct,mem_used_bytes&from=${from}&to=${settled}&maxPoints=${maxPoints}&minmax=1`;
        const a = await get<{ tier: string; step: number; t: number[]; series: Record<string, (number | null)[]> }>(
          servers[i].url,
          q,
        );
        const b = await get<typeof a>(reader.url, q);
        assert.deepEqual([b.tier, b.step, b.t], [a.tier, a.step, a.t], `${host} grid at maxPoints ${maxPoints}`);
        assert.deepEqual(Object.keys(b.series).sort(), Object.keys(a.series).sort());
        for (const k of Object.keys(a.series))
          a.series[k].forEach((v, j) => {
            const w = b.series[k][j];
            assert.ok(
              v === w || (v !== null && w !== null && Math.abs(v - w) <= 1e-9 * Math.max(1, Math.abs(v))),
              `${host} ${k}[${j}]: ${v} vs ${w}; tail ${JSON.stringify(a.series[k].slice(-3))} vs ${JSON.stringify(b.series[k].slice(-3))}, t ${JSON.stringify(a.t.slice(-3))}, settled ${settled}, now ${Date.now() / 1000}, sqlite ${JSON.stringify(stored(i, k.replace(/_(min|max)$/, '')).slice(-3))}`,
            );
          });
      }
      const hs = `/api/v1/host-series?metrics=cpu_pct&from=${from}&to=${settled}&maxPoints=50`;
      const ha = await get<{ hosts: Record<string, Record<string, (number | null)[]>> }>(servers[i].url, hs);
      const hb = await get<typeof ha>(reader.url, hs);
      const close = (x: (number | null)[], y: (number | null)[]) =>
        x.every(
          (v, j) =>
            v === y[j] || (v !== null && y[j] !== null && Math.abs(v - y[j]!) < 1e-9 * Math.max(1, Math.abs(v))),
        );
      assert.ok(close(ha.hosts[host].cpu_pct, hb.hosts[host].cpu_pct), `${host} host-series`);
      if (docker) {
        const cs = `/api/v1/container-series?host=${host}&container=${TEST_PREFIX}${CONTAINER}&metrics=mem_bytes&from=${from}&to=${settled}`;
        const ca = await get<{ containers: Record<string, Record<string, (number | null)[]>> }>(servers[i].url, cs);
        const cb = await get<typeof ca>(reader.url, cs);
        assert.ok(
          close(ca.containers[TEST_PREFIX + CONTAINER].mem_bytes, cb.containers[TEST_PREFIX + CONTAINER].mem_bytes),
          `${host} container-series`,
        );
        const top = `/api/v1/top?host=${host}&metric=mem_bytes&from=${from}&to=${settled}&limit=1000`;
        type Top = { containers: { name: string; avg: number; max: number; samples: number }[] };
        const pick = (x: Top) => x.containers.find((c) => c.name === TEST_PREFIX + CONTAINER);
        const ta = pick(await get<Top>(servers[i].url, top));
        const tb = pick(await get<Top>(reader.url, top));
        assert.equal(tb?.samples, ta?.samples);
        assert.equal(tb?.max, ta?.max);
        assert.ok(Math.abs(tb!.avg - ta!.avg) < 1e-6 * ta!.avg);
      }
    }

    // The unchanged page, in Chromium, shows both servers' hosts with their values.
    const why = browserSkipReason();
    if (why) return;
    ensureWebBuilt();
    const browser: Browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(`${reader.url}/`);
      await page.locator('.host-card').nth(1).waitFor({ state: 'visible', timeout: 20_000 });
      for (const [i, host] of HOSTS.entries()) {
        const own = (await get<Hosts>(servers[i].url, '/api/v1/hosts')).hosts[0];
        const card = page.locator(`.host-card[data-host="${host}"]`);
        await card.locator('.stats').waitFor();
        assert.match(
          await card.locator('.stats').innerText(),
          new RegExp(formatPct(own.latest.cpu_pct).replace(/[.%]/g, '\\$&')),
        );
      }
      await page.screenshot({ path: artifact('read-from-overview.png'), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
});

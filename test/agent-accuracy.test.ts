// The agent agrees with `docker stats` on the real engine. A CPU burner, a memory hog (48 MiB
// written to the container's /dev/shm, which the cgroup charges as shmem: in `docker stats`'
// usage, not in its subtracted inactive file cache) and two containers on a bridge network (busybox
// httpd serving a file, a client fetching it in a loop) run while the real agent samples every
// 2 s into a real server; `docker stats --no-stream` runs at every other boundary meanwhile, and
// the values read back through the query API are compared with what docker printed:
// CPU within 10 percentage points, memory within 5 %, network within 10 %.
//
// Same windows: the engine samples containers in rounds one second apart while anyone listens,
// and wakes at once for the first listener when idle. The engine agent's one-shot call at
// boundary ts is thus answered at about ts (the cgroups agent reads at ts itself); `docker stats --no-stream` started just after ts gets the next
// round (ts+1) and the one after (ts+2, which the agent's call at ts+2 also gets), and prints
// CPU over that second: the second half of the agent's ts+2 window, ending on the same round
// (checked with the engine's `read`/`preread` times). Both windows see the same load when the
// load is steady, so the burner is held to half a core by a CFS quota (see below).
// NetIO is cumulative and printed to three digits, so network is compared as average rates over
// the whole run (docker's: the least-squares slope of its counters over time), on traffic paced
// by the client (1 MiB every 50 ms) so that a tick more or less at the edges hardly matters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  createNetwork,
  docker,
  removeContainers,
  removeNetwork,
  requireDocker,
  runContainer,
  TEST_IMAGE,
  TEST_LABELS,
  TEST_PREFIX,
} from './support/docker.ts';
import { startProcess, eventually, sleep } from './support/processes.ts';
import { agentFlags, testConfig } from './support/server.ts';
import { tempDir } from './support/temp.ts';
import { startServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';

const INTERVAL = 2;
/** docker stats runs every READ_EVERY seconds (a run takes two engine ticks), READINGS times. */
const READ_EVERY = 4;
const READINGS = 10;
const HOG_MIB = 48;
const BURNER_CPUS = 0.5;
/** One agent per source of container numbers, each reporting as its own host. */
const SOURCES = ['cgroups', 'engine'] as const;
const hostOf = (source: string) => `accuracy-${source}`;
const NET = 'acc-net';
const C = { burner: 'acc-burner', hog: 'acc-hog', web: 'acc-web', client: 'acc-client' } as const;
const ALL = Object.values(C);
const full = (n: string) => TEST_PREFIX + n;

const UNITS: Record<string, number> = {
  B: 1,
  kB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 1024,
  MiB: 1024 ** 2,
  GiB: 1024 ** 3,
  TiB: 1024 ** 4,
};

/**
 * "48.55MiB" (binary, MemUsage) or "104MB" / "239kB" (decimal, NetIO) in bytes. The CLI prints
 * with Go's %.4g, so 1000 bytes come out as "1e+03kB".
 */
function parseDockerSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*([A-Za-z]+)$/.exec(s.trim());
  const unit = m ? UNITS[m[2]!] : undefined;
  if (!m || unit === undefined) throw new Error(`docker stats: cannot read size "${s}"`);
  return Number(m[1]) * unit;
}

interface DockerRow {
  cpu: number;
  mem: number;
  rx: number;
  tx: number;
}

/** One `docker stats --format '{{json .}}'` line: CPUPerc "101.23%", MemUsage "a / b", NetIO "rx / tx". */
function parseDockerStatsLine(line: string): { name: string; row: DockerRow } {
  const j = JSON.parse(line) as Record<string, string>;
  const [mem] = j.MemUsage!.split(' / ');
  const [rx, tx] = j.NetIO!.split(' / ');
  return {
    name: j.Name!,
    row: {
      cpu: Number(j.CPUPerc!.replace('%', '')),
      mem: parseDockerSize(mem!),
      rx: parseDockerSize(rx!),
      tx: parseDockerSize(tx!),
    },
  };
}

interface Reading {
  /** The agent boundary at which docker stats was started. */
  ts: number;
  /** Epoch seconds when it printed (just after the engine tick its counters come from). */
  doneAt: number;
  rows: Map<string, DockerRow>;
}

type Series = Map<
  number,
  { cpu_pct: number | null; mem_bytes: number | null; net_rx_bps: number | null; net_tx_bps: number | null }
>;

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (ys[i]! - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const fmt = (n: number) => (Math.abs(n) >= 1e4 ? n.toExponential(3) : n.toFixed(2));

test(
  'agent agrees with `docker stats` on CPU, memory and network (real engine, real agent and server)',
  { timeout: 240_000 },
  async (t) => {
    if (!(await requireDocker(t))) return;
    const cleanup = async () => {
      await removeContainers(ALL);
      await removeNetwork(NET);
    };
    await cleanup();
    t.after(cleanup);

    await createNetwork(NET);
    // Held to half a core by a CFS quota: other work on this shared 2-vCPU machine then leaves its
    // share steady from one second to the next, so docker's one-second window and the agent's
    // two-second one see the same load (unlimited, it swings between 40 and 100 % with neighbours).
    await docker([
      'run',
      '-d',
      '--name',
      full(C.burner),
      ...TEST_LABELS,
      '--cpus',
      String(BURNER_CPUS),
      TEST_IMAGE,
      'sh',
      '-c',
      'yes > /dev/null',
    ]);
    // /dev/shm is a tmpfs of 64 MiB in every container; its pages are charged to the container.
    await runContainer({
      name: C.hog,
      cmd: ['sh', '-c', `dd if=/dev/zero of=/dev/shm/hog bs=1M count=${HOG_MIB} 2>/dev/null && exec sleep 3600`],
    });
    await runContainer({
      name: C.web,
      network: NET,
      cmd: [
        'sh',
        '-c',
        'mkdir -p /www && dd if=/dev/zero of=/www/big bs=1M count=1 2>/dev/null && exec httpd -f -p 80 -h /www',
      ],
    });
    // By address: the image's static busybox does not use the engine's embedded DNS reliably.
    const webIp = await docker([
      'inspect',
      '-f',
      '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
      full(C.web),
    ]);
    assert.match(webIp, /^\d+\.\d+\.\d+\.\d+$/, 'the web container has an address');
    await runContainer({
      name: C.client,
      network: NET,
      cmd: ['sh', '-c', `while true; do wget -q -O /dev/null http://${webIp}/big; usleep 50000; done`],
    });

    const server = await startServer(testConfig(), memoryLogger());
    t.after(() => server.close());
    for (const source of SOURCES) {
      const agent = startProcess('agent/main.ts', [
        ...agentFlags(server.url, hostOf(source), String(INTERVAL)),
        '--spool',
        path.join(tempDir(), `spool-${source}`),
        '--collectors',
        'docker',
        '--container-stats',
        source,
      ]);
      t.after(() => agent.kill());
      // The source it was told to use, and no container read any other way.
      await agent.waitFor(source === 'cgroups' ? /container stats from cgroups/ : /container stats from the engine/);
      t.after(() => assert.doesNotMatch(agent.output(), /no cgroup found/));
    }

    const startedAt = Math.floor(Date.now() / 1000);
    const query = async (source: string, name: string, from: number, to: number): Promise<Series> => {
      const res = await fetch(
        `${server.url}/api/v1/series?host=${hostOf(source)}&container=${full(name)}&metrics=cpu_pct,mem_bytes,net_rx_bps,net_tx_bps&from=${from}&to=${to}`,
      );
      if (res.status !== 200) throw new Error(`query ${name}: ${res.status} ${await res.text()}`);
      const body = (await res.json()) as { t: number[]; series: Record<string, (number | null)[]> };
      return new Map(
        body.t.map((ts, i) => [
          ts,
          {
            cpu_pct: body.series.cpu_pct![i] ?? null,
            mem_bytes: body.series.mem_bytes![i] ?? null,
            net_rx_bps: body.series.net_rx_bps![i] ?? null,
            net_tx_bps: body.series.net_tx_bps![i] ?? null,
          },
        ]),
      );
    };
    // Warm-up: each agent has seen every container twice (rates exist) and the traffic is flowing.
    for (const source of SOURCES) {
      await eventually(
        async () => {
          const s = await query(source, C.client, startedAt - 10, startedAt + 600);
          return [...s.values()].some((v) => (v.net_rx_bps ?? 0) > 1e6) ? true : undefined;
        },
        60_000,
        `the ${source} agent to report the client receiving traffic`,
      );
    }

    const readings: Reading[] = [];
    for (let i = 0; i < READINGS; i++) {
      // Start just after a boundary the agent samples at, as the agent itself does.
      const now = Date.now();
      const ts = Math.ceil(now / 1000 / READ_EVERY) * READ_EVERY;
      await sleep(ts * 1000 + 50 - now);
      const out = await docker(['stats', '--no-stream', '--format', '{{json .}}', ...ALL.map(full)], 30_000);
      const doneAt = Date.now() / 1000;
      const rows = new Map(
        out
          .split('\n')
          .filter(Boolean)
          .map((l) => {
            const { name, row } = parseDockerStatsLine(l);
            return [name.replace(TEST_PREFIX, ''), row] as const;
          }),
      );
      readings.push({ ts, doneAt, rows });
    }
    const first = readings[0]!.ts;
    const last = readings[readings.length - 1]!.ts;
    const problems: string[] = [];
    const report: string[] = [];
    for (const source of SOURCES) {
      // Wait for the agent's sample of the window the last docker reading falls in.
      const series = new Map<string, Series>();
      await eventually(
        async () => {
          for (const n of ALL) series.set(n, await query(source, n, first - 2 * INTERVAL, last + 2 * INTERVAL));
          return ALL.every((n) => series.get(n)!.get(last + INTERVAL)?.cpu_pct != null) ? true : undefined;
        },
        30_000,
        `the ${source} agent's samples up to the last docker reading`,
      );
      const problem = (p: string): number => problems.push(`${source}: ${p}`);
      report.push(`-- agent reading ${source}`);

      // CPU, pair by pair: docker's second after boundary ts is the second half of the agent's ts+2.
      for (const n of ALL) {
        const pairs = readings.map((r) => ({
          docker: r.rows.get(n)!.cpu,
          agent: series.get(n)!.get(r.ts + INTERVAL)?.cpu_pct ?? null,
        }));
        const missing = pairs.filter((p) => p.agent === null).length;
        if (missing) problem(`${n}: ${missing} of ${pairs.length} agent cpu_pct samples missing`);
        const diffs = pairs.filter((p) => p.agent !== null).map((p) => p.agent! - p.docker);
        report.push(
          `${n} cpu_pct agent/docker: ${pairs.map((p) => `${p.agent === null ? '-' : p.agent.toFixed(1)}/${p.docker.toFixed(1)}`).join(' ')}`,
        );
        const off = diffs.filter((d) => Math.abs(d) > 10);
        if (off.length)
          problem(
            `${n}: cpu_pct differs from docker's by more than 10 points in ${off.length} of ${diffs.length} pairs`,
          );
      }

      // Memory, pair by pair, for the hog (the others hold under a MiB, where a page is ~0.5 %).
      const hogPairs = readings.map((r) => ({
        docker: r.rows.get(C.hog)!.mem,
        agent: series.get(C.hog)!.get(r.ts + INTERVAL)?.mem_bytes ?? null,
      }));
      report.push(
        `${C.hog} mem MiB agent/docker: ${hogPairs.map((p) => `${p.agent === null ? '-' : (p.agent / 2 ** 20).toFixed(2)}/${(p.docker / 2 ** 20).toFixed(2)}`).join(' ')}`,
      );
      for (const p of hogPairs) {
        if (p.agent === null) problem(`${C.hog}: mem_bytes missing`);
        else if (Math.abs(p.agent - p.docker) > 0.05 * p.docker)
          problem(`${C.hog}: mem_bytes ${p.agent} vs docker ${p.docker} (more than 5 % apart)`);
      }
      const hogMem = median(hogPairs.filter((p) => p.agent !== null).map((p) => p.agent!));
      if (!(hogMem >= HOG_MIB * 2 ** 20 && hogMem <= (HOG_MIB + 4) * 2 ** 20))
        problem(`${C.hog}: mem_bytes ${hogMem} is not the ${HOG_MIB} MiB it holds`);

      // Network: average rates over the run.
      for (const n of [C.web, C.client]) {
        for (const dir of ['rx', 'tx'] as const) {
          const dockerRate = slope(
            readings.map((r) => r.doneAt),
            readings.map((r) => r.rows.get(n)![dir]),
          );
          const agentVals: number[] = [];
          for (let ts = first + INTERVAL; ts <= last + INTERVAL; ts += INTERVAL) {
            const v = series.get(n)!.get(ts)?.[dir === 'rx' ? 'net_rx_bps' : 'net_tx_bps'];
            if (v == null) problem(`${n}: net_${dir}_bps missing at ${ts}`);
            else agentVals.push(v);
          }
          const agentRate = agentVals.reduce((a, b) => a + b, 0) / agentVals.length;
          report.push(
            `${n} net_${dir}_bps agent ${fmt(agentRate)} docker ${fmt(dockerRate)} (${((agentRate / dockerRate - 1) * 100).toFixed(1)} %)`,
          );
          if (!(Math.abs(agentRate - dockerRate) <= 0.1 * dockerRate))
            problem(`${n}: net_${dir}_bps ${fmt(agentRate)} vs docker ${fmt(dockerRate)} (more than 10 % apart)`);
        }
      }
    }

    const burnt = median(readings.map((r) => r.rows.get(C.burner)!.cpu));
    if (!(burnt >= 20)) problems.push(`the burner got only ${burnt.toFixed(1)} % of a core: nothing to compare`);
    const flow = slope(
      readings.map((r) => r.doneAt),
      readings.map((r) => r.rows.get(C.client)!.rx),
    );
    if (!(flow > 1e6)) problems.push(`the client received only ${fmt(flow)} B/s: no real traffic to compare`);

    t.diagnostic(report.join('\n'));
    assert.deepEqual(problems, [], report.join('\n'));
  },
);

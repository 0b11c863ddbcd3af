// Containers read from their cgroups on the real engine, container by container, against the
// engine's own stats answer for the same instant: the cgroup files are read just before and
// just after the engine's one-shot call, so every counter the engine read must lie between the
// two readings, and every gauge must agree. Busy (a CPU quota), idle, memory-limited (32 MiB
// of /dev/shm in a 64 MiB cgroup), network-busy (a client fetching from a web server), and
// disk-busy where a loop device can be made (root): reads throttled by a rule, so the kernel
// counts them. Then through the real agent and server: a container restarted (same id, a new
// init process and cgroup) and one recreated (same name, a new id) keep their history by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
import { eventually, sleep, startProcess } from './support/processes.ts';
import { agentFlags, testConfig } from './support/server.ts';
import { tempDir } from './support/temp.ts';
import { startServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { DockerClient, resolveDockerSocket } from '../agent/docker/client.ts';
import { CgroupStatsSource } from '../agent/docker/cgroup-source.ts';
import { detectHierarchy } from '../agent/cgroup/hierarchy.ts';
import {
  blkioBytes,
  containerMetrics,
  memUsageNoCache,
  networkBytes,
  type StatsResponse,
} from '../agent/docker/stats.ts';
import type { ContainerSummary } from '../agent/docker/labels.ts';

const full = (n: string) => TEST_PREFIX + n;

/** A loop device for the disk-busy container, or why there is none. */
function makeLoopDevice(): { dev: string; cleanup: () => void } | string {
  if (process.getuid?.() !== 0) return 'not root: no loop device';
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-loop-'));
  const img = path.join(dir, 'disk.img');
  writeFileSync(img, Buffer.alloc(0));
  try {
    execFileSync('truncate', ['-s', '64M', img]);
    const dev = execFileSync('losetup', ['-f', '--show', img], { encoding: 'utf8' }).trim();
    return {
      dev,
      cleanup: () => {
        execFileSync('losetup', ['-d', dev]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return `losetup failed: ${(err as Error).message.split('\n')[0]}`;
  }
}

test(
  "cgroup readings agree with the engine's stats, container by container (real engine)",
  { timeout: 120_000 },
  async (t) => {
    if (!(await requireDocker(t))) return;
    const hierarchy = detectHierarchy('/sys');
    if (!hierarchy) {
      if (process.env.CI === 'true') throw new Error('no cgroup hierarchy under /sys/fs/cgroup');
      t.skip('no cgroup hierarchy under /sys/fs/cgroup');
      return;
    }
    const names = { busy: 'cg-busy', idle: 'cg-idle', limited: 'cg-limited', web: 'cg-web', client: 'cg-client' };
    const net = 'cg-net';
    const loop = makeLoopDevice();
    const all = [...Object.values(names), 'cg-disk'];
    const cleanup = async () => {
      await removeContainers(all);
      await removeNetwork(net);
      if (typeof loop !== 'string') loop.cleanup();
    };
    t.after(cleanup);
    await removeContainers(all);
    await createNetwork(net);
    await docker([
      'run',
      '-d',
      '--name',
      full(names.busy),
      ...TEST_LABELS,
      '--cpus',
      '0.5',
      TEST_IMAGE,
      'sh',
      '-c',
      'yes > /dev/null',
    ]);
    await runContainer({ name: names.idle, cmd: ['sleep', '3600'] });
    await runContainer({
      name: names.limited,
      memory: '64m',
      cmd: ['sh', '-c', 'dd if=/dev/zero of=/dev/shm/x bs=1M count=32 2>/dev/null; exec sleep 3600'],
    });
    await runContainer({
      name: names.web,
      network: net,
      cmd: [
        'sh',
        '-c',
        'mkdir -p /www && dd if=/dev/zero of=/www/big bs=1M count=1 2>/dev/null && exec httpd -f -p 80 -h /www',
      ],
    });
    const webIp = await docker([
      'inspect',
      '-f',
      '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}',
      full(names.web),
    ]);
    await runContainer({
      name: names.client,
      network: net,
      cmd: ['sh', '-c', `while true; do wget -q -O /dev/null http://${webIp}/big; usleep 50000; done`],
    });
    const ids: Record<string, string> = {};
    if (typeof loop !== 'string') {
      // A read rule makes the throttle layer count this container's reads (kernels 5+ count only
      // devices with a rule).
      await docker([
        'run',
        '-d',
        '--name',
        full('cg-disk'),
        ...TEST_LABELS,
        '--device',
        `${loop.dev}:${loop.dev}`,
        '--device-read-bps',
        `${loop.dev}:500mb`,
        TEST_IMAGE,
        'sh',
        '-c',
        `while true; do dd if=${loop.dev} of=/dev/null bs=1M count=16 iflag=direct 2>/dev/null; done`,
      ]);
    } else {
      t.diagnostic(`no disk-busy container: ${loop}`);
    }
    await sleep(3000);

    const client = new DockerClient({ socketPath: resolveDockerSocket(undefined) });
    t.after(() => client.close());
    const listed = (await client.listContainers()).filter((c) =>
      c.Names?.some((n) => n.startsWith(`/${TEST_PREFIX}cg-`)),
    );
    for (const c of listed) ids[c.Names![0]!.slice(1 + TEST_PREFIX.length)] = c.Id;
    const info = await client.info();
    const log = memoryLogger();
    const source = new CgroupStatsSource({
      client,
      hierarchy,
      procRoot: '/proc',
      runtime: client.engine,
      driver: info.cgroupDriver,
      memTotal:
        Number(/MemTotal:\s+(\d+)/.exec(execFileSync('cat', ['/proc/meminfo'], { encoding: 'utf8' }))![1]) * 1024,
      engineFallback: false,
      log,
    });
    const read = async (c: ContainerSummary): Promise<StatsResponse> => {
      const [r] = await source.statsAll([c]);
      assert.ok(r && 'stats' in r, `${c.Names?.[0]}: ${JSON.stringify(r)}`);
      return r.stats;
    };
    // Placed once (an inspect each), then three rounds: cgroups, the engine, cgroups.
    await source.statsAll(listed);
    const report: string[] = [];
    for (const c of listed) {
      const name = c.Names![0]!.slice(1 + TEST_PREFIX.length);
      const before = await read(c);
      const engineAnswer = await client.containerStats(c.Id);
      const after = await read(c);
      assert.ok('stats' in engineAnswer, name);
      const engine = engineAnswer.stats;
      const between = (what: string, get: (s: StatsResponse) => number | undefined) => {
        const [b, e, a] = [get(before), get(engine), get(after)];
        report.push(`${name} ${what}: ${b} <= ${e} <= ${a}`);
        assert.ok(
          b !== undefined && e !== undefined && a !== undefined && b <= e && e <= a,
          `${name} ${what}: ${b} <= ${e} <= ${a}`,
        );
      };
      between('cpu ns', (s) => s.cpu_stats?.cpu_usage?.total_usage);
      between('system cpu ns', (s) => s.cpu_stats?.system_cpu_usage);
      between('rx bytes', (s) => networkBytes(s.networks).rx);
      between('tx bytes', (s) => networkBytes(s.networks).tx);
      between('read bytes', (s) => blkioBytes(s.blkio_stats).read);
      assert.equal(before.cpu_stats?.online_cpus, engine.cpu_stats?.online_cpus, name);
      assert.equal(before.memory_stats?.limit, engine.memory_stats?.limit, `${name} memory limit`);
      // Memory moves under a busy container's feet (a web server's socket buffers come and go
      // between reads): within the accuracy test's 5 %, or 256 KiB for containers of a few MB.
      const [mb, me, ma] = [before, engine, after].map((s) => memUsageNoCache(s.memory_stats)!);
      report.push(`${name} mem: ${mb} ${me} ${ma}`);
      const lo = Math.min(mb!, ma!);
      const hi = Math.max(mb!, ma!);
      const slack = Math.max(256 * 1024, 0.05 * hi);
      assert.ok(me! >= lo - slack && me! <= hi + slack, `${name} memory ${me} not within ${lo}..${hi}`);
      // Containers that fork per request (httpd, the wget loop, the dd loop) gain and lose a
      // child between any two reads; the steady ones must match exactly.
      const [pb, pe, pa] = [before, engine, after].map((s) => s.pids_stats?.current);
      report.push(`${name} pids: ${pb} ${pe} ${pa}`);
      const forks = name === names.web || name === names.client || name === 'cg-disk' ? 2 : 0;
      assert.ok(
        pb !== undefined &&
          pe !== undefined &&
          pa !== undefined &&
          pe >= Math.min(pb, pa) - forks &&
          pe <= Math.max(pb, pa) + forks,
        `${name} pids ${pe} not within ${pb}..${pa} ± ${forks}`,
      );
    }
    // What the kinds of container show, as docker stats would show them.
    const metric = (name: string, s: StatsResponse) => containerMetrics(s, undefined, 0).metrics;
    const limited = listed.find((c) => c.Id === ids[names.limited])!;
    const lim = metric(names.limited, await read(limited));
    assert.equal(lim.mem_limit_bytes, 64 * 2 ** 20);
    assert.ok(
      lim.mem_bytes! >= 32 * 2 ** 20 && lim.mem_bytes! < 40 * 2 ** 20,
      `limited holds its 32 MiB: ${lim.mem_bytes}`,
    );
    // Rates over a second, from two cgroup readings, against two engine answers.
    const rateOf = async (c: ContainerSummary, get: (s: StatsResponse) => number | undefined) => {
      const s0 = await read(c);
      const t0 = performance.now();
      await sleep(2000);
      const s1 = await read(c);
      return (get(s1)! - get(s0)!) / ((performance.now() - t0) / 1000);
    };
    const clientC = listed.find((c) => c.Id === ids[names.client])!;
    const rx = await rateOf(clientC, (s) => networkBytes(s.networks).rx);
    report.push(`client rx ${(rx / 1e6).toFixed(2)} MB/s`);
    assert.ok(rx > 1e6, `the network-busy client receives: ${rx} B/s`);
    const busyC = listed.find((c) => c.Id === ids[names.busy])!;
    const cpu = await rateOf(busyC, (s) => s.cpu_stats?.cpu_usage?.total_usage);
    report.push(`busy cpu ${(cpu / 1e7).toFixed(1)} % of a core`);
    assert.ok(cpu / 1e9 <= 0.55, `the burner stays under its quota of half a core: ${cpu / 1e9}`);
    if (ids['cg-disk']) {
      const diskC = listed.find((c) => c.Id === ids['cg-disk'])!;
      const rd = await rateOf(diskC, (s) => blkioBytes(s.blkio_stats).read);
      report.push(`disk read ${(rd / 1e6).toFixed(1)} MB/s`);
      assert.ok(rd > 1e6, `the disk-busy container reads: ${rd} B/s`);
    }
    assert.deepEqual(log.lines, [], 'every container placed by its layout');
    t.diagnostic(report.join('\n'));
  },
);

test(
  'a restarted and a recreated container keep their history by name (real agent and server)',
  { timeout: 240_000 },
  async (t) => {
    if (!(await requireDocker(t))) return;
    const names = { restarted: 'cg-restarted', recreated: 'cg-recreated' };
    const all = Object.values(names);
    t.after(() => removeContainers(all));
    await removeContainers(all);
    // Traffic of its own on eth0, so a stale network namespace would show as missing rates: a
    // ping of the bridge's gateway (the host), which answers through eth0. (Loopback traffic is
    // not counted, as in `docker stats`; a container without traffic of its own only showed
    // rates when others' containers happened to broadcast on the bridge, and timed out when
    // none did.)
    const cmd = [
      'sh',
      '-c',
      'gw=$(ip route | awk "/default/ {print \\$3}"); while true; do ping -c 1 -W 1 $gw >/dev/null; usleep 100000; done',
    ];
    await runContainer({ name: names.restarted, cmd });
    await runContainer({ name: names.recreated, cmd });
    const server = await startServer(testConfig(), memoryLogger());
    t.after(() => server.close());
    const host = 'cgroup-restart-host';
    const agent = startProcess('agent/main.ts', [
      ...agentFlags(server.url, host, '1'),
      '--spool',
      path.join(tempDir(), 'spool'),
      '--collectors',
      'docker',
      '--container-stats',
      'cgroups',
    ]);
    t.after(() => agent.kill());
    await agent.waitFor(/container stats from cgroups/);
    const samples = async (name: string, from: number) => {
      const res = await fetch(
        `${server.url}/api/v1/series?host=${host}&container=${full(name)}&metrics=mem_bytes,pids,net_rx_bps&from=${from}&to=${from + 600}`,
      );
      if (res.status !== 200) return [];
      const body = (await res.json()) as { t: number[]; series: Record<string, (number | null)[]> };
      return body.t.map((ts, i) => ({
        ts,
        mem: body.series.mem_bytes![i],
        pids: body.series.pids![i],
        rx: body.series.net_rx_bps![i],
      }));
    };
    const start = Math.floor(Date.now() / 1000) - 5;
    const seen = (name: string, after: number) =>
      eventually(
        async () => ((await samples(name, start)).some((s) => s.ts > after && s.mem != null) ? true : undefined),
        60_000,
        `${name} sampled after ${after}`,
      );
    await seen(names.restarted, start);
    await seen(names.recreated, start);

    const idBefore = await docker(['inspect', '-f', '{{.Id}} {{.State.Pid}}', full(names.restarted)]);
    await docker(['restart', '-t', '0', full(names.restarted)]);
    const idAfter = await docker(['inspect', '-f', '{{.Id}} {{.State.Pid}}', full(names.restarted)]);
    assert.equal(idAfter.split(' ')[0], idBefore.split(' ')[0], 'restarted: the same container');
    assert.notEqual(idAfter.split(' ')[1], idBefore.split(' ')[1], 'restarted: a new init process');
    await removeContainers([names.recreated]);
    await runContainer({ name: names.recreated, cmd });
    const changed = Math.ceil(Date.now() / 1000);
    await seen(names.restarted, changed + 2);
    await seen(names.recreated, changed + 2);
    // Network rates again from the new namespaces (a stale pid would leave them out).
    await eventually(
      async () =>
        (await samples(names.recreated, start)).some((s) => s.ts > changed + 2 && (s.rx ?? 0) > 0) ? true : undefined,
      60_000,
      'network rates of the recreated container',
    );
    await eventually(
      async () =>
        (await samples(names.restarted, start)).some((s) => s.ts > changed + 2 && (s.rx ?? 0) > 0) ? true : undefined,
      60_000,
      'network rates of the restarted container',
    );
    for (const name of all) {
      const s = await samples(name, start);
      assert.ok(
        s.some((x) => x.ts < changed && x.mem != null),
        `${name}: history from before`,
      );
      assert.ok(
        s.some((x) => x.ts > changed && x.mem != null),
        `${name}: samples after`,
      );
    }
    // One container per name on the page, not one per id.
    const list = (await (await fetch(`${server.url}/api/v1/hosts/${host}`)).json()) as {
      containers?: { name: string }[];
    };
    if (list.containers) assert.equal(list.containers.filter((c) => c.name === full(names.recreated)).length, 1);
    assert.doesNotMatch(agent.output(), /no cgroup found|failed/);
  },
);

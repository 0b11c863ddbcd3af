// Golden tests of the container maths on engine responses: real ones recorded from Docker
// 20.10 / API 1.41 on cgroup v1 (stats-v1-*), and ones written in the exact format of a cgroup v2
// engine (stats-v2-*) and of a pre-1.27 engine without online_cpus (stats-old-api1.26-*).
// Expected values are worked out by hand from the numbers in the files (shown beside each).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  blkioBytes,
  containerMetrics,
  cpuPercent,
  elapsedSeconds,
  isLiveReading,
  memUsageNoCache,
  networkBytes,
  onlineCpus,
  parseReadTime,
  type ContainerMetrics,
  type StatsResponse,
} from './stats.ts';

const fixture = (name: string): StatsResponse =>
  JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), 'utf8')) as StatsResponse;

/** Two readings through the maths; `monoGap` is our own clock's gap between them. */
function twoReadings(first: string, second: string, monoGap: number): ContainerMetrics {
  const a = containerMetrics(fixture(first), undefined, 100);
  return containerMetrics(fixture(second), a.counters, 100 + monoGap).metrics;
}

function near(actual: number | undefined, expected: number, tol = 1e-6) {
  assert.ok(actual !== undefined, `expected ${expected}, got undefined`);
  assert.ok(
    Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)),
    `expected ${expected}, got ${actual}`,
  );
}

test('first reading of a container: gauges only, no cpu or rates', () => {
  const { metrics } = containerMetrics(fixture('stats-v1-busy-1.json'), undefined, 0);
  assert.deepEqual(metrics, {
    mem_bytes: 5419008, // usage 5419008 − total_inactive_file 0
    mem_limit_bytes: 25276502016, // unlimited: the engine reports the host's memory
    mem_pct: (5419008 / 25276502016) * 100,
    pids: 4,
  });
});

test('cgroup v1, real: busy container (yes > /dev/null) serving HTTP', () => {
  const m = twoReadings('stats-v1-busy-1.json', 'stats-v1-busy-2.json', 3);
  // (145915082183 − 142846231287) / (864190000000 − 858070000000) × 2 CPUs × 100
  near(m.cpu_pct, 100.28924496732026);
  // read times 02:26:06.343176671 → 02:26:09.430269349: 3.087092678 s
  near(m.net_tx_bps, 63027267 / 3.087092678); // ≈ 20.4 MB/s of wget traffic
  near(m.net_rx_bps, 92289 / 3.087092678);
  assert.equal(m.blk_read_bps, 0); // empty blkio list on this VM: no block I/O accounted
  assert.equal(m.blk_write_bps, 0);
  assert.equal(m.mem_bytes, 5357568);
  assert.equal(m.pids, 4);
});

test('cgroup v1, real: idle container with a 64 MiB limit and 8 MiB of inactive page cache', () => {
  const m = twoReadings('stats-v1-limited-1.json', 'stats-v1-limited-2.json', 3);
  // `docker stats` showed "548KiB / 64MiB  0.84%": 8949760 − 8388608 = 561152 = 548 KiB
  assert.equal(m.mem_bytes, 561152);
  assert.equal(m.mem_limit_bytes, 67108864);
  near(m.mem_pct, 0.836181640625);
  assert.equal(m.cpu_pct, 0); // total_usage unchanged while host time advanced
  near(m.net_rx_bps, 70 / 3.08382975);
  assert.equal(m.net_tx_bps, 0);
});

test('cgroup v2 (Docker 24, no percpu_usage, lowercase blkio ops, two disks, two interfaces)', () => {
  const m = twoReadings('stats-v2-1.json', 'stats-v2-2.json', 10);
  // 15032118000 ns of container CPU over 40000000000 ns of host CPU × 4 online CPUs × 100
  near(m.cpu_pct, 150.32118);
  // usage 157810688 − inactive_file 41943040; limit 512 MiB
  assert.equal(m.mem_bytes, 115867648);
  assert.equal(m.mem_limit_bytes, 536870912);
  near(m.mem_pct, (115867648 / 536870912) * 100);
  const dt = 10.004644605; // 09:15:00.120336907 → 09:15:10.124981512
  near(m.net_rx_bps, (12345678 + 1000) / dt); // eth0 + eth1
  near(m.net_tx_bps, 98765432 / dt);
  near(m.blk_read_bps, 1048576 / dt);
  near(m.blk_write_bps, 52428800 / dt); // 8:0 wrote 50 MiB, 8:16 nothing new
  assert.equal(m.pids, 24);
});

test('old engine (API 1.26): CPUs counted from percpu_usage, v1 "Read"/"Write" only', () => {
  const m = twoReadings('stats-old-api1.26-1.json', 'stats-old-api1.26-2.json', 10);
  // Over our interval: 4 × 2.5e9 ns of container CPU over 4e10 ns of host CPU × 4 CPUs × 100.
  // The second response's own precpu_stats (one second before it) would say 40 %: Berth reports
  // the average over its own interval, like the host's cpu_pct.
  near(m.cpu_pct, 100);
  assert.equal(m.mem_bytes, 362586112 - 134217728);
  const dt = 10.002838009;
  near(m.blk_read_bps, 4096000 / dt); // "Sync", "Async" and "Total" rows are not added in
  near(m.blk_write_bps, 20480000 / dt);
  near(m.net_rx_bps, 1000000 / dt);
  assert.equal(m.pids, 31);
});

test('a container that stopped after listing answers with an empty reading', () => {
  const s = fixture('stats-not-running.json');
  assert.equal(isLiveReading(s), false);
  assert.equal(isLiveReading(fixture('stats-v1-busy-1.json')), true);
  assert.deepEqual(containerMetrics(s, undefined, 0).metrics, {});
});

test('restart: counters that go down give no rate or cpu for that step, never a negative one', () => {
  const before = containerMetrics(fixture('stats-v1-busy-2.json'), undefined, 100);
  // After a restart everything starts again from (near) zero.
  const restarted = fixture('stats-v1-busy-1.json');
  restarted.read = '2026-11-22T02:26:19.430269349Z';
  restarted.cpu_stats!.cpu_usage!.total_usage = 5_000_000;
  restarted.cpu_stats!.system_cpu_usage = 884190000000;
  restarted.networks = { eth0: { rx_bytes: 100, tx_bytes: 200 } };
  const after = containerMetrics(restarted, before.counters, 110);
  for (const k of ['cpu_pct', 'net_rx_bps', 'net_tx_bps'] as const) assert.equal(after.metrics[k], undefined, k);
  // A counter that started again from zero and already passed its old value gives no rate
  // either: the CPU counter going down says the container restarted.
  const passed = structuredClone(restarted);
  passed.networks = { eth0: { rx_bytes: 9e9, tx_bytes: 9e9 } };
  const step = containerMetrics(passed, before.counters, 110).metrics;
  for (const k of ['cpu_pct', 'net_rx_bps', 'net_tx_bps', 'blk_read_bps', 'blk_write_bps'] as const)
    assert.equal(step[k], undefined, k);
  assert.equal(after.metrics.mem_bytes, 5419008); // gauges still come out
  // And the step after the restart has rates again.
  const next = structuredClone(restarted);
  next.read = '2026-11-22T02:26:29.430269349Z';
  next.networks = { eth0: { rx_bytes: 1100, tx_bytes: 200 } };
  near(containerMetrics(next, after.counters, 120).metrics.net_rx_bps, 100);
});

test('Podman 5 (compat API): CPU % over wall time as `podman stats` shows it, not the docker CLI formula over its busy-time system_cpu_usage', () => {
  const a = containerMetrics(fixture('stats-podman5-busy-1.json'), undefined, 100, 'podman');
  const m = containerMetrics(fixture('stats-podman5-busy-2.json'), a.counters, 110, 'podman').metrics;
  near(m.cpu_pct, 100); // 10 s of CPU in 10 s of wall time: one full core
  near(m.net_rx_bps, 2000); // (25234 - 5234) / 10
  near(m.net_tx_bps, 1000); // (11402 - 1402) / 10
  near(m.blk_write_bps, 4096); // (45056 - 4096) / 10
  near(m.blk_read_bps, 0);
  assert.equal(m.mem_bytes, 2318336); // no memory_stats.stats from Podman: usage as it is
  // The docker CLI's formula on the same answers: 10 / 10.5 × 4 CPUs × 100.
  const docker = containerMetrics(fixture('stats-podman5-busy-2.json'), a.counters, 110, 'docker').metrics;
  near(docker.cpu_pct, 380.952381, 1e-6);
});

test('Podman 3.4 on cgroup v2 (no online_cpus, no percpu_usage): CPU % still comes out', () => {
  const a = containerMetrics(fixture('stats-podman3-v2-1.json'), undefined, 100, 'podman');
  const m = containerMetrics(fixture('stats-podman3-v2-2.json'), a.counters, 110.5, 'podman').metrics;
  near(m.cpu_pct, 25); // 2.625 s of CPU over 10.5 s (the read times, local offset -05:00)
  near(m.net_rx_bps, 3000 / 10.5);
  near(m.net_tx_bps, 2100 / 10.5);
  near(m.blk_read_bps, 0); // an empty list: no block I/O yet
});

test('memory_stats.usage -1: no memory values (the docker CLI shows --), the rest of the answer still counts', () => {
  const a = containerMetrics(fixture('stats-v2-mem-usage-negative.json'), undefined, 100);
  assert.deepEqual(a.metrics, { mem_limit_bytes: 536870912, pids: 23 });
  const m = containerMetrics(fixture('stats-v2-2.json'), a.counters, 110).metrics;
  near(m.cpu_pct, 150.32118); // as from stats-v2-1: the counters of the reading were sound
  assert.equal(m.mem_bytes, 115867648);
  const back = containerMetrics(fixture('stats-v2-mem-usage-negative.json'), a.counters, 110).metrics;
  for (const k of ['mem_bytes', 'mem_pct'] as const) assert.equal(back[k], undefined, k);
});

test('memUsageNoCache follows the docker CLI in every branch', () => {
  const cases: [string, StatsResponse['memory_stats'], number | undefined][] = [
    ['v1: usage − total_inactive_file', { usage: 1000, stats: { total_inactive_file: 300, inactive_file: 100 } }, 700],
    [
      'v1: total_inactive_file ≥ usage falls to inactive_file',
      { usage: 1000, stats: { total_inactive_file: 1000, inactive_file: 100 } },
      900,
    ],
    ['both ≥ usage: usage', { usage: 1000, stats: { total_inactive_file: 5000, inactive_file: 2000 } }, 1000],
    ['v2: usage − inactive_file', { usage: 1000, stats: { inactive_file: 250, file: 400 } }, 750],
    ['no inactive key at all: usage', { usage: 1000, stats: { rss: 10 } }, 1000],
    ['stats missing: usage', { usage: 1000 }, 1000],
    ['stats null: usage', { usage: 1000, stats: null as unknown as Record<string, number> }, 1000],
    ['usage absent (omitempty 0 or no memory cgroup)', { stats: { inactive_file: 1 } }, undefined],
    ['usage not a number', { usage: '1000' as unknown as number }, undefined],
    ['usage negative (a uint64 the CLI cannot decode)', { usage: -1, stats: { inactive_file: 0 } }, undefined],
    ['inactive_file negative: usage', { usage: 1000, stats: { inactive_file: -1 } }, 1000],
    ['memory_stats absent', undefined, undefined],
  ];
  for (const [name, mem, want] of cases) assert.equal(memUsageNoCache(mem), want, name);
});

test('cpuPercent and onlineCpus edge cases', () => {
  const p = { cpuTotal: 1e9, systemCpu: 100e9 };
  assert.equal(cpuPercent(p, { cpuTotal: 1e9, systemCpu: 110e9 }, 2), 0, 'idle is 0, not missing');
  assert.equal(cpuPercent(p, { cpuTotal: 2e9, systemCpu: 100e9 }, 2), undefined, 'host time did not move');
  assert.equal(cpuPercent(p, { cpuTotal: 0.5e9, systemCpu: 110e9 }, 2), undefined, 'restart');
  assert.equal(cpuPercent(p, { cpuTotal: 2e9, systemCpu: 110e9 }, undefined), undefined, 'CPU count unknown');
  assert.equal(cpuPercent({ cpuTotal: undefined, systemCpu: 1 }, { cpuTotal: 2e9, systemCpu: 110e9 }, 2), undefined);
  near(cpuPercent(p, { cpuTotal: 3e9, systemCpu: 120e9 }, 2), 20); // 2e9 / 20e9 × 2 × 100
  assert.equal(onlineCpus({ online_cpus: 8, cpu_usage: { percpu_usage: [1, 2] } }), 8);
  assert.equal(onlineCpus({ online_cpus: 0, cpu_usage: { percpu_usage: [1, 2, 3] } }), 3);
  assert.equal(onlineCpus({ cpu_usage: { percpu_usage: null } }), undefined);
  assert.equal(onlineCpus(undefined), undefined);
});

test('elapsedSeconds uses the engine read time unless the wall clock jumped', () => {
  const a = { at: 1000, mono: 50 };
  assert.equal(elapsedSeconds(a, { at: 1011, mono: 60 }), 11, 'a one-tick skew is the truth');
  assert.equal(elapsedSeconds(a, { at: 4600, mono: 60 }), 10, 'wall clock stepped an hour');
  assert.equal(elapsedSeconds(a, { at: 990, mono: 60 }), 10, 'wall clock stepped back');
  assert.equal(elapsedSeconds({ mono: 50 }, { mono: 55 }), 5, 'no read time');
  assert.equal(elapsedSeconds({ mono: 50 }, { mono: 50 }), undefined);
});

test('parseReadTime keeps nanoseconds and rejects the zero time and junk', () => {
  const cases: [unknown, number | undefined][] = [
    ['2026-11-22T02:26:06.343176671Z', 1795314366.343176671],
    ['2026-11-22T02:26:06Z', 1795314366],
    ['2026-11-22T03:26:06.5+01:00', 1795314366.5],
    ['0001-01-01T00:00:00Z', undefined],
    ['yesterday', undefined],
    ['', undefined],
    [12345, undefined],
    [undefined, undefined],
  ];
  for (const [input, want] of cases) {
    const got = parseReadTime(input);
    if (want === undefined) assert.equal(got, undefined, String(input));
    else near(got, want, 1e-15);
  }
  // Nanosecond resolution survives: two times 1 µs apart differ by 1 µs (to float precision).
  const d = parseReadTime('2026-11-22T02:26:06.343177671Z')! - parseReadTime('2026-11-22T02:26:06.343176671Z')!;
  assert.ok(Math.abs(d - 1e-6) < 5e-7, String(d));
});

test('blkioBytes and networkBytes sum what is there and skip junk', () => {
  assert.deepEqual(blkioBytes({ io_service_bytes_recursive: null }), { read: 0, write: 0 }, 'v2, no I/O yet');
  assert.deepEqual(blkioBytes({ io_service_bytes_recursive: [] }), { read: 0, write: 0 }, 'v1, no I/O yet');
  assert.deepEqual(blkioBytes(undefined), {});
  assert.deepEqual(
    blkioBytes({
      io_service_bytes_recursive: [
        { major: 8, minor: 0, op: 'READ', value: 5 },
        { major: 8, minor: 0, op: 'write', value: 7 },
        { major: 8, minor: 0, op: 'Total', value: 12 },
        { major: 8, minor: 0, op: 'Discard', value: 1 },
        { major: 8, minor: 0, op: 'read' }, // no value
        null as unknown as { op: string },
        { op: 'write', value: 'x' as unknown as number },
      ],
    }),
    { read: 5, write: 7 },
  );
  assert.deepEqual(networkBytes(undefined), {}, 'host or none network: no interfaces of its own');
  assert.deepEqual(
    networkBytes({
      eth0: { rx_bytes: 1, tx_bytes: 2 },
      eth1: { rx_bytes: 10, tx_bytes: 20 },
      bad: null as unknown as object,
    }),
    { rx: 11, tx: 22 },
  );
});

test('malformed responses never throw', () => {
  const junk = [{}, { cpu_stats: 'x' }, { memory_stats: { usage: -1 } }, { networks: [] }, { blkio_stats: 5 }];
  for (const j of junk) {
    const a = containerMetrics(j as StatsResponse, undefined, 0);
    containerMetrics(j as StatsResponse, a.counters, 10);
  }
});

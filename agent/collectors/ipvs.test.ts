import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { counterWidthFor, ipvsCollector, wrapWidth, type IpvsCollectorOptions } from './ipvs.ts';
import type { Collector, CollectContext } from './collector.ts';
import { SourceMissing } from '../source-missing.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import { RateTracker } from '../rates.ts';
import { memoryLogger } from '../../lib/log.ts';

const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

const testdata = (name: string) => new URL(`../procfs/testdata/${name}`, import.meta.url);

interface Files {
  ip_vs?: string;
  stats?: string;
  percpu?: string;
  online?: string;
  release?: string;
}

/** A fake host: <root>/proc and <root>/sys, filled from fixtures; call again to change them. */
async function host() {
  const root = await mkdtemp(path.join(tmpdir(), 'berth-ipvs-'));
  roots.push(root);
  const proc = path.join(root, 'proc');
  await mkdir(path.join(proc, 'net'), { recursive: true });
  await mkdir(path.join(proc, 'sys/kernel'), { recursive: true });
  await mkdir(path.join(root, 'sys/devices/system/cpu'), { recursive: true });
  const put = async (fixture: string | undefined, file: string) => {
    if (fixture === undefined) return;
    if (fixture === '') await rm(file, { force: true });
    else await copyFile(testdata(fixture), file);
  };
  return {
    procRoot: proc,
    async set(f: Files) {
      await put(f.ip_vs, path.join(proc, 'net/ip_vs'));
      await put(f.stats, path.join(proc, 'net/ip_vs_stats'));
      await put(f.percpu, path.join(proc, 'net/ip_vs_stats_percpu'));
      await put(f.online, path.join(root, 'sys/devices/system/cpu/online'));
      if (f.release !== undefined) await writeFile(path.join(proc, 'sys/kernel/osrelease'), `${f.release}\n`);
    },
  };
}

/** Runs one collector over successive ticks `dt` seconds apart, with one shared rate tracker. */
function ticker(c: Collector, dt = 10) {
  const ctx: CollectContext = { mono: 1000, rates: new RateTracker(), log: memoryLogger() };
  return {
    log: ctx.log as ReturnType<typeof memoryLogger>,
    async tick() {
      const out = new SnapshotBuilder(1_700_000_000);
      await c.collect(out, ctx);
      (ctx as { mono: number }).mono += dt;
      const get = (name: string, labels: Record<string, string> = {}) =>
        out.series.find((s) => s.name === name && JSON.stringify(s.labels) === JSON.stringify(labels))?.value;
      const labelsOf = (name: string) => out.series.filter((s) => s.name === name).map((s) => s.labels);
      return { get, labelsOf };
    },
  };
}

async function setup(files: Files, opts: Partial<IpvsCollectorOptions> = {}) {
  const h = await host();
  await h.set({ online: 'cpu-online-0-3', release: '6.1.0-18-amd64', ...files });
  return { h, t: ticker(ipvsCollector({ procRoot: h.procRoot, netRoot: h.procRoot, ...opts })) };
}

test('ipvs: no /proc/net/ip_vs turns the collector off', async () => {
  const { t } = await setup({});
  await assert.rejects(t.tick(), (e: unknown) => e instanceof SourceMissing && /net\/ip_vs not found/.test(e.message));
});

test('ipvs: services and real servers, labelled like ipvsadm -Ln', async () => {
  const { t } = await setup({ ip_vs: 'ip_vs-ipv4' });
  const s = await t.tick();
  const rs = { service: 'TCP 10.0.0.1:80', scheduler: 'rr', real_server: '10.0.1.11:80', method: 'Masq' };
  assert.equal(s.get('ipvs_rs_active_conns', rs), 12);
  assert.equal(s.get('ipvs_rs_inactive_conns', rs), 340);
  assert.equal(s.get('ipvs_rs_weight', rs), 1);
  assert.equal(s.get('ipvs_rs_weight', { ...rs, real_server: '10.0.1.13:8080' }), 0);
  const svc = { service: 'TCP 10.0.0.1:80', scheduler: 'rr' };
  assert.equal(s.get('ipvs_service_active_conns', svc), 12 + 9 + 0);
  assert.equal(s.get('ipvs_service_inactive_conns', svc), 340 + 295 + 3);
  assert.equal(s.get('ipvs_service_real_servers', svc), 3);
  assert.equal(s.get('ipvs_service_real_servers', { service: 'SCTP 10.0.0.9:2905', scheduler: 'rr' }), 0);
  assert.equal(s.get('ipvs_services'), 5);
  assert.deepEqual(
    s.labelsOf('ipvs_rs_active_conns').filter((l) => l.service === 'UDP 10.0.0.53:53'),
    [
      { service: 'UDP 10.0.0.53:53', scheduler: 'sh', real_server: '10.0.2.53:53', method: 'Tunnel' },
      { service: 'UDP 10.0.0.53:53', scheduler: 'sh', real_server: '10.0.2.54:53', method: 'Tunnel' },
    ],
  );
});

test('ipvs: IPv6 and firewall-mark services', async () => {
  const { h, t } = await setup({ ip_vs: 'ip_vs-ipv6' });
  let s = await t.tick();
  assert.equal(
    s.get('ipvs_rs_active_conns', {
      service: 'TCP [2001:db8::1]:80',
      scheduler: 'rr',
      real_server: '[2001:db8::1:11]:80',
      method: 'Masq',
    }),
    3,
  );
  assert.equal(
    s.get('ipvs_rs_inactive_conns', {
      service: 'UDP [fd00::53]:53',
      scheduler: 'sh',
      real_server: '192.168.10.5:53',
      method: 'Tunnel',
    }),
    7,
  );
  await h.set({ ip_vs: 'ip_vs-fwmark' });
  s = await t.tick();
  assert.equal(s.get('ipvs_service_active_conns', { service: 'FWM 10', scheduler: 'wlc' }), 198);
  assert.equal(
    s.get('ipvs_rs_weight', { service: 'FWM 1', scheduler: 'rr', real_server: '10.0.1.12:0', method: 'Route' }),
    1,
  );
});

test('ipvs: total and per-CPU rates on a 64-bit kernel; offline CPUs left out', async () => {
  const { h, t } = await setup({
    ip_vs: 'ip_vs-empty',
    stats: 'ip_vs_stats-64bit-1',
    percpu: 'ip_vs_stats_percpu-8possible-1',
  });
  const first = await t.tick();
  assert.equal(first.get('ipvs_conns_per_s'), undefined, 'no rate from a single reading');
  assert.equal(first.get('ipvs_services'), 0);
  await h.set({ stats: 'ip_vs_stats-64bit-2', percpu: 'ip_vs_stats_percpu-8possible-2' });
  const s = await t.tick();
  assert.equal(s.get('ipvs_conns_per_s'), 500);
  assert.equal(s.get('ipvs_in_packets_per_s'), 100_000);
  assert.equal(s.get('ipvs_out_packets_per_s'), 90_000);
  assert.equal(s.get('ipvs_in_bps'), 80_000_000);
  assert.equal(s.get('ipvs_out_bps'), 900_000_000);
  assert.deepEqual(
    s.labelsOf('ipvs_conns_per_s').map((l) => l.cpu),
    [undefined, '0', '1', '2', '3'],
  );
  assert.equal(s.get('ipvs_conns_per_s', { cpu: '1' }), 110);
  assert.equal(s.get('ipvs_in_bps', { cpu: '3' }), 15_500_000);
});

test('ipvs: --ipvs-cpus keeps CPUs 0..N-1 whatever is online', async () => {
  const { h, t } = await setup({ ip_vs: 'ip_vs-empty', percpu: 'ip_vs_stats_percpu-8possible-1' }, { ipvsCpus: 2 });
  await t.tick();
  await h.set({ percpu: 'ip_vs_stats_percpu-8possible-2' });
  const s = await t.tick();
  assert.deepEqual(
    s.labelsOf('ipvs_conns_per_s').map((l) => l.cpu),
    [undefined, '0', '1'],
  );
  // Without ip_vs_stats the total comes from the per-CPU file's "~" line: all CPUs, kept or not.
  assert.equal(s.get('ipvs_conns_per_s'), 100 + 110 + 90 + 105);
});

test('ipvs: with no online list every listed CPU is kept', async () => {
  const { h, t } = await setup({ ip_vs: 'ip_vs-empty', percpu: 'ip_vs_stats_percpu-8possible-1', online: '' });
  await t.tick();
  await h.set({ percpu: 'ip_vs_stats_percpu-8possible-2' });
  const s = await t.tick();
  assert.equal(s.labelsOf('ipvs_conns_per_s').length, 1 + 8);
  assert.equal(s.get('ipvs_conns_per_s', { cpu: '7' }), 0);
});

test('ipvs: 32-bit counters on a pre-4.1 kernel wrap at 2^32 instead of resetting', async () => {
  const { h, t } = await setup({
    ip_vs: 'ip_vs-empty',
    stats: 'ip_vs_stats-32bit-1',
    percpu: 'ip_vs_stats_percpu-32bit-1',
    release: '3.10.0-1160.el7.x86_64',
  });
  await t.tick();
  await h.set({ stats: 'ip_vs_stats-32bit-2', percpu: 'ip_vs_stats_percpu-32bit-2' });
  const s = await t.tick();
  assert.equal(s.get('ipvs_conns_per_s'), (0x800 + 2 ** 32 - 0xfffff000) / 10); // 614.4
  assert.equal(s.get('ipvs_in_packets_per_s'), 10_000); // FFFFFFFF → 1869F is 100 000 packets
  assert.equal(s.get('ipvs_out_packets_per_s'), (0x5000 + 2 ** 32 - 0xffff0000) / 10);
  assert.equal(s.get('ipvs_in_bps'), 9_000_000);
  assert.equal(s.get('ipvs_conns_per_s', { cpu: '0' }), 0x200 / 10);
  assert.equal(s.get('ipvs_conns_per_s', { cpu: '1' }), 0x20 / 10);
  assert.equal(s.get('ipvs_in_packets_per_s', { cpu: '0' }), 0x2000 / 10);
  assert.ok(t.log.lines.some((l) => /32-bit connection and packet counters/.test(l)));
});

test('ipvs: the same drop on a 64-bit kernel is a reset and gives no rate', async () => {
  const { h, t } = await setup({ ip_vs: 'ip_vs-empty', stats: 'ip_vs_stats-32bit-1', release: '5.15.0-91-generic' });
  await t.tick();
  await h.set({ stats: 'ip_vs_stats-32bit-2' });
  const s = await t.tick();
  assert.equal(s.get('ipvs_conns_per_s'), undefined);
  assert.equal(s.get('ipvs_in_packets_per_s'), undefined);
  assert.equal(s.get('ipvs_in_bps'), 9_000_000, 'bytes never wrapped');
});

test('ipvs: counterWidth: 32 overrides the kernel release', async () => {
  const { h, t } = await setup(
    { ip_vs: 'ip_vs-empty', stats: 'ip_vs_stats-32bit-1', release: '5.15.0' },
    { counterWidth: 32 },
  );
  await t.tick();
  await h.set({ stats: 'ip_vs_stats-32bit-2' });
  assert.equal((await t.tick()).get('ipvs_in_packets_per_s'), 10_000);
});

test('ipvs: ipvsadm -Z on a 32-bit kernel is a reset, not a wrap; rates resume after it', async () => {
  const { h, t } = await setup({ ip_vs: 'ip_vs-empty', stats: 'ip_vs_stats-32bit-before-zero', release: '3.2.0' });
  await t.tick();
  await h.set({ stats: 'ip_vs_stats-32bit-after-zero' });
  const zeroed = await t.tick();
  for (const n of [
    'ipvs_conns_per_s',
    'ipvs_in_packets_per_s',
    'ipvs_out_packets_per_s',
    'ipvs_in_bps',
    'ipvs_out_bps',
  ]) {
    assert.equal(zeroed.get(n), undefined, n);
  }
  assert.equal((await t.tick()).get('ipvs_in_packets_per_s'), 0);
});

test('ipvs: a value past 2^32 proves 64-bit counters whatever the release says', async () => {
  // A RHEL-style 3.10 kernel with the 64-bit backport: packets already past 2^32, conns near it.
  const { h, t } = await setup({ ip_vs: 'ip_vs-empty', release: '3.10.0-1160.el7.x86_64' });
  const X = (v: number, w: number) => v.toString(16).toUpperCase().padStart(w);
  const stats = (c: number[]) =>
    '   Total Incoming Outgoing         Incoming         Outgoing\n   Conns  Packets  Packets            Bytes            Bytes\n' +
    `${X(c[0], 8)} ${X(c[1], 8)} ${X(c[2], 8)} ${X(c[3], 16)} ${X(c[4], 16)}\n\n` +
    ' Conns/s   Pkts/s   Pkts/s          Bytes/s          Bytes/s\n       0        0        0                0                0\n';
  const file = path.join(h.procRoot, 'net/ip_vs_stats');
  await writeFile(file, stats([0xfffff000, 5_000_000_000, 10, 10, 10]));
  await t.tick();
  // ipvsadm -Z: conns drops from near 2^32 to near 0. On a 64-bit counter that is a reset.
  await writeFile(file, stats([0x800, 100, 1, 1, 1]));
  const s = await t.tick();
  assert.equal(s.get('ipvs_conns_per_s'), undefined);
});

test('ipvs: a malformed file is an error naming the file and line', async () => {
  const { h, t } = await setup({ ip_vs: 'ip_vs-empty' });
  await writeFile(path.join(h.procRoot, 'net/ip_vs_stats'), 'garbage\n');
  await assert.rejects(t.tick(), /net\/ip_vs_stats: too short/);
});

test('counterWidthFor: 32 before Linux 4.1', () => {
  const cases: [string, 32 | 64 | undefined][] = [
    ['2.6.32-754.el6.x86_64', 32],
    ['3.10.0-1160.el7.x86_64', 32],
    ['4.0.9', 32],
    ['4.1.0', 64],
    ['4.19.0-26-amd64', 64],
    ['6.18.44-fc-v669', 64],
    ['', undefined],
  ];
  for (const [rel, want] of cases) assert.equal(counterWidthFor(rel), want, rel);
});

test('wrapWidth: only believable wraps are unwrapped', () => {
  assert.equal(wrapWidth(undefined, 5), undefined);
  assert.equal(wrapWidth(10, 20), undefined);
  assert.equal(wrapWidth(0xffffff00, 0x100), 32);
  assert.equal(wrapWidth(2 ** 32 - 2 ** 30, 0), 32);
  assert.equal(wrapWidth(2 ** 32 - 2 ** 30 - 1, 0), undefined);
  assert.equal(wrapWidth(0x80000000, 3), undefined);
});

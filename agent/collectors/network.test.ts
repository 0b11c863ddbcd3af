import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ifaceFilter, networkCollector } from './network.ts';
import type { CollectContext } from './collector.ts';
import { SourceMissing } from '../source-missing.ts';
import { SnapshotBuilder } from '../snapshot.ts';
import { RateTracker } from '../rates.ts';
import { memoryLogger } from '../../lib/log.ts';
import { tempDir } from '../../test/support/temp.ts';

const HEADER = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
`;
const row = (iface: string, rxB: number, rxP: number, txB: number, txP: number) =>
  `${iface.padStart(6)}: ${rxB} ${rxP} 0 0 0 0 0 0 ${txB} ${txP} 0 0 0 0 0 0\n`;

/** A host /proc as an agent in a container sees it: the host's namespace is pid 1's. */
async function hostProc(): Promise<{ procRoot: string; write: (text: string) => Promise<void> }> {
  const procRoot = tempDir('berth-net-');
  await mkdir(path.join(procRoot, '1/net'), { recursive: true });
  return { procRoot, write: (text) => writeFile(path.join(procRoot, '1/net/dev'), text) };
}

function seriesOf(out: SnapshotBuilder): Record<string, number> {
  return Object.fromEntries(out.series.map((s) => [`${s.name}{${s.labels.iface}}`, s.value]));
}

test('ifaceFilter: physical interfaces by default, user patterns on top', () => {
  const keep = ifaceFilter();
  for (const name of ['eth0', 'ens3', 'enp0s31f6', 'wlp2s0', 'eno1', 'bond0', 'ib0'])
    assert.equal(keep(name), true, name);
  for (const name of [
    'lo',
    'veth606f660',
    'docker0',
    'docker_gwbridge',
    'br-97ebade92297',
    'virbr0',
    'vnet3',
    'cni0',
    'flannel.1',
    'cali1234',
    'vxlan.calico',
    'cilium_host',
    'lxc12ab',
    'ifb0',
    'tun0',
    'wg0',
    'tailscale0',
  ]) {
    assert.equal(keep(name), false, name);
  }
  const custom = ifaceFilter(['veth*', 'wg0'], ['eth1', 'veth9*']);
  assert.equal(custom('veth1234'), true);
  assert.equal(custom('veth9abc'), false, 'exclude wins over include');
  assert.equal(custom('wg0'), true);
  assert.equal(custom('wg1'), false);
  assert.equal(custom('eth1'), false);
  assert.equal(custom('eth0'), true);
});

test('networkCollector: rates per interface and host totals over physical interfaces', async () => {
  const { procRoot, write } = await hostProc();
  const c = networkCollector({ procRoot });
  const rates = new RateTracker();
  const ctx = (mono: number): CollectContext => ({ mono, rates, log: memoryLogger() });

  await write(
    HEADER +
      row('lo', 5000, 50, 5000, 50) +
      row('eth0', 1_000_000, 1000, 200_000, 400) +
      row('eth1', 0, 0, 0, 0) +
      row('docker0', 10, 1, 10, 1) +
      row('vethce8ff7d', 900, 9, 900, 9),
  );
  const first = new SnapshotBuilder(1);
  await c.collect(first, ctx(100));
  assert.deepEqual(first.host, {});
  assert.deepEqual(first.series, []);

  await write(
    HEADER +
      row('lo', 9000, 90, 9000, 90) +
      row('eth0', 3_000_000, 3000, 600_000, 1200) +
      row('eth1', 100_000, 100, 50_000, 50) +
      row('docker0', 20, 2, 20, 2) +
      row('vethce8ff7d', 9900, 99, 9900, 99),
  );
  const second = new SnapshotBuilder(2);
  await c.collect(second, ctx(110));
  assert.deepEqual(seriesOf(second), {
    'net_rx_bps{eth0}': 200_000,
    'net_tx_bps{eth0}': 40_000,
    'net_rx_pps{eth0}': 200,
    'net_tx_pps{eth0}': 80,
    'net_rx_bps{eth1}': 10_000,
    'net_tx_bps{eth1}': 5_000,
    'net_rx_pps{eth1}': 10,
    'net_tx_pps{eth1}': 5,
  });
  assert.deepEqual(second.host, { net_rx_bps: 210_000, net_tx_bps: 45_000 });
});

test('networkCollector: a counter reset yields no rate and no partial total', async () => {
  const { procRoot, write } = await hostProc();
  const c = networkCollector({ procRoot });
  const rates = new RateTracker();
  const ctx = (mono: number): CollectContext => ({ mono, rates, log: memoryLogger() });
  await write(HEADER + row('eth0', 1000, 10, 1000, 10) + row('eth1', 5_000_000, 5000, 5_000_000, 5000));
  await c.collect(new SnapshotBuilder(1), ctx(1));
  await write(HEADER + row('eth0', 2000, 20, 2000, 20) + row('eth1', 100, 1, 100, 1));
  const out = new SnapshotBuilder(2);
  await c.collect(out, ctx(2));
  assert.equal(seriesOf(out)['net_rx_bps{eth0}'], 1000);
  assert.equal(seriesOf(out)['net_rx_bps{eth1}'], undefined);
  assert.deepEqual(out.host, {});
  // The step after the reset is a normal one again.
  await write(HEADER + row('eth0', 3000, 30, 3000, 30) + row('eth1', 600, 6, 100, 1));
  const next = new SnapshotBuilder(3);
  await c.collect(next, ctx(3));
  assert.deepEqual(next.host, { net_rx_bps: 1500, net_tx_bps: 1000 });
});

test('networkCollector: includeIfaces brings veths back; netnsPid picks the namespace', async () => {
  const { procRoot, write } = await hostProc();
  await write(HEADER + row('veth1', 0, 0, 0, 0));
  const rates = new RateTracker();
  const include = networkCollector({ procRoot, includeIfaces: ['veth*'] });
  await include.collect(new SnapshotBuilder(1), { mono: 1, rates, log: memoryLogger() });
  await write(HEADER + row('veth1', 10, 1, 0, 0));
  const out = new SnapshotBuilder(2);
  await include.collect(out, { mono: 2, rates, log: memoryLogger() });
  assert.equal(seriesOf(out)['net_rx_bps{veth1}'], 10);

  // A /proc with only our own namespace: pid 1 (the default off /proc) is missing, self works.
  const own = tempDir('berth-net-');
  await mkdir(path.join(own, 'self/net'), { recursive: true });
  await writeFile(path.join(own, 'self/net/dev'), HEADER + row('eth0', 0, 0, 0, 0));
  const ctx = { mono: 3, rates: new RateTracker(), log: memoryLogger() };
  await networkCollector({ procRoot: own, netnsPid: 'self' }).collect(new SnapshotBuilder(3), ctx);
  await assert.rejects(
    networkCollector({ procRoot: own }).collect(new SnapshotBuilder(3), ctx),
    (err: unknown) => err instanceof SourceMissing && err.message.includes(`${own}/1/net/dev`),
  );
});

test('networkCollector: live totals agree with /proc/net/dev read by the test', async () => {
  const c = networkCollector({ procRoot: '/proc' });
  const rates = new RateTracker();
  const keep = ifaceFilter();
  const rx = async () =>
    (await readFile('/proc/net/dev', 'utf8'))
      .split('\n')
      .slice(2)
      .filter((l) => l.includes(':'))
      .map(
        (l) =>
          [
            l.slice(0, l.indexOf(':')).trim(),
            Number(
              l
                .slice(l.indexOf(':') + 1)
                .trim()
                .split(/\s+/)[0],
            ),
          ] as const,
      )
      .filter(([name]) => keep(name))
      .reduce((s, [, b]) => s + b, 0);
  const t0 = performance.now() / 1000;
  const a = await rx();
  await c.collect(new SnapshotBuilder(0), { mono: t0, rates, log: memoryLogger() });
  await new Promise((r) => setTimeout(r, 300));
  const t1 = performance.now() / 1000;
  const out = new SnapshotBuilder(1);
  await c.collect(out, { mono: t1, rates, log: memoryLogger() });
  const b = await rx();
  assert.ok(out.host.net_rx_bps !== undefined && out.host.net_rx_bps >= 0);
  // Bytes over the window, within what a few packets in the read gaps can add.
  assert.ok(
    Math.abs(out.host.net_rx_bps * (t1 - t0) - (b - a)) <= 64 * 1024,
    `${out.host.net_rx_bps * (t1 - t0)} vs ${b - a}`,
  );
});

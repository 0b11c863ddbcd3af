import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseNetDev, parseNetDevBytes, readNetDev } from './net-dev.ts';
import { SourceMissing } from '../source-missing.ts';

const fixture = (name: string) => readFile(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

test("parseNetDev: this machine's /proc/net/dev on a Docker host", async () => {
  const ifaces = parseNetDev(await fixture('net-dev'));
  assert.deepEqual(
    ifaces.map((i) => i.iface),
    ['lo', 'ifb0', 'ifb1', 'eth0', 'docker0', 'br-97ebade92297', 'vethce8ff7d', 'veth606f660', 'veth36b6201'],
  );
  const eth0 = ifaces.find((i) => i.iface === 'eth0');
  assert.equal(eth0?.rxBytes, 411813918);
  assert.equal(eth0?.rxPackets, 13592);
  assert.equal(eth0?.txBytes, 684229);
  assert.equal(eth0?.txPackets, 8236);
  // Names longer than 6 characters leave no space before the colon.
  const bridge = ifaces.find((i) => i.iface === 'br-97ebade92297');
  assert.deepEqual(
    [bridge?.rxBytes, bridge?.rxPackets, bridge?.txBytes, bridge?.txPackets, bridge?.txDrop],
    [28, 1, 526, 5, 2],
  );
  // The two ends of a veth pair mirror each other.
  const a = ifaces.find((i) => i.iface === 'vethce8ff7d');
  const b = ifaces.find((i) => i.iface === 'veth606f660');
  assert.ok(a && b && Math.abs(a.rxBytes - b.txBytes) < 10_000 && Math.abs(a.txBytes - b.rxBytes) < 10_000);
});

test('parseNetDev: Linux 2.4 glues big counters to the colon', async () => {
  const [lo, eth0] = parseNetDev(await fixture('net-dev-linux-2.4'));
  assert.equal(lo.iface, 'lo');
  assert.equal(eth0.iface, 'eth0');
  assert.equal(eth0.rxBytes, 3435973836);
  assert.equal(eth0.rxPackets, 8461733);
  assert.equal(eth0.txBytes, 915443011);
  assert.equal(eth0.txColls, 1853);
});

test('parseNetDev: before 2.6.29 a device without statistics says so; the others still read', async () => {
  const ifaces = parseNetDev(await fixture('net-dev-linux-2.6.18'));
  assert.deepEqual(
    ifaces.map((i) => i.iface),
    ['lo', 'eth0', 'sit0'],
  );
  assert.equal(ifaces[1].rxBytes, 1713640119);
  assert.equal(ifaces[1].rxMulticast, 12);
});

test('parseNetDev: header only means no interfaces', async () => {
  assert.deepEqual(parseNetDev(await fixture('net-dev-header-only')), []);
});

test('parseNetDev: 64-bit counters beyond 2^32', () => {
  const text = 'Inter-|   Receive\n face |bytes\n  eth0: 18446744073709 1 0 0 0 0 0 0 5000000000 2 0 0 0 0 0 0\n';
  const [eth0] = parseNetDev(text);
  assert.equal(eth0.rxBytes, 18446744073709);
  assert.equal(eth0.txBytes, 5000000000);
});

test('parseNetDev: malformed input names the file and the line', async () => {
  const cases: [string, RegExp][] = [
    ['', /\/proc\/net\/dev: line 1: missing the two header lines/],
    [await fixture('net-dev-no-header'), /\/proc\/net\/dev: line 1: missing the two header lines/],
    [await fixture('net-dev-short'), /\/proc\/net\/dev: line 3: expected 16 counters, got 12/],
    [await fixture('net-dev-no-colon'), /\/proc\/net\/dev: line 3: no "name:" prefix/],
    ['Inter-|\n face |\n  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 -16\n', /line 3: txCompressed is not a counter/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseNetDev(text), re);
});

test("readNetDev: own namespace, or another process's", async () => {
  const own = await readNetDev('/proc');
  const self = await readNetDev('/proc', 'self');
  assert.deepEqual(
    own.map((i) => i.iface),
    self.map((i) => i.iface),
  );
  assert.ok(own.some((i) => i.iface === 'lo'));
  await assert.rejects(
    readNetDev('/nonexistent-proc', '1'),
    (err: unknown) => err instanceof SourceMissing && err.message.includes('/nonexistent-proc/1/net/dev'),
  );
});

test('parseNetDevBytes: the bytes parseNetDev reads, from every kernel shape, and its errors', async () => {
  const texts = [
    await fixture('net-dev'),
    await fixture('net-dev-linux-2.4'),
    await fixture('net-dev-linux-2.6.18'),
    await fixture('net-dev-header-only'),
    'Inter-|   Receive\n face |bytes\n  eth0: 18446744073709 1 0 0 0 0 0 0 5000000000 2 0 0 0 0 0 0\n',
    // A seventeenth column (no kernel prints one): read as parseNetDev reads it.
    'Inter-|\n face |\n  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n',
  ];
  for (const text of texts) {
    assert.deepEqual(
      parseNetDevBytes(text),
      parseNetDev(text).map((i) => ({ iface: i.iface, rxBytes: i.rxBytes, txBytes: i.txBytes })),
    );
  }
  assert.equal(parseNetDevBytes(await fixture('net-dev')).length, 9);
  const bad: [string, RegExp][] = [
    ['', /\/proc\/net\/dev: line 1: missing the two header lines/],
    [await fixture('net-dev-short'), /line 3: expected 16 counters, got 12/],
    [await fixture('net-dev-no-colon'), /line 3: no "name:" prefix/],
    ['Inter-|\n face |\n  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 -16\n', /line 3: txCompressed is not a counter/],
  ];
  for (const [text, re] of bad) assert.throws(() => parseNetDevBytes(text), re);
});

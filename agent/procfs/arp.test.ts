import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { ARP_HEADER, ATF_COM, ATF_PUBL, parseArp, parseSysctlInt } from './arp.ts';

const fixture = (name: string) => readFile(new URL(`./testdata/${name}`, import.meta.url), 'utf8');

test("parseArp: this machine's real /proc/net/arp", async () => {
  const entries = parseArp(await fixture('arp-this-host'));
  assert.ok(entries.length >= 1);
  for (const e of entries) {
    assert.match(e.ip, /^\d+\.\d+\.\d+\.\d+$/);
    assert.match(e.hwAddress, /^[0-9a-f]{2}(:[0-9a-f]{2})+$/);
    assert.equal(e.mask, '*');
    assert.ok(e.device.length > 0);
  }
  assert.deepEqual(entries[0], {
    ip: '192.0.2.1',
    hwType: 1,
    flags: ATF_COM,
    hwAddress: '02:fc:00:00:00:05',
    mask: '*',
    device: 'eth0',
  });
});

test('parseArp: busy table with incomplete, permanent, proxy and InfiniBand entries', async () => {
  const entries = parseArp(await fixture('arp-busy'));
  assert.equal(entries.length, 11);
  assert.deepEqual(
    entries.filter((e) => e.flags === 0).map((e) => e.ip),
    ['192.168.1.21', '192.168.1.22', '172.17.0.9'],
  );
  const ib = entries.find((e) => e.device === 'ib0');
  assert.equal(ib?.hwType, 0x20);
  // The kernel prints at most 9 bytes of a hardware address (HBUFFERLEN 30): IPoIB's 20 are cut.
  assert.equal(ib?.hwAddress, '80:00:00:48:fe:80:00:00:00');
  const proxy = entries.find((e) => e.ip === '192.168.1.99');
  assert.equal(proxy?.flags, 0x0c);
  assert.ok(proxy && proxy.flags & ATF_PUBL);
  assert.equal(entries.find((e) => e.ip === '192.168.1.254')?.flags, 0x6);
});

test('parseArp: header only is an empty table', async () => {
  assert.deepEqual(parseArp(await fixture('arp-empty')), []);
});

test('parseArp: a device without a link-layer address prints an empty HW address', () => {
  const row = `${'10.0.0.7'.padEnd(16)} 0x${'fffe'.padEnd(10)}0x${'2'.padEnd(10)}${''.padEnd(17)}     *        gre1\n`;
  assert.deepEqual(parseArp(`${ARP_HEADER}\n${row}`), [
    { ip: '10.0.0.7', hwType: 0xfffe, flags: 2, hwAddress: '', mask: '*', device: 'gre1' },
  ]);
});

test('parseArp: malformed input names the file and the line', () => {
  const cases: [string, RegExp][] = [
    ['', /\/proc\/net\/arp: empty/],
    ['IP address HW type\n', /line 1: unexpected header/],
    [`${ARP_HEADER}\n192.168.1.1 0x1 0x2\n`, /line 2: expected 6 fields, got 3: "192.168.1.1 0x1 0x2"/],
    [`${ARP_HEADER}\nfe80::1 0x1 0x2 aa:bb:cc:dd:ee:ff * eth0\n`, /line 2: bad IPv4 address/],
    [`${ARP_HEADER}\n10.0.0.1 0x1 two aa:bb:cc:dd:ee:ff * eth0\n`, /line 2: bad hex HW type or flags/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseArp(text, '/proc/net/arp'), re, JSON.stringify(text));
});

test('parseSysctlInt: gc_thresh3', () => {
  assert.equal(parseSysctlInt('1024\n'), 1024);
  assert.throws(() => parseSysctlInt('', 'gc_thresh3'), /gc_thresh3: expected an integer/);
  assert.throws(() => parseSysctlInt('1024 2048\n', 'gc_thresh3'), /gc_thresh3: expected an integer/);
});

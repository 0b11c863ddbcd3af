import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { formatIpv6, hexToIpv4, parseEndpoint, parseIpVs } from './ip-vs.ts';

const fixture = (name: string) => readFile(new URL(`./testdata/${name}`, import.meta.url), 'utf8');
const HEADER =
  'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n';

test('parseIpVs: header only is an empty table', async () => {
  assert.deepEqual(parseIpVs(await fixture('ip_vs-empty')), { version: '1.2.1', connTableSize: 4096, services: [] });
});

test('parseIpVs: IPv4 services as ipvsadm -Ln shows them', async () => {
  const { services } = parseIpVs(await fixture('ip_vs-ipv4'));
  assert.deepEqual(
    services.map((s) => [s.label, s.scheduler, s.realServers.length]),
    [
      ['TCP 10.0.0.1:80', 'rr', 3],
      ['TCP 10.0.0.1:443', 'wlc', 2],
      ['UDP 10.0.0.53:53', 'sh', 2],
      ['TCP 127.0.0.1:3306', 'lc', 1],
      ['SCTP 10.0.0.9:2905', 'rr', 0],
    ],
  );
  const web = services[0];
  assert.deepEqual(web.endpoint, { family: 'inet', address: '10.0.0.1', port: 80, label: '10.0.0.1:80' });
  assert.equal(web.ops, false);
  assert.equal(web.persistent, undefined);
  assert.deepEqual(
    web.realServers.map((r) => [r.label, r.method, r.weight, r.activeConns, r.inactiveConns]),
    [
      ['10.0.1.11:80', 'Masq', 1, 12, 340],
      ['10.0.1.12:80', 'Masq', 1, 9, 295],
      ['10.0.1.13:8080', 'Masq', 0, 0, 3],
    ],
  );
  // -p 360 on a kernel with HZ=250: /proc prints jiffies.
  assert.deepEqual(services[1].persistent, { timeoutJiffies: 90000, netmask: 0xffffffff });
  assert.deepEqual(
    services[1].realServers.map((r) => r.method),
    ['Route', 'Route'],
  );
  assert.equal(services[2].ops, true);
  assert.deepEqual(
    services[2].realServers.map((r) => r.method),
    ['Tunnel', 'Tunnel'],
  );
  assert.deepEqual(
    services[3].realServers.map((r) => [r.label, r.method]),
    [['127.0.0.1:3306', 'Local']],
  );
});

test('parseIpVs: IPv6 services, compressed like inet_ntop, with an IPv4 tunnel real server', async () => {
  const { services } = parseIpVs(await fixture('ip_vs-ipv6'));
  assert.deepEqual(
    services.map((s) => s.label),
    ['TCP [2001:db8::1]:80', 'UDP [fd00::53]:53'],
  );
  assert.equal(services[0].endpoint?.family, 'inet6');
  assert.deepEqual(
    services[0].realServers.map((r) => r.label),
    ['[2001:db8::1:11]:80', '[2001:db8::1:12]:80'],
  );
  assert.deepEqual(
    services[1].realServers.map((r) => [r.family, r.label, r.method, r.inactiveConns]),
    [
      ['inet6', '[fd00::1:53]:53', 'Route', 4],
      ['inet', '192.168.10.5:53', 'Tunnel', 7],
    ],
  );
  // -p 300 (HZ=250) and a /128 prefix, which the kernel prints through ntohl (x86).
  assert.deepEqual(services[1].persistent, { timeoutJiffies: 75000, netmask: 0x80000000, prefix: 128 });
});

test('parseIpVs: firewall-mark services', async () => {
  const { services } = parseIpVs(await fixture('ip_vs-fwmark'));
  assert.deepEqual(
    services.map((s) => [s.label, s.fwmark, s.scheduler, s.ops, s.persistent?.timeoutJiffies, s.realServers.length]),
    [
      ['TCP 192.168.0.1:80', undefined, 'wrr', false, undefined, 1],
      ['FWM 1', 1, 'rr', false, undefined, 2],
      ['FWM 10', 10, 'wlc', true, 450000, 2],
      ['FWM 42', 42, 'none', false, undefined, 0],
    ],
  );
  assert.equal(services[1].endpoint, undefined);
  assert.deepEqual(
    services[1].realServers.map((r) => r.label),
    ['10.0.1.11:0', '10.0.1.12:0'],
  );
  assert.equal(services[2].persistent?.netmask, 0xffffff00);
});

test('parseIpVs: an IPv6 and an IPv4 service on the same firewall mark stay apart', async () => {
  const { services } = parseIpVs(await fixture('ip_vs-fwmark-ipv6'));
  assert.deepEqual(
    services.map((s) => [s.label, s.realServers[0].label]),
    [
      ['FWM 7 IPv6', '[2001:db8::2:1]:0'],
      ['FWM 7', '10.0.2.7:0'],
    ],
  );
});

test('parseIpVs: a mark whose real servers are of both families is not called IPv6, and look-alike services keep apart', async () => {
  // Since Linux 3.18 a tunnel real server may be of the other family; /proc prints no family
  // for a firewall-mark service, and an IPv6 one without real servers looks like the IPv4 one.
  const { services } = parseIpVs(await fixture('ip_vs-fwmark-mixed'));
  assert.deepEqual(
    services.map((s) => [s.label, s.realServers.length]),
    [
      ['FWM 1', 2],
      ['FWM 2', 0],
      ['FWM 2 #2', 1],
    ],
  );
});

test('parseIpVs: kube-proxy table with several real servers per service', async () => {
  const { services } = parseIpVs(await fixture('ip_vs-kube-proxy'));
  assert.equal(services.length, 5);
  const app = services.find((s) => s.label === 'TCP 10.106.44.17:80');
  assert.deepEqual(
    app?.realServers.map((r) => r.label),
    ['10.244.1.5:8080', '10.244.1.6:8080', '10.244.2.7:8080', '10.244.2.8:8080'],
  );
  assert.equal(
    app?.realServers.reduce((n, r) => n + r.activeConns, 0),
    41,
  );
  assert.deepEqual(
    services.filter((s) => s.endpoint?.address === '10.96.0.10').map((s) => s.label),
    ['TCP 10.96.0.10:53', 'TCP 10.96.0.10:9153', 'UDP 10.96.0.10:53'],
  );
});

test('parseIpVs: malformed input names the file and the line', () => {
  const cases: [string, RegExp][] = [
    ['', /\/proc\/net\/ip_vs: too short/],
    [
      'IP Virtual Server version 1.2.1\nProt LocalAddress:Port Scheduler Flags\n  -> x\n',
      /line 1: unexpected version line/,
    ],
    [HEADER.replace('Scheduler Flags', 'Sched'), /line 2: unexpected header/],
    [`${HEADER}  -> 0A00010B:0050      Masq    1      0          0\n`, /line 4: real server before any service/],
    [`${HEADER}TCP  0A00000G:0050 rr  \n`, /line 4: bad service address/],
    [`${HEADER}TCP  [2001:0db8::1]:0050 rr \n`, /line 4: bad service address/],
    [`${HEADER}TCP  0A000001:0050\n`, /line 4: service line needs protocol, address and scheduler/],
    [`${HEADER}TCP  0A000001:0050 rr fast\n`, /line 4: unknown service flag "fast"/],
    [`${HEADER}TCP  0A000001:0050 rr  persistent\n`, /line 4: bad persistence flags/],
    [`${HEADER}FWM  1 rr \n`, /line 4: bad firewall mark/],
    [`${HEADER}TCP  0A000001:0050 rr  \n  -> 0A00010B:0050      Masq    1      0\n`, /line 5: real server line needs/],
    [
      `${HEADER}TCP  0A000001:0050 rr  \n  -> 0A00010B      Masq    1      0          0\n`,
      /line 5: bad real server address/,
    ],
  ];
  for (const [text, re] of cases) assert.throws(() => parseIpVs(text), re, JSON.stringify(text));
});

test('hexToIpv4 and parseEndpoint decode big-endian hex', () => {
  assert.equal(hexToIpv4('C0A80001'), '192.168.0.1');
  assert.equal(hexToIpv4('FFFFFFFF'), '255.255.255.255');
  assert.deepEqual(parseEndpoint('C0A80001:01BB'), {
    family: 'inet',
    address: '192.168.0.1',
    port: 443,
    label: '192.168.0.1:443',
  });
  assert.equal(parseEndpoint('C0A80001:1BB'), undefined);
});

test('formatIpv6 matches glibc inet_ntop', () => {
  const w = (s: string) => s.split(':').map((x) => parseInt(x, 16));
  const cases: [string, string][] = [
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:ffff:a00:1', '::ffff:10.0.0.1'],
    ['0:0:0:0:0:0:a00:1', '::10.0.0.1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['0:0:1:0:0:0:0:0', '0:0:1::'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['fe80:0:0:0:20c:29ff:fe12:3456', 'fe80::20c:29ff:fe12:3456'],
  ];
  for (const [input, want] of cases) assert.equal(formatIpv6(w(input)), want, input);
});

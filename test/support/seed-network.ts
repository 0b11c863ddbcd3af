// A load-balancer host for browser tests, sent through the real ingest route (POST batches,
// as an agent would): IPVS services with several real servers each, IPVS totals, the ARP
// table with its gc_thresh3, and Mackerel plugin series with the meta (labels, units) a
// plugin declared; plus a plain host reporting none of it. One real server's address and one
// plugin label are markup, which the page must show as characters.
import type { BatchInput } from '../../protocol/batch.ts';
import { HOSTILE_NAME } from './seed.ts';

export const LB_HOST = 'lb-1';
export const PLAIN_HOST = 'plain-1';

export interface LbService {
  service: string;
  scheduler: string;
  realServers: { addr: string; method: string; weight: number }[];
}

export const LB_SERVICES: LbService[] = [
  {
    service: 'TCP 10.0.0.1:80',
    scheduler: 'wlc',
    realServers: [
      { addr: '10.0.1.11:80', method: 'Masq', weight: 1 },
      { addr: '10.0.1.12:80', method: 'Masq', weight: 1 },
      { addr: '10.0.1.13:80', method: 'Masq', weight: 2 },
    ],
  },
  {
    service: 'UDP [2001:db8::1]:53',
    scheduler: 'rr',
    realServers: [
      { addr: '[2001:db8::1:11]:53', method: 'Route', weight: 1 },
      { addr: HOSTILE_NAME, method: 'Route', weight: 1 },
    ],
  },
];

export const PLUGIN = 'memcached';
/** Plugin series with the meta label and unit the plugin declared (title = meta label). */
export const PLUGIN_SERIES = [
  { name: 'memcached.connections.curr_connections', label: 'Current connections', unit: 'count' },
  { name: 'memcached.connections.total_connections', label: HOSTILE_NAME, unit: 'count' },
  { name: 'memcached.memory.bytes', label: 'Used', unit: 'bytes' },
];

export const GC_THRESH3 = 1024;

/** Active connections of real server `j` of service `i` at `ts` (a slow wave, never zero). */
export function activeConns(i: number, j: number, ts: number): number {
  return 20 + 10 * i + 15 * j + Math.round(10 * Math.sin(ts / 600 + j));
}

let seq = 0;

function lbSnapshot(ts: number): BatchInput['snapshots'][number] {
  const series: NonNullable<BatchInput['snapshots'][number]['series']> = [];
  LB_SERVICES.forEach((svc, i) => {
    let active = 0;
    let inactive = 0;
    svc.realServers.forEach((rs, j) => {
      const labels = { service: svc.service, scheduler: svc.scheduler, real_server: rs.addr, method: rs.method };
      const a = activeConns(i, j, ts);
      const b = Math.round(a / 3);
      active += a;
      inactive += b;
      series.push(
        { name: 'ipvs_rs_active_conns', labels, value: a },
        { name: 'ipvs_rs_inactive_conns', labels, value: b },
        { name: 'ipvs_rs_weight', labels, value: rs.weight },
      );
    });
    const labels = { service: svc.service, scheduler: svc.scheduler };
    series.push(
      { name: 'ipvs_service_active_conns', labels, value: active },
      { name: 'ipvs_service_inactive_conns', labels, value: inactive },
      { name: 'ipvs_service_real_servers', labels, value: svc.realServers.length },
    );
  });
  const wave = 1 + 0.5 * Math.sin(ts / 900);
  series.push(
    { name: 'ipvs_services', labels: {}, value: LB_SERVICES.length },
    { name: 'ipvs_conns_per_s', labels: {}, value: 40 * wave },
    { name: 'ipvs_in_packets_per_s', labels: {}, value: 900 * wave },
    { name: 'ipvs_out_packets_per_s', labels: {}, value: 700 * wave },
    { name: 'ipvs_in_bps', labels: {}, value: 2e5 * wave },
    { name: 'ipvs_out_bps', labels: {}, value: 1.5e6 * wave },
    { name: 'ipvs_conns_per_s', labels: { cpu: '0' }, value: 20 * wave },
    { name: 'ipvs_conns_per_s', labels: { cpu: '1' }, value: 20 * wave },
    { name: 'arp_entries', labels: { dev: 'eth0' }, value: 300 + Math.round(100 * wave) },
    { name: 'arp_incomplete', labels: { dev: 'eth0' }, value: 4 },
    { name: 'arp_entries_total', labels: {}, value: 300 + Math.round(100 * wave) },
    { name: 'arp_incomplete_total', labels: {}, value: 4 },
    { name: 'arp_gc_thresh3', labels: {}, value: GC_THRESH3 },
    { name: 'plugin_bad_lines', labels: { plugin: PLUGIN }, value: 2 },
  );
  PLUGIN_SERIES.forEach((p, k) =>
    series.push({
      name: p.name,
      labels: { plugin: PLUGIN },
      value: p.unit === 'bytes' ? 64 * 2 ** 20 * wave : 50 * (k + 1) * wave,
    }),
  );
  return {
    ts,
    host: { cpu_pct: 12 * wave, load1: 0.4 * wave, mem_used_bytes: 2 ** 30, mem_total_bytes: 4 * 2 ** 30 },
    containers: [],
    series,
  };
}

function plainSnapshot(ts: number): BatchInput['snapshots'][number] {
  return {
    ts,
    host: { cpu_pct: 8, load1: 0.2, mem_used_bytes: 2 ** 29, mem_total_bytes: 2 ** 31 },
    containers: [],
    series: [],
  };
}

async function post(url: string, token: string, body: BatchInput): Promise<void> {
  const res = await fetch(`${url}/api/v1/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
}

/** Sends `seconds` of history up to `to` for both hosts, 60 snapshots per batch. */
export async function seedNetworkHosts(
  url: string,
  token: string,
  opts: { to: number; seconds: number; interval: number },
): Promise<void> {
  const meta = Object.fromEntries(
    PLUGIN_SERIES.map((p) => [
      p.name,
      { label: p.label, unit: p.unit, graph: p.name.split('.').slice(0, 2).join('.') },
    ]),
  );
  const stamps: number[] = [];
  const start = Math.floor((opts.to - opts.seconds) / opts.interval) * opts.interval;
  for (let ts = start; ts <= opts.to; ts += opts.interval) stamps.push(ts);
  for (let i = 0; i < stamps.length; i += 60) {
    const chunk = stamps.slice(i, i + 60);
    const agent = (host: string) => ({ host, interval: opts.interval, version: 'seed-network' });
    await post(url, token, {
      v: 1,
      batch_id: `net-${process.pid}-${seq++}`,
      agent: agent(LB_HOST),
      snapshots: chunk.map(lbSnapshot),
      meta,
    });
    await post(url, token, {
      v: 1,
      batch_id: `net-${process.pid}-${seq++}`,
      agent: agent(PLAIN_HOST),
      snapshots: chunk.map(plainSnapshot),
    });
  }
}

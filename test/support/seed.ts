// Generated fleet data for browser tests, benches and local development: N hosts × M
// containers × D days at interval I, written straight into a Berth database through the same
// storeBatch the ingest route uses, then rolled up. Values are a pure function of (entity, ts),
// so a live feed started later continues the same curves without a jump.
import type Database from 'better-sqlite3';
import type { Batch, Snapshot } from '../../protocol/batch.ts';
import { storeBatch } from '../../server/ingest/store-batch.ts';
import { runRollups } from '../../server/rollup/rollup.ts';

/** A container name that must render as these characters, never as an element. */
export const HOSTILE_NAME = '<img src=x onerror=alert(1)>';

export interface SeedOptions {
  hosts?: number;
  /** Containers per host (the first host also gets the hostile one among them). */
  containers?: number;
  days?: number;
  /** Seconds between samples. */
  interval?: number;
  /** End of the generated range, epoch seconds (default: now). */
  now?: number;
  /** The last host stops reporting two hours before `now` (when there are 2+ hosts). */
  offline?: boolean;
  /** A 20-minute hole where every agent was down, a third of the way into the range. */
  gap?: boolean;
  /** On the first host, a container that ran for three hours and is gone since. */
  gone?: boolean;
  /** Labelled series per interface, disk and mount (default true). */
  series?: boolean;
}

export interface SeededContainer {
  name: string;
  project?: string;
  service?: string;
  image: string;
}

export interface SeededHost {
  name: string;
  containers: SeededContainer[];
  online: boolean;
  /** Last timestamp this host reports (to, or earlier when offline). */
  until: number;
}

export interface Seeded {
  hosts: SeededHost[];
  from: number;
  to: number;
  interval: number;
  gap?: { from: number; to: number };
  /** When shop-api-1 was recreated under the same name. */
  recreatedAt: number;
  rows: number;
  seconds: number;
}

const HOST_NAMES = ['app-1', 'db-1', 'edge-1', 'build-1', 'cache-1', 'media-1'];

const CATALOGUE: SeededContainer[] = [
  { name: 'shop-web-1', project: 'shop', service: 'web', image: 'nginx:1.27' },
  { name: 'shop-api-1', project: 'shop', service: 'api', image: 'ghcr.io/acme/shop-api:2.4.1' },
  { name: 'shop-db-1', project: 'shop', service: 'db', image: 'postgres:16' },
  { name: 'shop-redis-1', project: 'shop', service: 'redis', image: 'redis:7-alpine' },
  { name: 'monitoring-prometheus-1', project: 'monitoring', service: 'prometheus', image: 'prom/prometheus:v2.53.0' },
  { name: 'monitoring-grafana-1', project: 'monitoring', service: 'grafana', image: 'grafana/grafana:11.1.0' },
  { name: 'traefik', image: 'traefik:v3.1' },
  { name: 'blog-wordpress-1', project: 'blog', service: 'wordpress', image: 'wordpress:6.6' },
  { name: 'blog-mariadb-1', project: 'blog', service: 'mariadb', image: 'mariadb:11' },
  { name: 'shop-worker-1', project: 'shop', service: 'worker', image: 'ghcr.io/acme/shop-api:2.4.1' },
  { name: 'shop-worker-2', project: 'shop', service: 'worker', image: 'ghcr.io/acme/shop-api:2.4.1' },
  { name: 'watchtower', image: 'containrrr/watchtower:1.7.1' },
  {
    name: 'monitoring-node-exporter-1',
    project: 'monitoring',
    service: 'node-exporter',
    image: 'prom/node-exporter:v1.8.1',
  },
];

const GONE: SeededContainer = {
  name: 'shop-migrate-1',
  project: 'shop',
  service: 'migrate',
  image: 'ghcr.io/acme/shop-api:2.4.1',
};

function containersFor(hostIndex: number, count: number): SeededContainer[] {
  const out: SeededContainer[] = [];
  if (hostIndex === 0 && count > 0) out.push({ name: HOSTILE_NAME, image: 'busybox:latest' });
  for (let i = 0; out.length < count; i++) {
    const c = CATALOGUE[i % CATALOGUE.length];
    const round = Math.floor(i / CATALOGUE.length);
    // Past the catalogue, more compose stacks of the same services (names stay unique).
    out.push(
      round === 0
        ? c
        : { ...c, name: `stack${round + 1}-${c.name}`, project: `stack${round + 1}`, service: c.service ?? c.name },
    );
  }
  return out;
}

/** Deterministic noise in [0, 1) from two integers (an entity and a time slot). */
function noise(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x27d4eb2f, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}

function hashName(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A daily rhythm with noise and a short burst every few hours: looks like a real load. */
function shape(seed: number, ts: number, base: number, swing: number): number {
  const day = Math.sin(((ts + (seed % 86400)) / 86400) * 2 * Math.PI) * 0.5 + 0.5;
  const slot = Math.floor(ts / 600);
  const burst = noise(seed, slot) > 0.96 ? 2 + 3 * noise(seed + 1, slot) : 1;
  return Math.max(0, (base + swing * day) * burst * (0.85 + 0.3 * noise(seed + 2, ts)));
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

interface TickFlags {
  series: boolean;
  /** Include the short-lived container. */
  gone: boolean;
  /** From this time on, shop-api-1 runs under a new Docker id (it was recreated). */
  recreatedAt: number;
}

function hostSnapshot(host: SeededHost, hi: number, ts: number, flags: TickFlags): Snapshot {
  const seed = hashName(host.name);
  const user = Math.min(70, shape(seed, ts, 6 + hi * 3, 18));
  const system = Math.min(20, shape(seed + 7, ts, 2, 5));
  const iowait = shape(seed + 9, ts, 0.3, 2);
  const steal = shape(seed + 11, ts, 0.05, 0.4);
  const memTotal = (8 << (hi % 3)) * GiB;
  const cached = memTotal * (0.2 + 0.1 * noise(seed, Math.floor(ts / 3600)));
  const used = memTotal * Math.min(0.9, 0.25 + shape(seed + 3, ts, 0.1, 0.2));
  const rx = shape(seed + 13, ts, 2e5, 4e6);
  const tx = shape(seed + 17, ts, 1e5, 1.5e6);
  const dr = shape(seed + 19, ts, 5e4, 2e6);
  const dw = shape(seed + 23, ts, 2e5, 3e6);
  const fsTotal = [64 * GiB, 512 * GiB];
  const fsUsed = fsTotal.map((t, i) => t * (0.3 + 0.25 * i + 0.1 * ((ts % (30 * 86400)) / (30 * 86400))));
  const snap: Snapshot = {
    ts,
    host: {
      cpu_pct: user + system + iowait + steal,
      cpu_user_pct: user,
      cpu_system_pct: system,
      cpu_iowait_pct: iowait,
      cpu_steal_pct: steal,
      cpu_softirq_pct: system / 4,
      load1: (user + system) / 12,
      load5: (user + system) / 14,
      load15: (user + system) / 16,
      mem_used_bytes: used,
      mem_total_bytes: memTotal,
      mem_available_bytes: memTotal - used,
      mem_cached_bytes: cached,
      swap_used_bytes: 0.05 * GiB * (1 + noise(seed, Math.floor(ts / 7200))),
      swap_total_bytes: 2 * GiB,
      net_rx_bps: rx,
      net_tx_bps: tx,
      disk_read_bps: dr,
      disk_write_bps: dw,
      fs_used_bytes: fsUsed[0] + fsUsed[1],
      fs_total_bytes: fsTotal[0] + fsTotal[1],
      uptime_seconds: ts % (40 * 86400),
    },
    containers: [],
    series: [],
  };
  if (flags.series) {
    const split = [0.8, 0.2];
    for (const [i, iface] of ['eth0', 'eth1'].entries()) {
      snap.series.push(
        { name: 'net_rx_bps', labels: { iface }, value: rx * split[i] },
        { name: 'net_tx_bps', labels: { iface }, value: tx * split[i] },
        { name: 'net_rx_pps', labels: { iface }, value: (rx * split[i]) / 900 },
        { name: 'net_tx_pps', labels: { iface }, value: (tx * split[i]) / 900 },
      );
    }
    for (const [i, disk] of ['nvme0n1', 'sda'].entries()) {
      const f = i === 0 ? 0.9 : 0.1;
      snap.series.push(
        { name: 'disk_read_bps', labels: { disk }, value: dr * f },
        { name: 'disk_write_bps', labels: { disk }, value: dw * f },
        { name: 'disk_read_iops', labels: { disk }, value: (dr * f) / 16384 },
        { name: 'disk_write_iops', labels: { disk }, value: (dw * f) / 16384 },
        { name: 'disk_busy_pct', labels: { disk }, value: Math.min(100, ((dr + dw) * f) / 1e5) },
      );
    }
    for (const [i, mount] of ['/', '/var/lib/docker'].entries()) {
      const labels = { mount, device: i === 0 ? '/dev/nvme0n1p2' : '/dev/sda1', fstype: 'ext4' };
      snap.series.push(
        { name: 'fs_used_bytes', labels, value: fsUsed[i] },
        { name: 'fs_total_bytes', labels, value: fsTotal[i] },
        { name: 'fs_avail_bytes', labels, value: fsTotal[i] - fsUsed[i] },
        { name: 'fs_used_pct', labels, value: (fsUsed[i] / fsTotal[i]) * 100 },
      );
    }
    snap.series.push({
      name: 'arp_entries',
      labels: { dev: 'eth0' },
      value: 12 + Math.floor(8 * noise(seed, Math.floor(ts / 300))),
    });
  }
  const list = flags.gone ? [...host.containers, GONE] : host.containers;
  for (const [ci, c] of list.entries()) {
    const cs = hashName(`${host.name}/${c.name}`);
    const limit = c.name.includes('db') ? 4 * GiB : memTotal;
    const mem = Math.min(limit, (40 + (cs % 900)) * MiB * (1 + 0.25 * (((ts + cs) % 21600) / 21600)));
    const heavy = ci % 5 === 1 ? 8 : 1;
    snap.containers.push({
      id: containerId(cs, c.name === 'shop-api-1' && ts >= flags.recreatedAt ? 2 : 1),
      name: c.name,
      image: c.image,
      state: 'running',
      compose_project: c.project,
      compose_service: c.service,
      labels: c.project
        ? { 'com.docker.compose.project': c.project, 'com.docker.compose.service': c.service ?? '' }
        : c.name === HOSTILE_NAME
          ? { 'org.example.note': '<b>not bold</b> & "quoted"' }
          : {},
      metrics: {
        cpu_pct: shape(cs, ts, 0.2 * heavy, 3 * heavy),
        mem_bytes: mem,
        mem_limit_bytes: limit,
        mem_pct: (mem / limit) * 100,
        net_rx_bps: shape(cs + 1, ts, 1e3 * heavy, 4e4 * heavy),
        net_tx_bps: shape(cs + 2, ts, 5e2 * heavy, 2e4 * heavy),
        blk_read_bps: shape(cs + 3, ts, 0, 1e4 * heavy),
        blk_write_bps: shape(cs + 4, ts, 1e3, 5e4 * heavy),
        pids: 1 + (cs % 40),
      },
    });
  }
  return snap;
}

function containerId(seed: number, generation: number): string {
  let s = '';
  for (let i = 0; s.length < 64; i++)
    s += Math.floor(noise(seed + generation, i) * 0x100000000)
      .toString(16)
      .padStart(8, '0');
  return s.slice(0, 64);
}

function plan(opts: SeedOptions): Omit<Seeded, 'rows' | 'seconds'> {
  const interval = opts.interval ?? 10;
  const to = Math.floor((opts.now ?? Date.now() / 1000) / interval) * interval;
  const from = to - Math.round(((opts.days ?? 1) * 86400) / interval) * interval;
  const n = opts.hosts ?? 3;
  const hosts = Array.from({ length: n }, (_, i): SeededHost => {
    const offline = opts.offline !== false && n > 1 && i === n - 1;
    return {
      name: HOST_NAMES[i] ?? `node-${i + 1}`,
      containers: containersFor(i, opts.containers ?? 8),
      online: !offline,
      until: offline ? to - 7200 : to,
    };
  });
  const gapFrom = Math.floor((from + (to - from) / 3) / interval) * interval;
  const gap = opts.gap === false ? undefined : { from: gapFrom, to: gapFrom + 1200 };
  return { hosts, from, to, interval, gap, recreatedAt: Math.floor((from + to) / 2 / interval) * interval };
}

let batchSeq = 0;

function batchOf(host: string, interval: number, snapshots: Snapshot[]): Batch {
  return { v: 1, batch_id: `seed-${process.pid}-${batchSeq++}`, agent: { host, interval, version: 'seed' }, snapshots };
}

/** Writes the whole range, then rolls it up as the server would have by `to`. */
export function seedFleet(sqlite: Database.Database, opts: SeedOptions = {}): Seeded {
  const t0 = performance.now();
  const p = plan(opts);
  let rows = 0;
  const chunk = Math.max(1, Math.floor(3600 / p.interval));
  p.hosts.forEach((host, hi) => {
    let pending: Snapshot[] = [];
    const flush = (now: number) => {
      if (pending.length === 0) return;
      const r = storeBatch(sqlite, batchOf(host.name, p.interval, pending), now);
      rows += r.hostRows + r.containerRows + r.seriesRows;
      pending = [];
    };
    for (let ts = p.from; ts <= host.until; ts += p.interval) {
      if (p.gap && ts >= p.gap.from && ts < p.gap.to) continue;
      const gone = opts.gone !== false && hi === 0 && ts >= p.to - 6 * 3600 && ts < p.to - 3 * 3600;
      pending.push(hostSnapshot(host, hi, ts, { series: opts.series !== false, gone, recreatedAt: p.recreatedAt }));
      if (pending.length >= chunk) flush(ts);
    }
    flush(host.until);
  });
  runRollups(sqlite, p.to);
  return { ...p, rows, seconds: (performance.now() - t0) / 1000 };
}

/** Stores one snapshot at `ts` for every online host of a seeded fleet (a live agent tick). */
export function feedTick(sqlite: Database.Database, fleet: Seeded, ts: number, opts: { series?: boolean } = {}): void {
  fleet.hosts.forEach((host, hi) => {
    if (!host.online) return;
    storeBatch(
      sqlite,
      batchOf(host.name, fleet.interval, [
        hostSnapshot(host, hi, ts, { series: opts.series !== false, gone: false, recreatedAt: fleet.recreatedAt }),
      ]),
      ts,
    );
  });
}

/** Keeps a seeded fleet live: one tick per interval of wall-clock time until stopped. */
export function startLiveFeed(sqlite: Database.Database, fleet: Seeded): () => void {
  let last = fleet.to;
  const timer = setInterval(() => {
    const now = Math.floor(Date.now() / 1000 / fleet.interval) * fleet.interval;
    try {
      for (let ts = last + fleet.interval; ts <= now; ts += fleet.interval) {
        feedTick(sqlite, fleet, ts);
        last = ts;
      }
    } catch (e) {
      // The server's own writer (a rollup of a big file) held the lock: as an agent would, the
      // feed sends the same ticks again a second later.
      if (!String((e as { code?: unknown }).code).startsWith('SQLITE_BUSY')) throw e;
    }
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}

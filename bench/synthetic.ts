// Synthetic fleet data for the benches: host and container snapshots shaped like the agent's
// (64-hex container ids, Compose project/service, every core metric, a few labelled series),
// with values that are a cheap pure function of (entity, ts) so runs are repeatable.
import { HOST_METRIC_NAMES, CONTAINER_METRIC_NAMES } from '../protocol/metrics.ts';
import type { Snapshot, ContainerSample } from '../protocol/batch.ts';

/** A deterministic value in [0, 1) for an entity, a metric and a time (integer hash). */
export function noise(entity: number, metric: number, ts: number): number {
  let h =
    Math.imul(entity + 0x9e3779b9, 0x85ebca6b) ^ Math.imul(metric + 0x7f4a7c15, 0xc2b2ae35) ^ Math.imul(ts, 0x27d4eb2f);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return (h >>> 0) / 4294967296;
}

/** Plausible magnitudes per metric, so values have real-world width on disk. */
function scale(name: string): number {
  if (name.endsWith('_pct')) return 100;
  if (name.endsWith('_bps')) return 5e7;
  if (name.endsWith('_bytes')) return 8e9;
  if (name.startsWith('load')) return 8;
  if (name === 'pids') return 200;
  if (name === 'uptime_seconds') return 1e7;
  return 1000;
}

const hostScales = HOST_METRIC_NAMES.map(scale);
const containerScales = CONTAINER_METRIC_NAMES.map(scale);
/** Counts (pids) and sizes are whole numbers, as the agent sends them (SQLite stores those small). */
export const isWhole = (name: string) => name === 'pids' || name.endsWith('_bytes');
const containerWhole = CONTAINER_METRIC_NAMES.map(isWhole);
const hostWhole = HOST_METRIC_NAMES.map(isWhole);

export function hostName(h: number): string {
  return `bench-host-${h + 1}`;
}

export interface BenchContainer {
  id: string;
  name: string;
  image: string;
  project: string;
  service: string;
}

export function containersOf(h: number, n: number): BenchContainer[] {
  return Array.from({ length: n }, (_, c) => {
    const project = `stack${c % 5}`;
    const service = `svc${c}`;
    return {
      id: (h.toString(16).padStart(8, '0') + c.toString(16).padStart(8, '0')).repeat(4),
      name: `${project}-${service}-1`,
      image: `registry.example.com/${project}/${service}:1.${c}`,
      project,
      service,
    };
  });
}

/** Core host values at ts, in HOST_METRIC_NAMES order. */
export function hostValues(h: number, ts: number): number[] {
  return hostScales.map((s, i) => {
    const v = noise(h, i, ts) * s;
    return hostWhole[i] ? Math.round(v) : v;
  });
}

/** Core container values at ts, in CONTAINER_METRIC_NAMES order. */
export function containerValues(h: number, c: number, ts: number): number[] {
  const entity = h * 10_000 + c + 1;
  return containerScales.map((s, i) => {
    const v = noise(entity, i, ts) * s;
    return containerWhole[i] ? Math.round(v) : v;
  });
}

export const SERIES_SHAPES = [
  ['net_rx_bps', 'iface'],
  ['net_tx_bps', 'iface'],
  ['disk_read_bps', 'device'],
  ['disk_write_bps', 'device'],
  ['fs_used_bytes', 'mount'],
] as const;

/** One agent snapshot: the host, its containers, `series` labelled values (per iface, disk, mount). */
export function snapshot(h: number, containers: readonly BenchContainer[], ts: number, series = 0): Snapshot {
  const host: Record<string, number> = {};
  hostValues(h, ts).forEach((v, i) => (host[HOST_METRIC_NAMES[i]] = v));
  const cs: ContainerSample[] = containers.map((c, ci) => {
    const metrics: Record<string, number> = {};
    containerValues(h, ci, ts).forEach((v, i) => (metrics[CONTAINER_METRIC_NAMES[i]] = v));
    return {
      id: c.id,
      name: c.name,
      image: c.image,
      state: 'running',
      compose_project: c.project,
      compose_service: c.service,
      metrics,
    };
  });
  const ss: Snapshot['series'] = [];
  for (let i = 0; i < series; i++) {
    const [name, label] = SERIES_SHAPES[i % SERIES_SHAPES.length];
    ss.push({
      name,
      labels: { [label]: `${label}${Math.floor(i / SERIES_SHAPES.length)}` },
      value: Math.round(noise(h, 100 + i, ts) * 1e6),
    });
  }
  return { ts, host, containers: cs, series: ss };
}

/** Reads `--name value` flags with defaults; numbers stay numbers. */
export function flags<T extends Record<string, number | string>>(defaults: T, argv = process.argv.slice(2)): T {
  const out: Record<string, number | string> = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m || !Object.hasOwn(defaults, m[1]))
      throw new Error(
        `unknown flag ${argv[i]} (known: ${Object.keys(defaults)
          .map((k) => `--${k}`)
          .join(' ')})`,
      );
    const raw = m[2] ?? argv[++i];
    out[m[1]] = typeof defaults[m[1]] === 'number' ? Number(raw) : raw;
    if (typeof defaults[m[1]] === 'number' && !Number.isFinite(out[m[1]]))
      throw new Error(`--${m[1]}: "${raw}" is not a number`);
  }
  return out as T;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

// How Berth's metrics are named for Prometheus (remote-write out, GET /metrics, --read-from,
// the Grafana dashboard): one rule applied to the catalogue in protocol/metrics.ts, never a
// hand-kept list. A core host metric is `berth_host_<name>{host}`, a core container metric
// `berth_container_<name>{host,container,compose_project,compose_service,image}`, a labelled
// series of the catalogue `berth_<name>{host,[container],…its labels}`, any other series
// (plugins, names this server does not know) `berth_custom_<name>`. In <name>, the
// catalogue's abbreviations are spelt out (mem → memory, rx → receive, bps →
// bytes_per_second), and the name ends with its unit as Prometheus' naming conventions ask:
// `_bytes`, `_seconds`, `_per_second` (the agent already sends rates), `_percent`. Percentages
// stay 0–100, as Berth stores and shows them (Prometheus prefers 0–1 `_ratio`: divide by
// 100). Every one is a gauge, so none ends in `_total`, which Prometheus keeps for counters.
// Pure; imports nothing but the catalogue.
import { CONTAINER_METRICS, HOST_METRICS, SERIES_METRICS, type Unit } from './metrics.ts';

export const PROM_PREFIX = 'berth';

/** The suffix each catalogue unit gives a name ('' for a plain number). */
export const UNIT_SUFFIX: Record<Unit, string> = {
  pct: 'percent',
  bytes: 'bytes',
  bytes_per_s: 'bytes_per_second',
  bits_per_s: 'bits_per_second',
  per_s: 'per_second',
  seconds: 'seconds',
  count: '',
  load: '',
  celsius: 'celsius',
  rpm: 'rpm',
};

/** The catalogue's abbreviations, word by word, as a Prometheus user reads them. */
export const WORDS: Readonly<Record<string, string>> = {
  mem: 'memory',
  net: 'network',
  rx: 'receive',
  tx: 'transmit',
  fs: 'filesystem',
  avail: 'available',
  blk: 'block',
  pct: 'percent',
  bps: 'bytes_per_second',
  pps: 'packets_per_second',
  iops: 'operations_per_second',
  conns: 'connections',
  rs: 'real_server',
};

/** Prometheus' data model: a metric name and a label name. */
export const PROM_METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
export const PROM_LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** The labels Berth itself gives a container's metrics, in this order. */
export const CONTAINER_LABELS = ['host', 'container', 'compose_project', 'compose_service', 'image'] as const;

/**
 * A catalogue name spelt out with its unit's suffix: `mem_used_bytes` → `memory_used_bytes`,
 * `ipvs_conns_per_s` → `ipvs_connections_per_second`, `arp_entries_total` (a gauge: the sum
 * over devices) → `arp_entries_all`.
 */
export function spellOut(name: string, unit: Unit): string {
  const words = name.split('_');
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === 'per' && words[i + 1] === 's') {
      out.push('per_second');
      i++;
    } else if (w === 'total' && i === words.length - 1) out.push('all');
    else out.push(WORDS[w] ?? w);
  }
  let spelt = out.join('_');
  const suffix = UNIT_SUFFIX[unit];
  if (suffix && !spelt.endsWith(`_${suffix}`) && spelt !== suffix) spelt = `${spelt}_${suffix}`;
  return spelt;
}

/** Any text as a metric-name part: characters outside [a-zA-Z0-9_:] become `_`. */
export function sanitizeMetricPart(text: string): string {
  return text.replace(/[^a-zA-Z0-9_:]/g, '_');
}

/**
 * Any text as a label name: characters outside [a-zA-Z0-9_] become `_`, a leading digit gets
 * a `_` before it, and `__…` (kept for Prometheus' own labels) becomes `label__…`.
 */
export function sanitizeLabelName(text: string): string {
  let s = text.replace(/[^a-zA-Z0-9_]/g, '_');
  if (s === '' || /^[0-9]/.test(s)) s = `_${s}`;
  if (s.startsWith('__')) s = `label${s}`;
  return s;
}

export type PromKind = 'host' | 'container' | 'series';

export interface PromMetric {
  /** The Prometheus name. */
  readonly prom: string;
  /** Where it comes from: a host or container column, or a labelled series, by its Berth name. */
  readonly kind: PromKind;
  readonly name: string;
  readonly unit: Unit;
  readonly help: string;
  /** Labels besides Berth's own (host; container's five), for a labelled series of the catalogue. */
  readonly labels: readonly string[];
}

const define = (
  kind: PromKind,
  list: readonly { name: string; unit: Unit; help: string; labels?: readonly string[] }[],
) =>
  list.map((m): PromMetric => ({
    prom: `${PROM_PREFIX}_${kind === 'series' ? '' : `${kind}_`}${spellOut(m.name, m.unit)}`,
    kind,
    name: m.name,
    unit: m.unit,
    help: m.help,
    labels: (m.labels ?? []).map((l) => sanitizeLabelName(l.replace(/\?$/, ''))),
  }));

/** Every catalogue metric with its Prometheus name, in catalogue order: host, container, series. */
export const PROM_METRICS: readonly PromMetric[] = [
  ...define('host', HOST_METRICS),
  ...define('container', CONTAINER_METRICS),
  ...define('series', SERIES_METRICS),
];

export const PROM_HOST = new Map(PROM_METRICS.filter((m) => m.kind === 'host').map((m) => [m.name, m]));
export const PROM_CONTAINER = new Map(PROM_METRICS.filter((m) => m.kind === 'container').map((m) => [m.name, m]));
export const PROM_SERIES = new Map(PROM_METRICS.filter((m) => m.kind === 'series').map((m) => [m.name, m]));

/** A series outside the catalogue (a plugin's, a newer agent's): `berth_custom_<name>`. */
export const CUSTOM_PREFIX = `${PROM_PREFIX}_custom_`;

/** The Prometheus name of a labelled series (or an extra column the server keeps as one). */
export function seriesPromName(name: string): string {
  return PROM_SERIES.get(name)?.prom ?? `${CUSTOM_PREFIX}${sanitizeMetricPart(name)}`;
}

/**
 * Series Berth adds beside the samples, once per host tick: what /api/v1/hosts needs that no
 * sample says (the agent's identity and interval, a container's Docker id and state), as
 * Prometheus' `_info` idiom (value 1, facts in labels).
 */
export const PROM_INFO = {
  agent: {
    prom: `${PROM_PREFIX}_agent_info`,
    help: 'The agent reporting a host: its machine id and version (value 1)',
    labels: ['host', 'machine_id', 'version'],
  },
  interval: {
    prom: `${PROM_PREFIX}_agent_interval_seconds`,
    help: 'Seconds between two samples of the agent',
    labels: ['host'],
  },
  container: {
    prom: `${PROM_PREFIX}_container_info`,
    help: 'A container seen at that time: its Docker id and state (value 1)',
    labels: [...CONTAINER_LABELS, 'container_id', 'state'],
  },
} as const;

/** Berth's own names for a labelled series' labels: a series label of the same name is `exported_<name>`, as Prometheus renames clashing target labels. */
const OWN = new Set<string>(['host', 'container']);

/**
 * A labelled series' labels as Prometheus labels: each name sanitised (a name another already
 * took gets `_` appended until free), empty values left out (Prometheus reads them as absent),
 * `host` and `container` Berth's own. Sorted by name, as remote-write asks.
 */
export function seriesLabels(
  host: string,
  labels: Readonly<Record<string, string>>,
  container: string | undefined,
): [string, string][] {
  const out = new Map<string, string>([['host', host]]);
  if (container !== undefined && container !== '') out.set('container', container);
  for (const key of Object.keys(labels)) {
    const value = labels[key];
    if (value === '' || (key === 'container' && container !== undefined && value === container)) continue;
    let name = sanitizeLabelName(key);
    if (OWN.has(name)) name = `exported_${name}`;
    while (out.has(name)) name += '_';
    out.set(name, value);
  }
  return [...out].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/** A container's labels, sorted, the empty ones left out. */
export function containerLabels(
  host: string,
  c: { name: string; image?: string | null; compose_project?: string | null; compose_service?: string | null },
): [string, string][] {
  const out: [string, string][] = [];
  // Already in name order: compose_project, compose_service, container, host, image.
  if (c.compose_project) out.push(['compose_project', c.compose_project]);
  if (c.compose_service) out.push(['compose_service', c.compose_service]);
  out.push(['container', c.name]);
  out.push(['host', host]);
  if (c.image) out.push(['image', c.image]);
  return out;
}

/** Every metric name Berth can send or show for the catalogue (not custom series), for docs and dashboards. */
export function catalogueNames(): string[] {
  return [...PROM_METRICS.map((m) => m.prom), ...Object.values(PROM_INFO).map((m) => m.prom)];
}

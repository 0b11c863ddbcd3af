// Where the read routes get their answers: one interface, two sources. SQLite is the default;
// with --read-from, a Prometheus query API (query/promql/source.ts) answers the same
// questions in the same shapes, so the unchanged page shows every host that writes there.
// The routes parse and check parameters (query/params.ts) and call a source. The answer types
// here are the API's: the SQLite routes give them too, and the page reads them through the
// routes' types (server/app.ts AppType, web/api.ts).
import type { ContainerMetric, HostMetric } from '../../protocol/metrics.ts';

export interface ContainerInfo {
  name: string;
  id: string;
  image: string | null;
  state: string;
  running: boolean;
  compose_project: string | null;
  compose_service: string | null;
  labels: Record<string, string>;
  first_seen: number;
  last_seen: number;
  /** Its newest value of each container metric (of the last few samples, within two intervals). */
  latest: Partial<Record<ContainerMetric, number>>;
}

export interface HostInfo {
  name: string;
  machine_id: string | null;
  agent_version: string | null;
  interval: number;
  first_seen: number;
  last_seen: number;
  last_ts: number;
  online: boolean;
  /** Seconds the agent's clock is ahead of the server's (negative: behind); null until known. */
  clock_offset: number | null;
  /** Its newest value of each host metric (of the last few samples, within two intervals). */
  latest: Partial<Record<HostMetric, number>>;
  containers: ContainerInfo[];
  compose_projects: string[];
}

export interface HostsAnswer {
  now: number;
  hosts: HostInfo[];
}

/** A chart query's range and budget, as query/params.ts parses them. */
export interface ChartRange {
  from: number;
  to: number;
  maxPoints: number;
  minmax: boolean;
  digits?: number;
}

export interface SeriesQuery extends ChartRange {
  host: string;
  container?: string;
  /** Core metrics of the host or container. */
  metrics: string[];
  /** Labelled series names, and label filters on them. */
  series: string[];
  labelFilters: [string, string][];
}

export interface HostSeriesQuery extends ChartRange {
  /** Hosts by name; every host when empty. */
  hosts: string[];
  metrics: string[];
}

export interface ContainerSeriesQuery extends ChartRange {
  host: string;
  /** Containers by name; every container seen in the range when '*'. */
  containers: string[] | '*';
  metrics: string[];
}

export interface TopQuery {
  host: string;
  metric: string;
  from: number;
  to: number;
  limit: number;
}

export interface TopEntry {
  name: string;
  image: string | null;
  compose_project: string | null;
  compose_service: string | null;
  last_seen: number | null;
  avg: number;
  max: number | null;
  samples: number;
}

export interface TopAnswer {
  host: string;
  metric: string;
  from: number;
  to: number;
  tier: string;
  containers: TopEntry[];
}

/** What /series answers: uPlot-ready columns on one time grid `t`. */
export interface SeriesAnswer {
  host: string;
  /** The container's name, when one was asked for (by name or Docker id). */
  container?: string;
  tier: string;
  step: number;
  from: number;
  to: number;
  t: number[];
  /** Per core metric, and per labelled series' column key: its column (`KEY_min`/`_max` with minmax=1). */
  series: Record<string, (number | null)[]>;
  /** For labelled series (series=NAME): each column key's labels (keys from seriesColumnKey). */
  labels?: Record<string, Record<string, string>>;
}

/** What /host-series answers: every host's columns on one time grid `t`. */
export interface HostSeriesAnswer {
  tier: string;
  step: number;
  from: number;
  to: number;
  t: number[];
  /** By host name, its columns: one per metric, plus `NAME_min` / `NAME_max` with minmax=1. */
  hosts: Record<string, Record<string, (number | null)[]>>;
}

/**
 * What /container-series answers: many containers' metrics from one tier and step chosen for
 * the range, on one time grid `t` shared by every container's columns.
 */
export interface ContainerSeriesAnswer {
  host: string;
  tier: string;
  step: number;
  from: number;
  to: number;
  t: number[];
  /** By container name, its columns: one per metric, plus `NAME_min` / `NAME_max` with minmax=1. */
  containers: Record<string, Record<string, (number | null)[]>>;
}

export interface CatalogEntry {
  name: string;
  labels: Record<string, string>;
  unit: string | null;
  title: string | null;
  first_seen: number;
  last_seen: number;
}

export interface CatalogAnswer {
  host: string;
  truncated?: boolean;
  limit?: number;
  series: CatalogEntry[];
}

export interface QuerySource {
  hosts(now: number): Promise<HostsAnswer>;
  series(q: SeriesQuery, now: number): Promise<SeriesAnswer>;
  hostSeries(q: HostSeriesQuery, now: number): Promise<HostSeriesAnswer>;
  containerSeries(q: ContainerSeriesQuery, now: number): Promise<ContainerSeriesAnswer>;
  top(q: TopQuery, now: number): Promise<TopAnswer>;
  catalog(host: string, now: number): Promise<CatalogAnswer>;
}

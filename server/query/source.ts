// Where the read routes get their answers: one interface, two sources. SQLite is the default;
// with --read-from, a Prometheus query API (query/promql/source.ts) answers the same
// questions in the same shapes, so the unchanged page shows every host that writes there.
// The routes parse and check parameters (query/params.ts) and call a source.
import type { ContainerSeriesResponse, HostSeriesResponse, SeriesResponse } from '../../protocol/batch.ts';

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
  latest: Record<string, number>;
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
  latest: Record<string, number>;
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
  series(q: SeriesQuery, now: number): Promise<SeriesResponse>;
  hostSeries(q: HostSeriesQuery, now: number): Promise<HostSeriesResponse>;
  containerSeries(q: ContainerSeriesQuery, now: number): Promise<ContainerSeriesResponse>;
  top(q: TopQuery, now: number): Promise<TopAnswer>;
  catalog(host: string, now: number): Promise<CatalogAnswer>;
}

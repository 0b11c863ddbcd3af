// The page's only door to the server: typed calls to /api/v1, each with a timeout, turning
// every failure into an ApiError that says whether the server was unreachable (retry later)
// or answered with an error (show its message where the data would have been).

export interface HostLatest {
  cpu_pct?: number;
  cpu_user_pct?: number;
  cpu_system_pct?: number;
  cpu_iowait_pct?: number;
  cpu_steal_pct?: number;
  load1?: number;
  load5?: number;
  load15?: number;
  mem_used_bytes?: number;
  mem_total_bytes?: number;
  mem_cached_bytes?: number;
  swap_used_bytes?: number;
  swap_total_bytes?: number;
  net_rx_bps?: number;
  net_tx_bps?: number;
  disk_read_bps?: number;
  disk_write_bps?: number;
  fs_used_bytes?: number;
  fs_total_bytes?: number;
  fs_avail_bytes?: number;
  uptime_seconds?: number;
}

export interface ContainerLatest {
  cpu_pct?: number;
  mem_bytes?: number;
  mem_limit_bytes?: number;
  mem_pct?: number;
  net_rx_bps?: number;
  net_tx_bps?: number;
  blk_read_bps?: number;
  blk_write_bps?: number;
  pids?: number;
}

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
  latest: ContainerLatest;
}

export interface HostInfo {
  name: string;
  machine_id: string | null;
  agent_version: string | null;
  interval: number;
  first_seen: number;
  last_seen: number;
  last_ts: number;
  /** Seconds the agent's clock is ahead of the server's (negative: behind); null until known. */
  clock_offset: number | null;
  online: boolean;
  latest: HostLatest;
  containers: ContainerInfo[];
  compose_projects: string[];
}

export interface HostsResponse {
  now: number;
  hosts: HostInfo[];
}

export type Column = (number | null)[];

import type { ContainerSeriesResponse, HostSeriesResponse, SeriesResponse } from '../protocol/batch.ts';
import type { EventRecord, EventsResponse, EventSummaryResponse } from '../protocol/events.ts';
export type { ContainerSeriesResponse, HostSeriesResponse, SeriesResponse };
export type { EventRecord, EventsResponse, EventSummaryResponse };

export interface TopEntry {
  name: string;
  image: string | null;
  compose_project: string | null;
  compose_service: string | null;
  avg: number;
  max: number | null;
  samples: number;
}

export interface TopResponse {
  host: string;
  metric: string;
  from: number;
  to: number;
  tier: string;
  containers: TopEntry[];
}

export class ApiError extends Error {
  constructor(
    message: string,
    /** 0 when the server could not be reached or did not answer in time. */
    readonly status: number,
  ) {
    super(message);
  }
  get unreachable(): boolean {
    return this.status === 0;
  }
}

const TIMEOUT_MS = 15_000;

export async function getJson<T>(
  path: string,
  params: Record<string, string | number | readonly string[] | undefined> = {},
  signal?: AbortSignal,
): Promise<T> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) for (const x of v) q.append(k, x);
    else if (v !== undefined) q.set(k, String(v));
  }
  return requestJson<T>(q.size ? `${path}?${q}` : path, {}, signal);
}

/** One JSON request with the timeout; every failure becomes an ApiError with the server's message. */
async function requestJson<T>(url: string, init: RequestInit, signal?: AbortSignal): Promise<T> {
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, {
      ...init,
      signal: combined,
      headers: { accept: 'application/json', ...(init.headers as Record<string, string> | undefined) },
    });
  } catch (e) {
    if (signal?.aborted) throw e; // the page moved on; nobody is waiting for this answer
    throw new ApiError(timeout.aborted ? `no answer within ${TIMEOUT_MS / 1000} s` : 'no connection', 0);
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
    // A proxy's HTML error page (its 502-504 mean Berth itself is away), or a cut answer.
    throw new ApiError(
      res.ok ? 'the server sent an unreadable answer' : `HTTP ${res.status}`,
      [502, 503, 504].includes(res.status) ? 0 : res.status,
    );
  }
  if (!res.ok) {
    const msg =
      typeof body === 'object' && body && 'error' in body
        ? String((body as { error: unknown }).error)
        : `HTTP ${res.status}`;
    throw new ApiError(msg, res.status);
  }
  return body as T;
}

export const fetchHosts = (signal?: AbortSignal) => getJson<HostsResponse>('/api/v1/hosts', {}, signal);

export interface SeriesQuery {
  host: string;
  container?: string;
  metrics?: readonly string[];
  /** Labelled series names, all in the same answer. */
  series?: readonly string[];
  from: number;
  to: number;
  maxPoints: number;
  minmax?: boolean;
}

export function fetchSeries(q: SeriesQuery, signal?: AbortSignal): Promise<SeriesResponse> {
  return getJson<SeriesResponse>(
    '/api/v1/series',
    {
      host: q.host,
      container: q.container,
      metrics: q.metrics?.join(','),
      series: q.series?.join(','),
      from: Math.floor(q.from),
      to: Math.ceil(q.to),
      maxPoints: Math.round(q.maxPoints),
      minmax: q.minmax ? 1 : undefined,
    },
    signal,
  );
}

/** Many containers' metrics in one request, on one grid; `containers` undefined = all in range. */
export function fetchContainerSeries(
  q: {
    host: string;
    containers?: readonly string[];
    metrics: readonly string[];
    from: number;
    to: number;
    maxPoints: number;
    minmax?: boolean;
    digits?: number;
  },
  signal?: AbortSignal,
): Promise<ContainerSeriesResponse> {
  return getJson<ContainerSeriesResponse>(
    '/api/v1/container-series',
    {
      host: q.host,
      // Named one by one: a name may hold a comma.
      containers: q.containers ? undefined : '*',
      container: q.containers,
      metrics: q.metrics.join(','),
      from: Math.floor(q.from),
      to: Math.ceil(q.to),
      maxPoints: Math.round(q.maxPoints),
      minmax: q.minmax ? 1 : undefined,
      digits: q.digits,
    },
    signal,
  );
}

/** Every host's metrics in one request, on one grid (the overview's sparklines). */
export function fetchHostSeries(
  q: { metrics: readonly string[]; from: number; to: number; maxPoints: number; digits?: number },
  signal?: AbortSignal,
): Promise<HostSeriesResponse> {
  return getJson<HostSeriesResponse>(
    '/api/v1/host-series',
    {
      metrics: q.metrics.join(','),
      from: Math.floor(q.from),
      to: Math.ceil(q.to),
      maxPoints: Math.round(q.maxPoints),
      digits: q.digits,
    },
    signal,
  );
}

export function fetchTop(
  q: { host: string; metric: string; from: number; to: number; limit: number },
  signal?: AbortSignal,
): Promise<TopResponse> {
  return getJson<TopResponse>('/api/v1/top', { ...q, from: Math.floor(q.from), to: Math.ceil(q.to) }, signal);
}

/** A host's container events in a window (one container's with `container`), newest first. */
export function fetchEvents(
  q: { host: string; container?: string; from: number; to: number; limit?: number },
  signal?: AbortSignal,
): Promise<EventsResponse> {
  return getJson<EventsResponse>(
    '/api/v1/events',
    { host: q.host, container: q.container, from: Math.floor(q.from), to: Math.ceil(q.to), limit: q.limit },
    signal,
  );
}

/** Each container's restarts, OOM kills, last exit and health over a window. */
export function fetchEventSummary(
  q: { host: string; container?: string; from: number; to: number },
  signal?: AbortSignal,
): Promise<EventSummaryResponse> {
  return getJson<EventSummaryResponse>(
    '/api/v1/events/summary',
    { host: q.host, container: q.container, from: Math.floor(q.from), to: Math.ceil(q.to) },
    signal,
  );
}

export const isAbort = (e: unknown): boolean => e instanceof DOMException && e.name === 'AbortError';

export interface CatalogSeries {
  name: string;
  labels: Record<string, string>;
  /** The catalogue's unit, or the one a plugin declared; null when nobody said. */
  unit: string | null;
  /** The label a plugin's meta gave the series. */
  title: string | null;
  first_seen: number;
  last_seen: number;
}

/** The labelled series a host reports (GET /api/v1/catalog), to draw only the charts it has. */
export const fetchCatalog = (host: string, signal?: AbortSignal) =>
  getJson<{ host: string; series: CatalogSeries[] }>('/api/v1/catalog', { host }, signal);

export interface TokenInfo {
  host: string | null;
  created_at: number;
  revoked_at: number | null;
  last_used_at: number | null;
}

/**
 * /api/v1/tokens with the server's shared token as the bearer (a header, never the URL).
 * Errors come back as ApiError with the server's message (401 wrong token, 400 bad host name).
 */
export function tokenRequest<T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  sharedToken: string,
  body?: unknown,
): Promise<T> {
  return requestJson<T>(`/api/v1/tokens${path}`, {
    method,
    headers: {
      authorization: `Bearer ${sharedToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

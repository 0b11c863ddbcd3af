// The page's only door to the server: Hono's typed client over the API's own routes, so every
// path, query parameter and answer type comes from server/app.ts's AppType (a type-only
// import: no server code reaches the bundle). Each call has a timeout, and every failure
// becomes an ApiError that says whether the server was unreachable (retry later) or answered
// with an error (show its message where the data would have been).
import { hc, type ClientRequestOptions, type InferResponseType } from 'hono/client';
import type { AppType } from '../server/app.ts';

const api = hc<AppType>('/api/v1');

export type HostsResponse = InferResponseType<typeof api.hosts.$get>;
export type HostInfo = HostsResponse['hosts'][number];
export type ContainerInfo = HostInfo['containers'][number];
export type SeriesResponse = InferResponseType<typeof api.series.$get>;
export type ContainerSeriesResponse = InferResponseType<(typeof api)['container-series']['$get']>;
export type HostSeriesResponse = InferResponseType<(typeof api)['host-series']['$get']>;
export type TopResponse = InferResponseType<typeof api.top.$get>;
export type ProcessesResponse = InferResponseType<typeof api.processes.$get>;
export type CatalogSeries = InferResponseType<typeof api.catalog.$get>['series'][number];
export type TokenInfo = InferResponseType<typeof api.tokens.$get>['tokens'][number];
export type EventsResponse = InferResponseType<typeof api.events.$get>;
export type EventRecord = EventsResponse['events'][number];
export type EventSummaryResponse = InferResponseType<typeof api.events.summary.$get>;
/** One remote-write target's forwarding: queue, lag, deliveries and drops (server/forward/stats.ts). */
export type ForwardStats = InferResponseType<typeof api.status.forwarding.$get>['forwarding'][number];

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

/** The session's anti-CSRF token (GET /api/v1/session), sent with every call once signed in. */
let csrf: string | null = null;
export function useCsrf(token: string | null): void {
  csrf = token;
}

/** What a typed client call resolves to, as far as answer() reads it. */
interface Answer<T> {
  ok: boolean;
  status: number;
  json(): Promise<T>;
}

/**
 * One request through the client with the timeout; every failure becomes an ApiError with the
 * server's message. `signal` aborts it when the page moves on (that rejects as an AbortError).
 */
async function answer<T>(
  send: (options: ClientRequestOptions) => Promise<Answer<T>>,
  signal?: AbortSignal,
  headers: Record<string, string> = {},
): Promise<T> {
  const timeout = AbortSignal.timeout(TIMEOUT_MS);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let res: Answer<T>;
  try {
    res = await send({
      headers: { accept: 'application/json', ...(csrf ? { 'x-berth-csrf': csrf } : {}), ...headers },
      init: { signal: combined },
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

/** Query values as the client sends them: whole seconds and point counts, lists comma-joined. */
const seconds = (t: number, round: (x: number) => number) => String(round(t));
const optional = (n: number | undefined) => (n === undefined ? undefined : String(n));

export interface HostsQuery {
  /** One host, whole (its containers with their newest values). */
  host?: string;
  /** A page of host summaries found by part of their name, offline ones first. */
  search?: string;
  limit?: number;
  offset?: number;
}

/** Hosts: one whole by name, or a page of summaries (the overview); every host whole with neither. */
export function fetchHosts(q: HostsQuery = {}, signal?: AbortSignal): Promise<HostsResponse> {
  const paged = q.host === undefined && q.limit !== undefined;
  const query = {
    host: q.host,
    q: q.search || undefined,
    limit: optional(q.limit),
    offset: q.offset ? String(q.offset) : undefined,
    view: paged ? 'summary' : undefined,
    sort: paged ? 'offline' : undefined,
  };
  return answer((o) => api.hosts.$get({ query }, o), signal);
}

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
  /** Significant digits to round values to (exact without). */
  digits?: number;
}

export function fetchSeries(q: SeriesQuery, signal?: AbortSignal): Promise<SeriesResponse> {
  const query = {
    host: q.host,
    container: q.container,
    metrics: q.metrics?.join(','),
    series: q.series?.join(','),
    from: seconds(q.from, Math.floor),
    to: seconds(q.to, Math.ceil),
    maxPoints: String(Math.round(q.maxPoints)),
    minmax: q.minmax ? '1' : undefined,
    digits: q.digits === undefined ? undefined : String(q.digits),
  };
  return answer((o) => api.series.$get({ query }, o), signal);
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
  const query = {
    host: q.host,
    // Named one by one: a name may hold a comma.
    containers: q.containers ? undefined : '*',
    container: q.containers ? [...q.containers] : undefined,
    metrics: q.metrics.join(','),
    from: seconds(q.from, Math.floor),
    to: seconds(q.to, Math.ceil),
    maxPoints: String(Math.round(q.maxPoints)),
    minmax: q.minmax ? '1' : undefined,
    digits: optional(q.digits),
  };
  return answer((o) => api['container-series'].$get({ query }, o), signal);
}

/** Hosts' metrics in one request, on one grid (the overview's sparklines): the named ones, or every host. */
export function fetchHostSeries(
  q: {
    hosts?: readonly string[];
    metrics: readonly string[];
    from: number;
    to: number;
    maxPoints: number;
    digits?: number;
  },
  signal?: AbortSignal,
): Promise<HostSeriesResponse> {
  const query = {
    host: q.hosts?.length ? [...q.hosts] : undefined,
    metrics: q.metrics.join(','),
    from: seconds(q.from, Math.floor),
    to: seconds(q.to, Math.ceil),
    maxPoints: String(Math.round(q.maxPoints)),
    digits: optional(q.digits),
  };
  return answer((o) => api['host-series'].$get({ query }, o), signal);
}

export function fetchTop(
  q: { host: string; metric: string; from: number; to: number; limit: number },
  signal?: AbortSignal,
): Promise<TopResponse> {
  const query = {
    host: q.host,
    metric: q.metric,
    from: seconds(q.from, Math.floor),
    to: seconds(q.to, Math.ceil),
    limit: String(q.limit),
  };
  return answer((o) => api.top.$get({ query }, o), signal);
}

/** A host's top processes at a moment (the newest tick at or before `at`), sorted by `by`. */
export function fetchProcesses(
  q: { host: string; at?: number; by: 'cpu' | 'mem' | 'io'; limit?: number },
  signal?: AbortSignal,
): Promise<ProcessesResponse> {
  const query = { host: q.host, by: q.by, at: optional(q.at), limit: String(q.limit ?? 15) };
  return answer((o) => api.processes.$get({ query }, o), signal);
}

/** A host's container events in a window (one container's with `container`), newest first. */
export function fetchEvents(
  q: { host: string; container?: string; from: number; to: number; limit?: number },
  signal?: AbortSignal,
): Promise<EventsResponse> {
  const query = {
    host: q.host,
    container: q.container,
    from: seconds(q.from, Math.floor),
    to: seconds(q.to, Math.ceil),
    limit: optional(q.limit),
  };
  return answer((o) => api.events.$get({ query }, o), signal);
}

/** Each container's restarts, OOM kills, last exit and health over a window. */
export function fetchEventSummary(
  q: { host: string; container?: string; from: number; to: number },
  signal?: AbortSignal,
): Promise<EventSummaryResponse> {
  const query = {
    host: q.host,
    container: q.container,
    from: seconds(q.from, Math.floor),
    to: seconds(q.to, Math.ceil),
  };
  return answer((o) => api.events.summary.$get({ query }, o), signal);
}

/** Each remote-write target's forwarding; none when the server forwards nowhere. */
export const fetchForwarding = (signal?: AbortSignal) =>
  answer((o) => api.status.forwarding.$get(undefined, o), signal);

/** The alert rules, what is firing, recent notifications and failed deliveries. */
export const fetchAlerts = (signal?: AbortSignal) => answer((o) => api.alerts.$get(undefined, o), signal);

export const isAbort = (e: unknown): boolean => e instanceof DOMException && e.name === 'AbortError';

/** The labelled series a host reports (GET /api/v1/catalog), to draw only the charts it has. */
export const fetchCatalog = (host: string, signal?: AbortSignal) =>
  answer((o) => api.catalog.$get({ query: { host } }, o), signal);

// /api/v1/tokens as the signed-in admin (no shared token), or with the server's shared token as
// the bearer (a header, never the URL). Errors come back as ApiError with the server's message
// (401 wrong token, 403 not an admin, 400 bad host name).
const bearer = (sharedToken: string | undefined): Record<string, string> =>
  sharedToken ? { authorization: `Bearer ${sharedToken}` } : {};

export const listTokens = (sharedToken?: string) =>
  answer((o) => api.tokens.$get(undefined, o), undefined, bearer(sharedToken));

export const issueToken = (sharedToken: string | undefined, host: string) =>
  answer((o) => api.tokens.$post({ json: { host } }, o), undefined, bearer(sharedToken));

export const revokeToken = (sharedToken: string | undefined, host: string) =>
  answer(
    (o) => api.tokens[':host'].$delete({ param: { host: encodeURIComponent(host) } }, o),
    undefined,
    bearer(sharedToken),
  );

// ---- sign-in and access (server/routes/access.ts)
export type SessionState = InferResponseType<typeof api.session.$get>;
export type UserInfo = InferResponseType<typeof api.users.$get>['users'][number];
export type ReadTokenInfo = InferResponseType<(typeof api)['read-tokens']['$get']>['tokens'][number];
export type ShareInfo = InferResponseType<typeof api.shares.$get>['shares'][number];
export type AuditEntry = InferResponseType<typeof api.audit.$get>['audit'][number];

export const fetchSession = () => answer((o) => api.session.$get(undefined, o));
export const signIn = (name: string, password: string) =>
  answer((o) => api.session.$post({ json: { name, password } }, o));
export const signOut = () => answer((o) => api.session.$delete(undefined, o));
export const signOutEverywhere = () => answer((o) => api.sessions.$delete(undefined, o));
export const setup = (code: string, name: string, password: string) =>
  answer((o) => api.setup.$post({ json: { code, name, password } }, o));

export const listUsers = () => answer((o) => api.users.$get(undefined, o));
export const addUser = (name: string, role: 'admin' | 'viewer', password: string) =>
  answer((o) => api.users.$post({ json: { name, role, password } }, o));
export const setRole = (name: string, role: 'admin' | 'viewer') =>
  answer((o) => api.users[':name'].$patch({ param: { name: encodeURIComponent(name) }, json: { role } }, o));
export const removeUser = (name: string) =>
  answer((o) => api.users[':name'].$delete({ param: { name: encodeURIComponent(name) } }, o));
export const listReadTokens = () => answer((o) => api['read-tokens'].$get(undefined, o));
export const addReadToken = (name: string) => answer((o) => api['read-tokens'].$post({ json: { name } }, o));
export const revokeReadToken = (id: number) =>
  answer((o) => api['read-tokens'][':id'].$delete({ param: { id: String(id) } }, o));
export const listShares = () => answer((o) => api.shares.$get(undefined, o));
export const addShare = (host: string, days: number) => answer((o) => api.shares.$post({ json: { host, days } }, o));
export const revokeShare = (id: number) => answer((o) => api.shares[':id'].$delete({ param: { id: String(id) } }, o));
export const fetchAudit = () => answer((o) => api.audit.$get(undefined, o));

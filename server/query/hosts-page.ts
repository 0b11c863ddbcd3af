// Which hosts a /api/v1/hosts answer holds, and how much of each: one host by name (its page),
// a page of hosts found by part of their name (the overview at fleet scale), or every host
// whole (the default, as before). Pure: the SQLite route chooses its hosts from their rows
// before it reads their containers and newest values, so an answer costs what it shows; the
// --read-from route applies the same choice to its source's whole answer.
import { badRequest, parseIntParam } from './params.ts';
import type { HostInfo } from './source.ts';
import { MAX_HOSTS_PAGE, SUMMARY_CONTAINERS } from '../../protocol/constants.ts';

/** The query parameters /api/v1/hosts reads. */
export type HostsParam = 'host' | 'q' | 'limit' | 'offset' | 'view' | 'sort';

export interface HostsQuery {
  /** Only the host of this exact name. */
  host?: string;
  /** Only hosts whose name holds this text (case-insensitive). */
  search?: string;
  /** At most this many hosts, after skipping `offset`; every one when undefined. */
  limit?: number;
  offset: number;
  /** 'summary': each host's container counts and its busiest running containers only. */
  view: 'full' | 'summary';
  /** 'offline': offline hosts first (what an operator acts on), then by name. */
  sort: 'name' | 'offline';
}

export function parseHostsQuery(q: (k: HostsParam) => string | undefined): HostsQuery {
  const view = q('view') ?? 'full';
  if (view !== 'full' && view !== 'summary') badRequest(`view: "${view.slice(0, 32)}" is not full or summary`);
  const sort = q('sort') ?? 'name';
  if (sort !== 'name' && sort !== 'offline') badRequest(`sort: "${sort.slice(0, 32)}" is not name or offline`);
  const limit = q('limit');
  return {
    host: q('host') || undefined,
    search: q('q')?.trim().toLowerCase() || undefined,
    limit: limit === undefined || limit === '' ? undefined : parseIntParam('limit', limit, 0, 1, MAX_HOSTS_PAGE),
    offset: parseIntParam('offset', q('offset'), 0, 0, Number.MAX_SAFE_INTEGER),
    view,
    sort,
  };
}

/** The hosts the query asks for (from `all`, in name order), and how many matched before paging. */
export function chooseHosts<T extends { name: string; online: boolean }>(
  all: readonly T[],
  q: HostsQuery,
): { chosen: T[]; total: number; online: number } {
  let matching = all.filter(
    (h) => (q.host === undefined || h.name === q.host) && (!q.search || h.name.toLowerCase().includes(q.search)),
  );
  if (q.sort === 'offline') matching = [...matching].sort((a, b) => Number(a.online) - Number(b.online));
  const end = q.limit === undefined ? undefined : q.offset + q.limit;
  return {
    chosen: matching.slice(q.offset, end),
    total: matching.length,
    online: matching.reduce((n, h) => n + Number(h.online), 0),
  };
}

export interface HostEntry extends HostInfo {
  /** Its containers running now (at its last report when offline), and those gone in the last day. */
  running_containers: number;
  gone_containers: number;
  /** 'all': `containers` lists every one; 'busiest': only the running ones using the most CPU. */
  containers_shown: 'all' | 'busiest';
}

/** A host as the view asks: whole, or with only its SUMMARY_CONTAINERS busiest running containers. */
export function hostEntry(h: HostInfo, view: HostsQuery['view']): HostEntry {
  const running = h.containers.filter((c) => c.running);
  const counts = { running_containers: running.length, gone_containers: h.containers.length - running.length };
  if (view === 'full') return { ...h, ...counts, containers_shown: 'all' };
  const busiest = running
    .sort((a, b) => (b.latest.cpu_pct ?? 0) - (a.latest.cpu_pct ?? 0))
    .slice(0, SUMMARY_CONTAINERS);
  return { ...h, ...counts, containers: busiest, containers_shown: 'busiest' };
}

export interface HostsPage {
  now: number;
  /** Hosts that match the query, before `offset` and `limit`; of them, online ones. */
  total: number;
  online: number;
  hosts: HostEntry[];
}

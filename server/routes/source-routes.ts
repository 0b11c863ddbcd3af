// The read routes over a QuerySource (query/source.ts): /hosts, /series, /host-series,
// /container-series, /top and /catalog, with the parameters and refusals the SQLite routes
// have (query/params.ts, the same messages), answered by whichever source the server reads
// from. createApp mounts these when --read-from names a Prometheus query API.
import { Hono, type Context } from 'hono';
import { CONTAINER_METRIC_NAMES, HOST_METRIC_NAMES } from '../../protocol/metrics.ts';
import { DEFAULT_MAX_POINTS } from '../rollup/tiers.ts';
import {
  badRequest,
  parseChartParams,
  parseIntParam,
  parseList,
  parseMetrics,
  parseRange,
  requireParam,
} from '../query/params.ts';
import type { ChartRange, QuerySource } from '../query/source.ts';
import { chooseHosts, hostEntry, parseHostsQuery, type HostsPage } from '../query/hosts-page.ts';
import { MAX_QUERY_CONTAINERS, MAX_QUERY_HOSTS, MAX_QUERY_SERIES } from '../../protocol/constants.ts';

function chart(c: Context, now: number, digits = false): ChartRange {
  const q = (k: string) => c.req.query(k);
  const r: ChartRange = parseChartParams(q, now, DEFAULT_MAX_POINTS);
  if (digits && q('digits')) r.digits = parseIntParam('digits', q('digits'), 17, 1, 17);
  return r;
}

export function sourceRoutes(source: QuerySource, now: () => number): Record<string, Hono> {
  const hosts = new Hono().get('/', async (c) => {
    const q = parseHostsQuery((k) => c.req.query(k));
    const all = await source.hosts(now());
    const { chosen, total, online } = chooseHosts(all.hosts, q);
    return c.json<HostsPage>({ now: all.now, total, online, hosts: chosen.map((h) => hostEntry(h, q.view)) });
  });

  const series = new Hono().get('/', async (c) => {
    const t = now();
    const host = requireParam('host', c.req.query('host'));
    const range = chart(c, t);
    const container = c.req.query('container') || undefined;
    const names = [...new Set(parseList(c.req.query('series')))];
    const metrics = [...new Set(parseList(c.req.query('metrics')))];
    if (names.length === 0 && metrics.length === 0) badRequest('metrics: required (comma-separated), or series=NAME');
    if (names.length > MAX_QUERY_SERIES) badRequest(`series: ${names.length} names, at most ${MAX_QUERY_SERIES}`);
    const known: readonly string[] = container ? CONTAINER_METRIC_NAMES : HOST_METRIC_NAMES;
    const unknown = metrics.find((m) => !known.includes(m));
    if (unknown !== undefined)
      badRequest(
        `metrics: unknown ${container ? 'container' : 'host'} metric "${unknown}" (known: ${known.join(', ')}; others are series=NAME)`,
      );
    const labelFilters: [string, string][] = [];
    for (const [k, v] of Object.entries(c.req.queries()))
      if (k.startsWith('label.')) labelFilters.push([k.slice(6), v[v.length - 1]]);
    return c.json(await source.series({ ...range, host, container, metrics, series: names, labelFilters }, t));
  });

  const hostSeries = new Hono().get('/', async (c) => {
    const t = now();
    const range = chart(c, t, true);
    const metrics = parseMetrics(c.req.query('metrics'), HOST_METRIC_NAMES, 'host');
    const named = [...new Set(c.req.queries('host') ?? [])];
    if (named.length > MAX_QUERY_HOSTS) badRequest(`host: ${named.length} named, at most ${MAX_QUERY_HOSTS}`);
    return c.json(await source.hostSeries({ ...range, hosts: named, metrics }, t));
  });

  const containerSeries = new Hono().get('/', async (c) => {
    const t = now();
    const host = requireParam('host', c.req.query('host'));
    const range = chart(c, t, true);
    const metrics = parseMetrics(c.req.query('metrics'), CONTAINER_METRIC_NAMES, 'container');
    const exact = c.req.queries('container') ?? [];
    if (exact.length && c.req.query('containers') !== undefined)
      badRequest('containers: give either containers=… or container=… (repeated), not both');
    const wanted = exact.length ? exact : parseList(requireParam('containers', c.req.query('containers')));
    if (wanted.length === 0) badRequest('containers: required (* or comma-separated names)');
    const all = !exact.length && wanted.length === 1 && wanted[0] === '*';
    if (!all && !exact.length && wanted.includes('*'))
      badRequest('containers: * stands alone (every container seen in the range), not in a list');
    const names = [...new Set(wanted)];
    if (!all && names.length > MAX_QUERY_CONTAINERS)
      badRequest(`containers: ${names.length} named, at most ${MAX_QUERY_CONTAINERS}`);
    return c.json(await source.containerSeries({ ...range, host, containers: all ? '*' : names, metrics }, t));
  });

  const top = new Hono().get('/', async (c) => {
    const t = now();
    const host = requireParam('host', c.req.query('host'));
    const metric = c.req.query('metric') ?? 'cpu_pct';
    if (!(CONTAINER_METRIC_NAMES as readonly string[]).includes(metric))
      badRequest(
        `metric: unknown container metric "${metric.slice(0, 64)}" (known: ${CONTAINER_METRIC_NAMES.join(', ')})`,
      );
    const { from, to } = parseRange((k) => c.req.query(k), t);
    const limit = parseIntParam('limit', c.req.query('limit'), 10, 1, 1000);
    return c.json(await source.top({ host, metric, from, to, limit }, t));
  });

  const catalog = new Hono().get('/', async (c) =>
    c.json(await source.catalog(requireParam('host', c.req.query('host')), now())),
  );

  return {
    '/api/v1/hosts': hosts,
    '/api/v1/series': series,
    '/api/v1/container-series': containerSeries,
    '/api/v1/host-series': hostSeries,
    '/api/v1/top': top,
    '/api/v1/catalog': catalog,
  };
}

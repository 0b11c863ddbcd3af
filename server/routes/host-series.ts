// GET /api/v1/host-series: many hosts' core metrics on one time grid in one request, for the
// fleet overview's sparklines (a /series request per host card would be hundreds a refresh
// with a few hundred hosts). `host=NAME`, repeated, names hosts; without it, every host. One
// tier and step for all, chosen as /series would for the host with the longest interval, so
// each host's samples fill the grid. `digits=N` rounds as in /container-series.
import { Hono } from 'hono';
import { HOST_METRIC_NAMES } from '../../protocol/metrics.ts';
import { chooseTier, DEFAULT_MAX_POINTS } from '../rollup/tiers.ts';
import { readColumnsMany, timeGrid } from '../query/columns.ts';
import { findHost, type HostRow } from '../query/entities.ts';
import {
  badRequest,
  MAX_ANSWER_VALUES,
  parseChartParams,
  parseIntParam,
  parseMetrics,
  type ChartParam,
} from '../query/params.ts';
import { declareQuery } from './input.ts';
import type { AppDeps } from '../deps.ts';
import { MAX_QUERY_HOSTS } from '../../protocol/constants.ts';
import type { HostSeriesAnswer } from '../query/source.ts';
import { statement } from '../db/statements.ts';

export function hostSeriesRoute({ db, now, config }: AppDeps) {
  const sqlite = db.$client;
  return new Hono().get('/', declareQuery<'host' | 'metrics' | 'digits' | ChartParam>(), (c) => {
    const q = (k: string) => c.req.query(k);
    const t = now();
    const { from, to, maxPoints, minmax } = parseChartParams(q, t, DEFAULT_MAX_POINTS);
    const digits = q('digits') ? parseIntParam('digits', q('digits'), 17, 1, 17) : undefined;
    const metrics = parseMetrics(q('metrics'), HOST_METRIC_NAMES, 'host');

    const named = [...new Set(c.req.queries('host') ?? [])];
    if (named.length > MAX_QUERY_HOSTS) badRequest(`host: ${named.length} named, at most ${MAX_QUERY_HOSTS}`);
    const hosts = named.length
      ? named.map((name) => findHost(sqlite, name))
      : (statement(
          sqlite,
          'SELECT id, name, interval_s, last_seen, last_ts FROM hosts ORDER BY name',
        ).all() as HostRow[]);
    if (hosts.length > MAX_QUERY_HOSTS)
      badRequest(`host: ${hosts.length} hosts, at most ${MAX_QUERY_HOSTS} in one answer; name them`);
    const interval = Math.max(1, ...hosts.map((h) => h.interval_s));
    const { tier, step } = chooseTier(from, to, interval, maxPoints, (tier) => t - config.retention[tier]);
    const grid = timeGrid(from, to, step);
    const values = hosts.length * metrics.length * (minmax && tier !== 'raw' ? 3 : 1) * grid.length;
    if (values > MAX_ANSWER_VALUES)
      badRequest(
        `host: ${hosts.length} hosts × ${metrics.length} metrics × ${grid.length} points is more than ${MAX_ANSWER_VALUES} values; name fewer hosts or lower maxPoints`,
      );

    const cols = readColumnsMany(sqlite, {
      kind: 'host',
      keys: hosts.map((h) => h.id),
      columns: metrics,
      from,
      to,
      tier,
      step,
      minmax,
      digits,
    });
    // By name, without a prototype: any name is a host like any other.
    const out: HostSeriesAnswer = {
      tier,
      step,
      from,
      to,
      t: grid,
      hosts: Object.create(null) as HostSeriesAnswer['hosts'],
    };
    for (const h of hosts) out.hosts[h.name] = cols.get(h.id)!.cols;
    return c.json(out);
  });
}

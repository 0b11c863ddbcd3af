// GET /api/v1/container-series: many containers' metrics in one request, for the host view's
// per-container charts (one line per container), instead of one /series request each.
// `containers=*` is every container of the host seen in the range, or a comma-separated list
// of names (Docker names hold no commas; a Docker id prefix works as in /series), or
// `container=NAME` repeated, each exactly as given (what the page sends). One tier and
// step for all, chosen as /series would; columns keyed by container name on one time grid.
// `digits=N` rounds values to N significant digits (a smaller answer; exact without it).
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { CONTAINER_METRIC_NAMES } from '../../protocol/metrics.ts';
import { chooseTier, DEFAULT_MAX_POINTS } from '../rollup/tiers.ts';
import { readColumnsMany, timeGrid } from '../query/columns.ts';
import { findContainer, findHost, type ContainerRow } from '../query/entities.ts';
import {
  badRequest,
  type ChartParam,
  MAX_ANSWER_VALUES,
  parseChartParams,
  parseIntParam,
  parseList,
  parseMetrics,
  requireParam,
} from '../query/params.ts';
import { declareQuery } from './input.ts';
import { MAX_QUERY_CONTAINERS } from '../../protocol/constants.ts';
import { statement } from '../db/statements.ts';
import type { AppDeps } from '../deps.ts';
import type { ContainerSeriesAnswer } from '../query/source.ts';

export function containerSeriesRoute({ db, now, config }: AppDeps) {
  const sqlite = db.$client;
  return new Hono().get(
    '/',
    declareQuery<'host' | 'containers' | 'container' | 'metrics' | 'digits' | ChartParam>(),
    (c) => {
      const q = (k: string) => c.req.query(k);
      const host = findHost(sqlite, requireParam('host', q('host')));
      const t = now();
      const { from, to, maxPoints, minmax } = parseChartParams(q, t, DEFAULT_MAX_POINTS);
      const digits = q('digits') ? parseIntParam('digits', q('digits'), 17, 1, 17) : undefined;
      const metrics = parseMetrics(q('metrics'), CONTAINER_METRIC_NAMES, 'container');

      const { tier, step } = chooseTier(
        from,
        to,
        Math.max(1, host.interval_s),
        maxPoints,
        (tier) => t - config.retention[tier],
      );
      const grid = timeGrid(from, to, step);
      const points = grid.length;
      /** An answer's size follows from the query's shape: refused before anything is read. */
      const checkSize = (count: number) => {
        const values = count * metrics.length * (minmax && tier !== 'raw' ? 3 : 1) * points;
        if (values > MAX_ANSWER_VALUES) {
          badRequest(
            `containers: ${count} containers × ${metrics.length} metrics × ${points} points is more than ${MAX_ANSWER_VALUES} values; name fewer containers or lower maxPoints`,
          );
        }
      };

      // `container=NAME`, repeated, names each container exactly (a comma or a space in a name
      // included); `containers=` is the short form for names without those.
      const exact = c.req.queries('container') ?? [];
      if (exact.length && q('containers') !== undefined)
        badRequest('containers: give either containers=… or container=… (repeated), not both');
      const wanted = exact.length ? exact : parseList(requireParam('containers', q('containers')));
      if (wanted.length === 0) badRequest('containers: required (* or comma-separated names)');
      let list: ContainerRow[];
      if (!exact.length && wanted.length === 1 && wanted[0] === '*') {
        list = statement(
          sqlite,
          'SELECT id, name, container_id FROM containers WHERE host_id = ? AND last_seen >= ? AND first_seen <= ? ORDER BY name',
        ).all(host.id, from, to) as ContainerRow[];
        if (list.length > MAX_QUERY_CONTAINERS)
          badRequest(
            `containers: ${list.length} seen in this range, at most ${MAX_QUERY_CONTAINERS}; name them or narrow the range`,
          );
        checkSize(list.length);
      } else {
        if (!exact.length && wanted.includes('*'))
          badRequest('containers: * stands alone (every container seen in the range), not in a list');
        const names = [...new Set(wanted)];
        if (names.length > MAX_QUERY_CONTAINERS)
          badRequest(`containers: ${names.length} named, at most ${MAX_QUERY_CONTAINERS}`);
        checkSize(names.length);
        list = names.map((name) => {
          try {
            return findContainer(sqlite, host.id, name);
          } catch (e) {
            if (e instanceof HTTPException) throw new HTTPException(e.status, { message: `containers: ${e.message}` });
            throw e;
          }
        });
      }
      const cols = readColumnsMany(sqlite, {
        kind: 'container',
        keys: list.map((r) => r.id),
        columns: metrics,
        from,
        to,
        tier,
        step,
        minmax,
        digits,
      });
      // Every container's columns are on this grid; with none, the time axis is still there, as /series gives it.
      // By name, without a prototype: a container named __proto__ is a container like any other.
      const out: ContainerSeriesAnswer = {
        host: host.name,
        tier,
        step,
        from,
        to,
        t: grid,
        containers: Object.create(null) as ContainerSeriesAnswer['containers'],
      };
      for (const r of list) out.containers[r.name] = cols.get(r.id)!.cols;
      return c.json(out);
    },
  );
}

// GET /api/v1/series: one host's, or one container's, metrics over a range as uPlot-ready
// columns, from the finest tier that fits maxPoints. Core metrics by `metrics=a,b`; labelled
// series by `series=NAME` (or `series=A,B`: several names, one answer) with optional
// `label.KEY=VALUE` filters; both may come in one request, on one time grid. `digits=N` rounds
// values to N significant digits (a smaller answer; exact without it).
import { Hono } from 'hono';
import { HOST_METRIC_NAMES, CONTAINER_METRIC_NAMES } from '../../protocol/metrics.ts';
import { seriesColumnKey } from '../../protocol/series-key.ts';
import { chooseTier, DEFAULT_MAX_POINTS } from '../rollup/tiers.ts';
import { readColumns, readColumnsMany, timeGrid } from '../query/columns.ts';
import { findContainer, findHost } from '../query/entities.ts';
import {
  badRequest,
  MAX_ANSWER_VALUES,
  parseChartParams,
  parseIntParam,
  parseList,
  requireParam,
  type ChartParam,
} from '../query/params.ts';
import { declareQuery } from './input.ts';
import { MAX_QUERY_SERIES } from '../../protocol/constants.ts';
import { statement } from '../db/statements.ts';
import type { AppDeps } from '../deps.ts';
import type { SeriesAnswer } from '../query/source.ts';

export function seriesRoute({ db, now, config }: AppDeps) {
  const sqlite = db.$client;
  return new Hono().get(
    '/',
    declareQuery<'host' | 'container' | 'metrics' | 'series' | 'digits' | ChartParam | `label.${string}`>(),
    (c) => {
      const q = (k: string) => c.req.query(k);
      const host = findHost(sqlite, requireParam('host', q('host')));
      const t = now();
      const { from, to, maxPoints, minmax } = parseChartParams(q, t, DEFAULT_MAX_POINTS);
      const digits = q('digits') ? parseIntParam('digits', q('digits'), 17, 1, 17) : undefined;
      const containerParam = q('container');
      const seriesNames = [...new Set(parseList(q('series')))];
      const metrics = [...new Set(parseList(q('metrics')))];
      if (seriesNames.length === 0 && metrics.length === 0)
        badRequest('metrics: required (comma-separated), or series=NAME');
      if (seriesNames.length > MAX_QUERY_SERIES)
        badRequest(`series: ${seriesNames.length} names, at most ${MAX_QUERY_SERIES}`);
      const { tier, step } = chooseTier(
        from,
        to,
        Math.max(1, host.interval_s),
        maxPoints,
        (tier) => t - config.retention[tier],
      );
      const out: SeriesAnswer = {
        host: host.name,
        tier,
        step,
        from,
        to,
        // Every read below is on this grid.
        t: timeGrid(from, to, step),
        // No prototype: no name a host sends can reach one.
        series: Object.create(null) as SeriesAnswer['series'],
      };

      const container = containerParam ? findContainer(sqlite, host.id, containerParam) : undefined;
      if (container) out.container = container.name;

      if (metrics.length) {
        const known: readonly string[] = container ? CONTAINER_METRIC_NAMES : HOST_METRIC_NAMES;
        const unknown = metrics.filter((m) => !known.includes(m));
        if (unknown.length) {
          badRequest(
            `metrics: unknown ${container ? 'container' : 'host'} metric "${unknown[0]}" (known: ${known.join(', ')}; others are series=NAME)`,
          );
        }
        const r = readColumns(sqlite, {
          kind: container ? 'container' : 'host',
          key: container ? container.id : host.id,
          columns: metrics,
          from,
          to,
          tier,
          step,
          minmax,
          digits,
        });
        Object.assign(out.series, r.cols);
      }

      if (seriesNames.length) {
        const filters: [string, string][] = [];
        for (const [k, v] of Object.entries(c.req.queries())) {
          if (k.startsWith('label.')) filters.push([k.slice(6), v[v.length - 1]]);
        }
        if (container) filters.push(['container', container.name]);
        const byName = statement(
          sqlite,
          'SELECT id, name, labels FROM series WHERE host_id = ? AND name = ? AND last_seen >= ? AND first_seen <= ?',
        );
        const rows = seriesNames
          .flatMap((name) => byName.all(host.id, name, from, to) as { id: number; name: string; labels: string }[])
          .map((r) => ({ id: r.id, name: r.name, labels: JSON.parse(r.labels) as Record<string, string> }))
          .filter((r) => filters.every(([k, v]) => r.labels[k] === v))
          .filter((r) => container || filters.some(([k]) => k === 'container') || r.labels.container === undefined);
        if (rows.length > MAX_QUERY_SERIES)
          badRequest(`series: ${rows.length} series match; narrow with label.KEY=VALUE (at most ${MAX_QUERY_SERIES})`);
        const values = (metrics.length + rows.length) * (minmax && tier !== 'raw' ? 3 : 1) * out.t.length;
        if (values > MAX_ANSWER_VALUES)
          badRequest(
            `series: ${metrics.length + rows.length} columns × ${out.t.length} points is more than ${MAX_ANSWER_VALUES} values; name fewer series or lower maxPoints`,
          );
        out.labels = Object.create(null) as Record<string, Record<string, string>>;
        // One read for all of them.
        const cols = rows.length
          ? readColumnsMany(sqlite, {
              kind: 'series',
              keys: rows.map((r) => r.id),
              columns: ['value'],
              from,
              to,
              tier,
              step,
              minmax,
              digits,
            })
          : new Map();
        for (const r of rows) {
          const key = seriesColumnKey(r.name, r.labels);
          const col = cols.get(r.id)!;
          out.series[key] = col.cols.value;
          if (minmax && col.cols.value_min) {
            out.series[`${key}_min`] = col.cols.value_min;
            out.series[`${key}_max`] = col.cols.value_max;
          }
          out.labels[key] = r.labels;
        }
      }
      return c.json(out);
    },
  );
}

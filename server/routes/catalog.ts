// GET /api/v1/catalog?host=H: the labelled series a host reports (name, labels, unit, title,
// first/last seen), so the page draws interface, disk, IPVS, ARP and plugin charts only for
// hosts that have them, with the units plugins declared.
import { Hono } from 'hono';
import { unitOf } from '../../protocol/metrics.ts';
import { findHost } from '../query/entities.ts';
import { MAX_CATALOG_SERIES, requireParam } from '../query/params.ts';
import { declareQuery } from './input.ts';
import { statement } from '../db/statements.ts';
import type { AppDeps } from '../deps.ts';
import type { CatalogAnswer } from '../query/source.ts';

export function catalogRoute({ db }: AppDeps) {
  const sqlite = db.$client;
  return new Hono().get('/', declareQuery<'host'>(), (c) => {
    const host = findHost(sqlite, requireParam('host', c.req.query('host')));
    const rows = statement(
      sqlite,
      'SELECT name, labels, unit, title, first_seen, last_seen FROM series WHERE host_id = ? ORDER BY name, labels LIMIT ?',
    ).all(host.id, MAX_CATALOG_SERIES + 1) as {
      name: string;
      labels: string;
      unit: string | null;
      title: string | null;
      first_seen: number;
      last_seen: number;
    }[];
    // A host of a few hundred series is usual; past the bound, the first ones and a flag.
    const truncated = rows.length > MAX_CATALOG_SERIES;
    return c.json<CatalogAnswer>({
      host: host.name,
      ...(truncated ? { truncated: true, limit: MAX_CATALOG_SERIES } : {}),
      series: rows.slice(0, MAX_CATALOG_SERIES).map((r) => ({
        name: r.name,
        labels: JSON.parse(r.labels) as Record<string, string>,
        unit: r.unit ?? unitOf(r.name) ?? null,
        title: r.title,
        first_seen: r.first_seen,
        last_seen: r.last_seen,
      })),
    });
  });
}

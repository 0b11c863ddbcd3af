// The SQL views over the wide sample tables, for people who open the SQLite file: a row per
// sample with its host (and container) by name, its time as text, and a column per catalogue
// metric. Views live in migrations (drizzle's schema language cannot say them), so a
// migration that adds a core metric ends by making its view again with these statements
// (npm run db:generate appends them: scripts/db-generate.ts); test/catalogue.test.ts checks the migrated
// views against them.
import { CONTAINER_METRIC_NAMES, HOST_METRIC_NAMES } from '../../protocol/metrics.ts';

export type MetricView = 'host_metrics' | 'container_metrics';

/** Each view, the sample table it reads, and the columns before the metrics. */
export const METRIC_VIEWS: Record<MetricView, { table: string; leading: readonly string[] }> = {
  host_metrics: { table: 'host_samples', leading: ['host', 'time', 'ts'] },
  container_metrics: {
    table: 'container_samples',
    leading: ['host', 'container', 'image', 'compose_project', 'compose_service', 'time', 'ts'],
  },
};

/** A view's columns: who and when, then every catalogue metric of its kind in catalogue order. */
export function viewColumns(view: MetricView): string[] {
  const metrics = view === 'host_metrics' ? HOST_METRIC_NAMES : CONTAINER_METRIC_NAMES;
  return [...METRIC_VIEWS[view].leading, ...metrics];
}

const TIME = "strftime('%Y-%m-%dT%H:%M:%SZ', s.ts, 'unixepoch') AS time";

/** DROP and CREATE of one view, as migration statements (drizzle-kit's breakpoints between them). */
export function metricViewSql(view: MetricView): string {
  const select =
    view === 'host_metrics'
      ? `SELECT h.name AS host, ${TIME}, s.ts, ${HOST_METRIC_NAMES.map((m) => `s.${m}`).join(', ')}
  FROM host_samples s JOIN hosts h ON h.id = s.host_id`
      : `SELECT h.name AS host, c.name AS container, c.image, c.compose_project, c.compose_service,
         ${TIME}, s.ts, ${CONTAINER_METRIC_NAMES.map((m) => `s.${m}`).join(', ')}
  FROM container_samples s JOIN containers c ON c.id = s.container_id JOIN hosts h ON h.id = c.host_id`;
  return `DROP VIEW ${view};\n--> statement-breakpoint\nCREATE VIEW ${view} AS\n  ${select};\n`;
}

// The SQL views over the wide sample tables, for people who open the SQLite file: names
// instead of ids, the time as text, and plain numbers (the tables hold integers in units of
// each metric's step, and rollups sums and distances: db/sample-layout.ts). host_metrics and
// container_metrics are the raw samples, a column per catalogue metric; the same names with
// _1m, _5m and _1h are the rollups, a row per bucket with the samples it holds and each
// metric's mean, min and max. Views live in migrations (drizzle's schema language cannot say
// them), so a migration that adds a core metric ends by making its views again with these
// statements (npm run db:generate appends them: scripts/db-generate.ts); test/catalogue.test.ts
// checks the migrated views against them.
import { CONTAINER_METRIC_NAMES, HOST_METRIC_NAMES } from '../../protocol/metrics.ts';
import { ROLLUP_TIERS, tableOf, type TierName } from '../rollup/tiers.ts';
import { reading, type CoreKind } from './sample-layout.ts';

const TIERS: TierName[] = ['raw', ...ROLLUP_TIERS.map((t) => t.name)];

export type MetricView = `${'host' | 'container'}_metrics${'' | '_1m' | '_5m' | '_1h'}`;

interface ViewDef {
  kind: CoreKind;
  tier: TierName;
  /** The sample table it reads. */
  table: string;
  /** The columns before the metrics. */
  leading: readonly string[];
}

const LEADING: Record<CoreKind, readonly string[]> = {
  host: ['host', 'time', 'ts'],
  container: ['host', 'container', 'image', 'compose_project', 'compose_service', 'time', 'ts'],
};

/** Each view, the sample table it reads, and the columns before the metrics. */
export const METRIC_VIEWS = Object.fromEntries(
  (['host', 'container'] as const).flatMap((kind) =>
    TIERS.map((tier) => [
      `${kind}_metrics${tier === 'raw' ? '' : `_${tier}`}`,
      {
        kind,
        tier,
        table: tableOf(kind, tier),
        leading: tier === 'raw' ? LEADING[kind] : [...LEADING[kind], 'samples'],
      },
    ]),
  ),
) as Record<MetricView, ViewDef>;

/** A view's columns: who and when, then every catalogue metric of its kind in catalogue order (with min and max in rollups). */
export function viewColumns(view: MetricView): string[] {
  const { kind, tier, leading } = METRIC_VIEWS[view];
  const metrics = kind === 'host' ? HOST_METRIC_NAMES : CONTAINER_METRIC_NAMES;
  return [...leading, ...(tier === 'raw' ? metrics : metrics.flatMap((m) => [m, `${m}_min`, `${m}_max`]))];
}

const TIME = "strftime('%Y-%m-%dT%H:%M:%SZ', s.ts, 'unixepoch') AS time";

function metricColumns(kind: CoreKind, tier: TierName): string {
  const rollup = tier !== 'raw';
  const names = kind === 'host' ? HOST_METRIC_NAMES : CONTAINER_METRIC_NAMES;
  return names
    .map((m) => {
      const r = reading(kind, m, rollup, 's.');
      return rollup ? `${r.avg} AS ${m}, ${r.min} AS ${m}_min, ${r.max} AS ${m}_max` : `${r.avg} AS ${m}`;
    })
    .join(', ');
}

/** CREATE VIEW of one view (a single statement). */
export function createViewSql(view: MetricView): string {
  const { kind, tier, table } = METRIC_VIEWS[view];
  const samples = tier === 'raw' ? '' : 's.n AS samples, ';
  const cols = `${TIME}, s.ts, ${samples}${metricColumns(kind, tier)}`;
  return kind === 'host'
    ? `CREATE VIEW ${view} AS\n  SELECT h.name AS host, ${cols}\n  FROM ${table} s JOIN hosts h ON h.id = s.host_id`
    : `CREATE VIEW ${view} AS\n  SELECT h.name AS host, c.name AS container, c.image, c.compose_project, c.compose_service,\n         ${cols}\n  FROM ${table} s JOIN containers c ON c.id = s.container_id JOIN hosts h ON h.id = c.host_id`;
}

/** DROP and CREATE of one view, as migration statements (drizzle-kit's breakpoints between them). */
export function metricViewSql(view: MetricView): string {
  return `DROP VIEW IF EXISTS ${view};\n--> statement-breakpoint\n${createViewSql(view)};\n`;
}

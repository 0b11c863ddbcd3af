// `npm run db:generate [-- --name NAME]`: drizzle-kit generate (its flags passed on), then a
// new migration that adds columns to host_samples or container_samples gets the statements
// that make that table's view again with the new metric (server/db/views.ts). So adding a core
// metric is the catalogue entry and one generated migration.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRIC_VIEWS, metricViewSql, type MetricView } from '../server/db/views.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MIGRATIONS = path.join(REPO, 'migrations');

/** The views a migration's SQL needs made again: those over a table it adds a column to, not yet made again there. */
export function viewsToRefresh(sql: string): MetricView[] {
  return (Object.keys(METRIC_VIEWS) as MetricView[]).filter(
    (view) =>
      new RegExp(`ALTER TABLE \`${METRIC_VIEWS[view].table}\` ADD`).test(sql) &&
      !new RegExp(`CREATE VIEW ${view}\\b`).test(sql),
  );
}

const newest = () =>
  fs
    .readdirSync(MIGRATIONS)
    .filter((f) => /^\d{4}_.*\.sql$/.test(f))
    .sort()
    .at(-1);

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const before = newest();
  execFileSync(
    process.execPath,
    [path.join(REPO, 'node_modules/drizzle-kit/bin.cjs'), 'generate', ...process.argv.slice(2)],
    {
      cwd: REPO,
      stdio: 'inherit',
    },
  );
  const made = newest();
  if (made && made !== before) {
    const file = path.join(MIGRATIONS, made);
    const sql = fs.readFileSync(file, 'utf8');
    const views = viewsToRefresh(sql);
    if (views.length) {
      const tail = views.map(metricViewSql).join('--> statement-breakpoint\n');
      fs.writeFileSync(file, `${sql.trimEnd()}--> statement-breakpoint\n${tail}`);
      console.log(`${made}: makes ${views.join(' and ')} again with the catalogue's columns`);
    }
  }
}

// Writes the migration that moves host and container samples from REAL columns (and
// avg/min/max/n per metric in rollups) into server/db/sample-layout.ts's integers: each table
// made again WITHOUT ROWID and filled from the old one, then the views over them (raw and,
// new, per rollup tier). A rollup's old mean times its count gives the sum, to within half a
// step of the mean. drizzle-kit generate would ask about each of ~300 columns whether it was
// renamed and then copy them by name, so this writes the migration itself: the SQL from
// here, the snapshot from drizzle-kit's own API over server/db/schema.ts, and the journal
// entry. `npx tsx scripts/sample-layout-migration.ts NAME` (or with no NAME: print the SQL).
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { generateSQLiteDrizzleJson } from 'drizzle-kit/api';
import * as schema from '../server/db/schema.ts';
import { MIGRATIONS_DIR } from '../server/db/open.ts';
import {
  rawValueColumns,
  rollupValueColumns,
  STORED,
  truncatedMean,
  type CoreKind,
} from '../server/db/sample-layout.ts';
import { KINDS, ROLLUP_TIERS, tableOf, type TierName } from '../server/rollup/tiers.ts';
import { METRIC_VIEWS, metricViewSql, type MetricView } from '../server/db/views.ts';

const BREAK = '\n--> statement-breakpoint\n';

/** round(old * scale) as an integer, the old REAL in plain units. */
const toStored = (expr: string, step: number) =>
  `CAST(round(${expr}${step === 1 ? '' : step < 1 ? ` * ${Math.round(1 / step)}` : ` / ${step}`}) AS INTEGER)`;

function create(kind: CoreKind, tier: TierName, table: string): string {
  const key = KINDS[kind].key;
  const cols = tier === 'raw' ? rawValueColumns(kind) : rollupValueColumns(kind);
  const defs = cols.map((c) =>
    c === 'nulls' ? '`nulls` text' : c === 'n' ? '`n` integer NOT NULL' : `\`${c}\` integer`,
  );
  return `CREATE TABLE \`${table}\` (\n\t\`${key}\` integer NOT NULL,\n\t\`ts\` integer NOT NULL,\n\t${defs.join(',\n\t')},\n\tPRIMARY KEY(\`${key}\`, \`ts\`)\n) WITHOUT ROWID`;
}

function copy(kind: CoreKind, tier: TierName, from: string, to: string): string {
  const key = KINDS[kind].key;
  const ms = STORED[kind];
  if (tier === 'raw') {
    return `INSERT INTO \`${to}\` SELECT ${key}, ts, ${ms.map((m) => toStored(m.metric, m.step)).join(', ')} FROM \`${from}\``;
  }
  // The old row's counts per metric; n is the largest (the rows of the bucket that had any value).
  const n = `max(${ms.map((m) => `coalesce(${m.metric}_n, 0)`).join(', ')})`;
  const sum = (m: (typeof ms)[number]) =>
    `CASE WHEN ${m.metric}_n > 0 THEN ${toStored(`${m.metric}_avg * ${m.metric}_n`, m.step)} END`;
  const named = ms
    .map(
      (m) =>
        `CASE WHEN ${m.metric}_n > 0 AND ${m.metric}_n < n THEN '"${m.column}":' || (n - ${m.metric}_n) || ',' ELSE '' END`,
    )
    .join(' || ');
  const values = ms.flatMap((m) => {
    const mean = truncatedMean(`s_${m.column}`, `${m.metric}_n`);
    return [
      `s_${m.column}`,
      `${mean} - ${toStored(`${m.metric}_min`, m.step)}`,
      `${toStored(`${m.metric}_max`, m.step)} - ${mean}`,
    ];
  });
  return `INSERT INTO \`${to}\` SELECT ${key}, ts, n, '{' || nullif(rtrim(${named}, ','), '') || '}', ${values.join(', ')}
  FROM (SELECT *, ${n} AS n, ${ms.map((m) => `${sum(m)} AS s_${m.column}`).join(', ')} FROM \`${from}\`)`;
}

export function migrationSql(): string {
  const out: string[] = [];
  const views = Object.keys(METRIC_VIEWS) as MetricView[];
  for (const v of views) out.push(`DROP VIEW IF EXISTS ${v}`);
  for (const kind of ['host', 'container'] as const) {
    for (const tier of ['raw', ...ROLLUP_TIERS.map((t) => t.name)] as TierName[]) {
      const table = tableOf(kind, tier);
      const next = `__new_${table}`;
      out.push(create(kind, tier, next), copy(kind, tier, table, next), `DROP TABLE \`${table}\``);
      out.push(`ALTER TABLE \`${next}\` RENAME TO \`${table}\``);
    }
  }
  const body = out.join(`;${BREAK}`) + `;${BREAK}`;
  return body + views.map(metricViewSql).join(BREAK.slice(1));
}

/** Writes migrations/NNNN_NAME.sql, its snapshot and its journal entry; returns the tag. */
async function writeMigration(name: string): Promise<string> {
  const meta = path.join(MIGRATIONS_DIR, 'meta');
  const journal = JSON.parse(fs.readFileSync(path.join(meta, '_journal.json'), 'utf8')) as {
    entries: { idx: number; version: string; when: number; tag: string; breakpoints: boolean }[];
  };
  const last = journal.entries.at(-1)!;
  const prev = JSON.parse(fs.readFileSync(path.join(meta, `${last.tag.slice(0, 4)}_snapshot.json`), 'utf8')) as {
    id: string;
  };
  const idx = last.idx + 1;
  const tag = `${String(idx).padStart(4, '0')}_${name}`;
  const snapshot = await generateSQLiteDrizzleJson(schema as Record<string, unknown>, prev.id);
  fs.writeFileSync(path.join(meta, `${tag.slice(0, 4)}_snapshot.json`), `${JSON.stringify(snapshot, null, 2)}\n`);
  journal.entries.push({ idx, version: last.version, when: Date.now(), tag, breakpoints: true });
  fs.writeFileSync(path.join(meta, '_journal.json'), `${JSON.stringify(journal, null, 2)}\n`);
  fs.writeFileSync(path.join(MIGRATIONS_DIR, `${tag}.sql`), migrationSql());
  return tag;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const name = process.argv[2];
  if (!name) process.stdout.write(migrationSql());
  else console.log(`wrote migrations/${await writeMigration(name)}.sql`);
}

// Renders the generated tables of the README (agent and server flags), docs/metrics.md (the
// metric catalogue) and docs/prometheus.md (Prometheus names, the server's own health metrics)
// from the code that defines them, between `<!-- NAME:start -->` and `<!-- NAME:end -->` markers.
// `npx tsx scripts/docs.ts` rewrites them; test/readme.test.ts fails when one is stale.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST_METRICS, CONTAINER_METRICS, SERIES_METRICS } from '../protocol/metrics.ts';
import { markdownTable } from '../lib/options.ts';
import { AGENT_OPTIONS } from '../agent/config.ts';
import { SERVER_OPTIONS } from '../server/config.ts';
import { CONTAINER_LABELS, PROM_INFO, PROM_METRICS } from '../protocol/prometheus.ts';
import { SELF_METRICS } from '../server/prometheus/health.ts';

const cell = (s: string) => s.replace(/\|/g, '\\|');

export function generatedSections(): Record<string, string> {
  const metricRows = (kind: string, list: readonly { name: string; unit: string; help: string }[]) =>
    list.map((m) => `| ${kind} | \`${m.name}\` | ${m.unit} | ${cell(m.help)} |`);
  const metrics = [
    '| entity | metric | unit | meaning |',
    '|---|---|---|---|',
    ...metricRows('host', HOST_METRICS),
    ...metricRows('container', CONTAINER_METRICS),
  ].join('\n');
  const series = [
    '| series | labels | unit | meaning |',
    '|---|---|---|---|',
    ...SERIES_METRICS.map(
      (s) => `| \`${s.name}\` | ${s.labels.map((l) => `\`${l}\``).join(', ') || '—'} | ${s.unit} | ${cell(s.help)} |`,
    ),
  ].join('\n');
  const code = (xs: readonly string[]) => xs.map((x) => `\`${x}\``).join(', ');
  const own = { host: ['host'], container: [...CONTAINER_LABELS], series: ['host', '(container)'] } as const;
  const prometheus = [
    '| Prometheus name | labels | Berth name | meaning |',
    '|---|---|---|---|',
    ...PROM_METRICS.map(
      (m) =>
        `| \`${m.prom}\` | ${code([...own[m.kind], ...m.labels])} | ${m.kind === 'series' ? 'series' : m.kind} \`${m.name}\` | ${cell(m.help)} |`,
    ),
    ...Object.values(PROM_INFO).map((i) => `| \`${i.prom}\` | ${code(i.labels)} | — | ${cell(i.help)} |`),
  ].join('\n');
  const health = [
    '| name | type | labels | meaning |',
    '|---|---|---|---|',
    ...Object.values(SELF_METRICS).map(
      (m) => `| \`${m.name}\` | ${m.type} | ${code(m.labels) || '—'} | ${cell(m.help)} |`,
    ),
  ].join('\n');
  return {
    metrics,
    series,
    'agent-flags': markdownTable(AGENT_OPTIONS),
    'server-flags': markdownTable(SERVER_OPTIONS),
    'prometheus-names': prometheus,
    'berth-health': health,
  };
}

/** The generated sections each file holds, by path in the repository. */
export const GENERATED_IN: Record<string, readonly string[]> = {
  'docs/metrics.md': ['metrics', 'series'],
  'README.md': ['agent-flags', 'server-flags'],
  'docs/prometheus.md': ['prometheus-names', 'berth-health'],
};

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const README = path.join(REPO, 'README.md');

/** `text`, the content of `file`, with its generated sections rendered afresh. */
export function renderGenerated(file: string, text: string): string {
  const sections = generatedSections();
  let out = text;
  for (const name of GENERATED_IN[file] ?? []) {
    const re = new RegExp(`(<!-- ${name}:start -->)[\\s\\S]*?(<!-- ${name}:end -->)`);
    if (!re.test(out)) throw new Error(`${file} has no <!-- ${name}:start --> … <!-- ${name}:end --> section`);
    out = out.replace(re, (_m, a: string, b: string) => `${a}\n${sections[name]}\n${b}`);
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  for (const file of Object.keys(GENERATED_IN)) {
    const full = path.join(REPO, file);
    fs.writeFileSync(full, renderGenerated(file, fs.readFileSync(full, 'utf8')));
    console.log(`${file} tables regenerated`);
  }
}

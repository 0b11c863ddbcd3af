// Prometheus' text exposition format 0.0.4: `# HELP`, `# TYPE`, then each sample of the
// family on its own line, every line of a family together. Pure.

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type FamilyType = 'gauge' | 'counter' | 'histogram';

export interface ExpoSample {
  /** Appended to the family's name (`_bucket`, `_sum`, `_count` of a histogram). */
  suffix?: string;
  labels: readonly (readonly [string, string])[];
  value: number;
  /** Milliseconds since the epoch, when the value has a time of its own. */
  timestamp?: number;
}

export interface Family {
  name: string;
  help: string;
  type: FamilyType;
  samples: ExpoSample[];
}

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeValue = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** A number as Prometheus reads it (Go's ParseFloat): NaN, +Inf, -Inf, or JavaScript's own digits. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export function formatLabels(labels: readonly (readonly [string, string])[]): string {
  if (labels.length === 0) return '';
  let out = '{';
  for (let i = 0; i < labels.length; i++) {
    if (i) out += ',';
    out += `${labels[i][0]}="${escapeValue(labels[i][1])}"`;
  }
  return `${out}}`;
}

/** The families as one exposition; a family with no samples is left out. */
export function renderExposition(families: readonly Family[]): string {
  const parts: string[] = [];
  for (const f of families) {
    if (f.samples.length === 0) continue;
    parts.push(`# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`);
    for (const s of f.samples) {
      const ts = s.timestamp === undefined ? '' : ` ${Math.round(s.timestamp)}`;
      parts.push(`${f.name}${s.suffix ?? ''}${formatLabels(s.labels)} ${formatValue(s.value)}${ts}\n`);
    }
  }
  return parts.join('');
}

/** Bucket bounds and counts of a histogram as its samples (`_bucket` per bound and +Inf, `_sum`, `_count`). */
export function histogramSamples(
  labels: readonly (readonly [string, string])[],
  bounds: readonly number[],
  counts: readonly number[],
  sum: number,
  count: number,
): ExpoSample[] {
  const out: ExpoSample[] = [];
  let cumulative = 0;
  bounds.forEach((b, i) => {
    cumulative += counts[i];
    out.push({ suffix: '_bucket', labels: [...labels, ['le', formatValue(b)]], value: cumulative });
  });
  out.push({ suffix: '_bucket', labels: [...labels, ['le', '+Inf']], value: count });
  out.push({ suffix: '_sum', labels, value: sum });
  out.push({ suffix: '_count', labels, value: count });
  return out;
}

// The Mackerel agent plugin protocol, both halves:
// - metric output, one sample per line: "name<TAB>value<TAB>epoch" (mackerel-agent splits on any
//   whitespace, so this does too); anything else is a bad line, counted and never stored;
// - meta output, printed when MACKEREL_AGENT_PLUGIN_META=1: a "# mackerel-agent-plugin" line
//   (optionally "version=1") then JSON {"graphs": {KEY: {label, unit, metrics: [{name, label}]}}}.
//   A metric's full name is KEY + "." + metric name; in either part a whole segment "*" or "#"
//   matches one segment of [-a-zA-Z0-9_]+ ("#" also splits graphs per value), and "%1", "%2"…
//   in labels stand for what the wildcards matched (as Mackerel does).
import { METRIC_NAME_RE, METRIC_NAME_RULE, type Unit } from '../../protocol/metrics.ts';
import { clip } from '../clip.ts';
import { TEXT_MAX } from '../../protocol/constants.ts';

export interface PluginSample {
  name: string;
  value: number;
  /** The plugin's timestamp; Berth files samples under its own tick, as mackerel-agent does. */
  epoch: number;
}

export interface BadLine {
  /** 1-based line number in the plugin's output. */
  line: number;
  text: string;
  reason: string;
}

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
// Whole seconds, or with a fraction (Python's time.time()): mackerel-agent takes both.
const EPOCH_RE = /^\d{1,12}(?:\.\d*)?$/;

export function parsePluginOutput(stdout: string): { samples: PluginSample[]; bad: BadLine[] } {
  const samples: PluginSample[] = [];
  const bad: BadLine[] = [];
  const lines = stdout.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i].replace(/\r$/, '');
    if (text.trim() === '') continue;
    const f = text.trim().split(/\s+/);
    const reject = (reason: string) => bad.push({ line: i + 1, text: text.slice(0, 200), reason });
    // Fields past the third are ignored, as mackerel-agent does.
    if (f.length < 3) {
      reject(`expected name, value and epoch, got ${f.length} field(s)`);
      continue;
    }
    const [name, value, epoch] = f;
    if (!METRIC_NAME_RE.test(name)) {
      reject(`name: ${METRIC_NAME_RULE}`);
      continue;
    }
    const v = Number(value);
    if (!FLOAT_RE.test(value) || !Number.isFinite(v)) {
      reject(`value "${value}" is not a finite number`);
      continue;
    }
    if (!EPOCH_RE.test(epoch)) {
      reject(`epoch "${epoch}" is not epoch seconds`);
      continue;
    }
    samples.push({ name, value: v, epoch: Math.floor(Number(epoch)) });
  }
  return { samples, bad };
}

export interface PluginMetricDef {
  name: string;
  label?: string;
  stacked?: boolean;
}

export interface PluginGraphDef {
  label?: string;
  unit?: string;
  metrics: PluginMetricDef[];
}

export interface PluginMeta {
  graphs: Record<string, PluginGraphDef>;
}

const HEADER_RE = /^#\s*mackerel-agent-plugin\b(.*)$/;

/**
 * The meta a plugin printed, or undefined when its output does not start with the header
 * (plain scripts ignore MACKEREL_AGENT_PLUGIN_META and print metrics). Throws when the header
 * is there but what follows is not valid meta.
 */
export function parsePluginMeta(stdout: string): PluginMeta | undefined {
  const nl = stdout.indexOf('\n');
  const first = (nl === -1 ? stdout : stdout.slice(0, nl)).replace(/\r$/, '');
  const m = HEADER_RE.exec(first);
  if (!m) return undefined;
  const version = /(?:^|\s)version=(\S*)/.exec(m[1])?.[1] ?? '1';
  if (version !== '1') throw new Error(`unsupported plugin meta version "${version}"`);
  let json: unknown;
  try {
    // Only the first JSON value counts (mackerel-agent decodes one); what a plugin prints after it is not meta.
    json = JSON.parse(firstJsonValue(nl === -1 ? '' : stdout.slice(nl + 1)));
  } catch (err) {
    throw new Error(`meta JSON after the header does not parse: ${(err as Error).message}`);
  }
  const graphs = (json as { graphs?: unknown })?.graphs;
  if (typeof graphs !== 'object' || graphs === null || Array.isArray(graphs))
    throw new Error('meta JSON has no "graphs" object');
  const out: PluginMeta = { graphs: {} };
  for (const [key, g] of Object.entries(graphs as Record<string, unknown>)) {
    const def = g as { label?: unknown; unit?: unknown; metrics?: unknown };
    if (typeof def !== 'object' || def === null || !Array.isArray(def.metrics))
      throw new Error(`meta graph "${key}" has no "metrics" list`);
    const metrics: PluginMetricDef[] = [];
    for (const md of def.metrics as { name?: unknown; label?: unknown; stacked?: unknown }[]) {
      if (typeof md?.name !== 'string' || md.name === '')
        throw new Error(`meta graph "${key}" has a metric without a name`);
      metrics.push({
        name: md.name,
        label: typeof md.label === 'string' ? md.label : undefined,
        stacked: md.stacked === true,
      });
    }
    out.graphs[key] = {
      label: typeof def.label === 'string' ? def.label : undefined,
      unit: typeof def.unit === 'string' ? def.unit : undefined,
      metrics,
    };
  }
  return out;
}

/** The text of the first JSON object or array in `text` (through its matching bracket), or all of it when it opens neither. */
export function firstJsonValue(text: string): string {
  const start = text.search(/\S/);
  if (start < 0 || (text[start] !== '{' && text[start] !== '[')) return text;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if ((ch === '}' || ch === ']') && --depth === 0) return text.slice(start, i + 1);
  }
  return text;
}

/** Mackerel units to Berth's (protocol/metrics.ts); "float" means none; others pass through. */
const UNITS: Record<string, Unit | undefined> = {
  float: undefined,
  integer: 'count',
  percentage: 'pct',
  seconds: 'seconds',
  bytes: 'bytes',
  'bytes/sec': 'bytes_per_s',
  'bits/sec': 'bits_per_s',
  iops: 'per_s',
};

export function berthUnit(mackerelUnit: string | undefined): string | undefined {
  if (mackerelUnit === undefined || mackerelUnit === '') return undefined;
  // Own keys only: `in` would take "toString" for a unit of ours.
  return Object.hasOwn(UNITS, mackerelUnit) ? UNITS[mackerelUnit] : mackerelUnit;
}

/** What the web needs to title and scale one series (protocol/batch.ts `seriesMeta` values). */
export interface SeriesMetaEntry {
  label?: string;
  unit?: string;
  graph?: string;
}

interface Pattern {
  segs: string[];
  /** How many leading segments belong to the graph key. */
  keySegs: number;
  graph: PluginGraphDef;
  graphKey: string;
  metric: PluginMetricDef;
}

const SEGMENT_RE = /^[-a-zA-Z0-9_]+$/;
const isWild = (s: string) => s === '*' || s === '#';

export interface MetaIndex {
  lookup(seriesName: string): SeriesMetaEntry | undefined;
  /** Entries for every definition without wildcards. */
  exact(): Record<string, SeriesMetaEntry>;
}

function entryFor(p: Pattern, nameSegs: string[]): SeriesMetaEntry {
  const matched = p.segs.flatMap((s, i) => (isWild(s) ? [nameSegs[i]] : []));
  const fill = (t: string) => t.replace(/%(\d)/g, (all, d: string) => matched[Number(d) - 1] ?? all);
  const hashes = p.segs.slice(0, p.keySegs).flatMap((s, i) => (s === '#' ? [nameSegs[i]] : []));
  let graph: string;
  if (p.graph.label) {
    graph = fill(p.graph.label);
    if (hashes.length && !/%\d/.test(p.graph.label)) graph += ` (${hashes.join('.')})`;
  } else {
    graph = p.segs
      .slice(0, p.keySegs)
      .map((s, i) => (s === '#' ? nameSegs[i] : s))
      .join('.');
  }
  const metricPart = nameSegs.slice(p.keySegs).join('.');
  const label = p.metric.label ? fill(p.metric.label) : metricPart;
  // A longer value would get the whole batch refused: clipped to what the protocol takes.
  const e: SeriesMetaEntry = { label: clip(label, TEXT_MAX.metaLabel), graph: clip(graph, TEXT_MAX.metaGraph) };
  const unit = berthUnit(p.graph.unit);
  if (unit !== undefined) e.unit = clip(unit, TEXT_MAX.metaUnit);
  return e;
}

export function indexMeta(meta: PluginMeta): MetaIndex {
  const exact = new Map<string, SeriesMetaEntry>();
  const wild: Pattern[] = [];
  for (const [graphKey, graph] of Object.entries(meta.graphs)) {
    const keySegs = graphKey.split('.').length;
    for (const metric of graph.metrics) {
      const segs = `${graphKey}.${metric.name}`.split('.');
      const p: Pattern = { segs, keySegs, graph, graphKey, metric };
      if (segs.some(isWild)) wild.push(p);
      // Only a name a series can have: a longer or odder one never matches, and the server
      // would refuse the whole batch for it.
      else if (METRIC_NAME_RE.test(segs.join('.'))) exact.set(segs.join('.'), entryFor(p, segs));
    }
  }
  // Most literal segments first, so "a.b.c" beats "a.*.c" beats "a.*.*".
  wild.sort((x, y) => y.segs.filter((s) => !isWild(s)).length - x.segs.filter((s) => !isWild(s)).length);
  return {
    lookup(name) {
      const hit = exact.get(name);
      if (hit) return hit;
      const ns = name.split('.');
      for (const p of wild) {
        if (p.segs.length !== ns.length) continue;
        if (p.segs.every((s, i) => (isWild(s) ? SEGMENT_RE.test(ns[i]) : s === ns[i]))) return entryFor(p, ns);
      }
      return undefined;
    },
    exact: () => Object.fromEntries(exact),
  };
}

// Snapshots (one object per tick, as the agent samples them and v1 sends them) turned into
// columns (each entity once, its times and one array per metric, as v2 sends them and the
// server stores them). Pure; types only from batch.ts, so the agent bundle stays free of zod.
import type {
  Batch,
  ColumnBatch,
  ContainerColumns,
  ContainerEvent,
  ProcessRow,
  SeriesColumns,
  Snapshot,
} from './batch.ts';
import { COLUMNS_VERSION } from './constants.ts';

type Column = (number | null)[];

const IDENTITY = ['image', 'state', 'compose_project', 'compose_service', 'labels'] as const;

/** A container's identity fields (image, state, labels) as `from` has them: one it lacks is gone. */
function takeIdentity(
  into: Partial<Record<(typeof IDENTITY)[number], unknown>>,
  from: Partial<Record<(typeof IDENTITY)[number], unknown>>,
): void {
  for (const k of IDENTITY) {
    if (from[k] !== undefined) into[k] = from[k];
    else delete into[k];
  }
}

/** Appends value at row `row` of a column that so far has `rows - 1` rows, padding with null. */
function put(cols: Record<string, Column>, name: string, rows: number, value: number): void {
  let col = cols[name];
  if (!col) col = cols[name] = [];
  while (col.length < rows - 1) col.push(null);
  col.push(value);
}

function pad(cols: Record<string, Column>, rows: number): void {
  for (const name in cols) while (cols[name].length < rows) cols[name].push(null);
}

/** Label set key: name plus labels in key order, so equal series meet in one entry. */
function seriesKey(name: string, labels: Record<string, string>, container: string | undefined): string {
  const keys = Object.keys(labels).sort();
  return JSON.stringify([name, container ?? null, ...keys.map((k) => [k, labels[k]])]);
}

/**
 * The snapshots' samples as columns. A container keeps one entry per Docker id, so a container
 * recreated under the same name within the batch gives two entries, each with its own times;
 * identity fields (image, state, labels) are the newest snapshot's for that id.
 */
export function snapshotsToColumns(
  snapshots: readonly Snapshot[],
): Pick<ColumnBatch, 'host' | 'containers' | 'series' | 'events' | 'processes'> {
  const host = { ts: [] as number[], metrics: {} as Record<string, Column> };
  const containers = new Map<string, ContainerColumns & { newest: number }>();
  const series = new Map<string, SeriesColumns>();
  const events: ContainerEvent[] = [];
  const processes: ProcessRow[] = [];
  for (const snap of snapshots) {
    if (snap.events) for (const e of snap.events) events.push(e);
    for (const p of snap.processes ?? []) processes.push({ ts: snap.ts, ...p });
    const hostNames = Object.keys(snap.host);
    if (hostNames.length) {
      host.ts.push(snap.ts);
      for (const n of hostNames) put(host.metrics, n, host.ts.length, snap.host[n]);
    }
    for (const c of snap.containers) {
      const key = JSON.stringify([c.name, c.id]);
      let e = containers.get(key);
      if (!e) {
        e = { id: c.id, name: c.name, ts: [], metrics: {}, newest: -Infinity };
        containers.set(key, e);
      }
      if (snap.ts >= e.newest) {
        e.newest = snap.ts;
        takeIdentity(e, c);
      }
      e.ts.push(snap.ts);
      for (const n in c.metrics) put(e.metrics, n, e.ts.length, c.metrics[n]);
      // A sample with no metrics still says the container was there.
      pad(e.metrics, e.ts.length);
    }
    for (const s of snap.series) {
      const key = seriesKey(s.name, s.labels, s.container);
      let e = series.get(key);
      if (!e) {
        e = { name: s.name, labels: s.labels, ts: [], values: [] };
        if (s.container !== undefined) e.container = s.container;
        series.set(key, e);
      }
      e.ts.push(snap.ts);
      e.values.push(s.value);
    }
  }
  pad(host.metrics, host.ts.length);
  const out: Pick<ColumnBatch, 'host' | 'containers' | 'series' | 'events' | 'processes'> = {
    containers: [...containers.values()].map(({ newest: _newest, ...c }) => {
      pad(c.metrics, c.ts.length);
      return c;
    }),
    series: [...series.values()],
  };
  if (host.ts.length) out.host = host;
  // Only when there are any: a batch without them is what agents before events sent.
  if (events.length) out.events = events;
  if (processes.length) out.processes = processes;
  return out;
}

/** A v1 batch as the v2 batch it stands for. */
export function toColumnBatch(b: Batch): ColumnBatch {
  const out: ColumnBatch = {
    v: COLUMNS_VERSION,
    batch_id: b.batch_id,
    agent: b.agent,
    ...snapshotsToColumns(b.snapshots),
  };
  if (b.meta) out.meta = b.meta;
  return out;
}

type Entities = Pick<ColumnBatch, 'host' | 'containers' | 'series' | 'processes'> & { events?: ColumnBatch['events'] };

/** Each entity's times with the path of that array, for messages (`containers.3.ts`). */
function timeArrays(b: Entities): [number[], string][] {
  const out: [number[], string][] = [];
  if (b.host) out.push([b.host.ts, 'host.ts']);
  b.containers.forEach((c, i) => out.push([c.ts, `containers.${i}.ts`]));
  b.series.forEach((x, i) => out.push([x.ts, `series.${i}.ts`]));
  return out;
}

/** The process rows' times, each with its path (`processes.7.ts`). */
function processTimes(b: Entities): [number, string][] {
  return (b.processes ?? []).map((p, i) => [p.ts, `processes.${i}.ts`]);
}

/** Oldest and newest time in a batch and how many distinct times (ticks) it holds; null when none. */
export function timeSpan(b: Entities): { min: number; max: number; ticks: number } | null {
  let min = Infinity;
  let max = -Infinity;
  const seen = new Set<number>();
  for (const [ts] of timeArrays(b)) {
    for (const t of ts) {
      if (t < min) min = t;
      if (t > max) max = t;
      seen.add(t);
    }
  }
  for (const [t] of processTimes(b)) {
    if (t < min) min = t;
    if (t > max) max = t;
    seen.add(t);
  }
  return seen.size ? { min, max, ticks: seen.size } : null;
}

/** Where the first time later than `limit` is (`containers.3.ts.5`, `events.2.ts`), or undefined when none is. */
export function firstTimeAfter(b: Entities, limit: number): string | undefined {
  for (const [ts, path] of timeArrays(b)) {
    const i = ts.findIndex((t) => t > limit);
    if (i >= 0) return `${path}.${i}`;
  }
  const e = b.events?.findIndex((x) => x.ts > limit) ?? -1;
  if (e >= 0) return `events.${e}.ts`;
  return processTimes(b).find(([t]) => t > limit)?.[1];
}

/** Rows a batch holds: one per entity per time. */
export function batchRows(b: Entities): number {
  let n = b.host?.ts.length ?? 0;
  for (const c of b.containers) n += c.ts.length;
  for (const s of b.series) n += s.ts.length;
  return n + (b.processes?.length ?? 0);
}

type Columns = { ts: number[]; metrics: Record<string, Column> };

/**
 * Appends `from`'s times and columns to `into`: a metric only one side has is null on the
 * other's rows. Own keys only, set as data: a name such as `constructor` or `__proto__` (from
 * a file this agent did not write) is a column like any other, for the server to judge.
 */
function append(into: Columns, from: Columns): void {
  const before = into.ts.length;
  for (const t of from.ts) into.ts.push(t);
  for (const name of Object.keys(from.metrics)) {
    let col = Object.hasOwn(into.metrics, name) ? into.metrics[name] : undefined;
    if (!col) {
      col = new Array<number | null>(before).fill(null);
      Object.defineProperty(into.metrics, name, { value: col, enumerable: true, writable: true, configurable: true });
    }
    for (const v of from.metrics[name]) col.push(v);
  }
  pad(into.metrics, into.ts.length);
}

/**
 * Batches of one agent (the same `agent` in each), oldest first, as one batch with the id
 * given: each entity's times and columns in the order the parts hold them (a metric a part
 * lacks is null on its rows), a container's identity fields (image, state, labels) from the
 * newest part that holds it, as snapshotsToColumns takes the newest snapshot's; `meta` merged,
 * the newer part's entry winning; the parts' events one after the other. Equal entities meet
 * in one entry as they do in one batch: a container by name and Docker id, a series by name,
 * container and labels.
 */
export function mergeColumnBatches(parts: readonly ColumnBatch[], batchId: string): ColumnBatch {
  if (parts.length === 0) throw new Error('nothing to merge');
  const host: Columns = { ts: [], metrics: {} };
  const containers = new Map<string, ContainerColumns>();
  const series = new Map<string, SeriesColumns>();
  let meta: ColumnBatch['meta'];
  const events: ContainerEvent[] = [];
  const processes: ProcessRow[] = [];
  for (const p of parts) {
    if (p.events) for (const e of p.events) events.push(e);
    if (p.processes) for (const r of p.processes) processes.push(r);
    if (p.host) append(host, p.host);
    for (const c of p.containers) {
      const key = JSON.stringify([c.name, c.id]);
      const e = containers.get(key);
      if (!e) {
        // A copy: the parts stay as they were.
        const copy: ContainerColumns = { ...c, ts: [], metrics: {} };
        append(copy, c);
        containers.set(key, copy);
        continue;
      }
      append(e, c);
      takeIdentity(e, c);
    }
    for (const s of p.series) {
      const key = seriesKey(s.name, s.labels, s.container);
      const e = series.get(key);
      if (!e) series.set(key, { ...s, ts: [...s.ts], values: [...s.values] });
      else {
        for (const t of s.ts) e.ts.push(t);
        for (const v of s.values) e.values.push(v);
      }
    }
    if (p.meta) meta = { ...meta, ...p.meta };
  }
  const out: ColumnBatch = {
    v: COLUMNS_VERSION,
    batch_id: batchId,
    agent: parts[0].agent,
    containers: [...containers.values()],
    series: [...series.values()],
  };
  if (host.ts.length) out.host = host;
  if (processes.length) out.processes = processes;
  if (meta) out.meta = meta;
  if (events.length) out.events = events;
  return out;
}

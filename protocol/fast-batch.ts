// A hand-written check of the ordinary, valid batch (v1 snapshots or v2 columns), about ten times faster than the zod schema
// in protocol/batch.ts, which costs more than storing the rows. It accepts only what that
// schema accepts and returns what it would return (defaults filled in); anything unusual — an
// unknown key, a null, a value out of range — gives undefined, and the caller asks zod, so
// refusals and their messages stay zod's. protocol/fast-batch.test.ts holds it to that.
// Free of zod (types only from batch.ts), so the agent's catch-up reads its spool with it too.
import type { Batch, ColumnBatch } from './batch.ts';
import {
  COLUMNS_VERSION,
  SNAPSHOTS_VERSION,
  MIN_TS,
  MAX_INTERVAL_SECONDS,
  MAX_TICKS,
  MAX_BATCH_CONTAINERS,
  MAX_BATCH_SERIES,
  MAX_SNAPSHOTS,
  MAX_SNAPSHOT_CONTAINERS,
  MAX_SNAPSHOT_SERIES,
  MAX_EVENTS,
  MAX_EVENT_ATTRS,
  MAX_LABELS,
  TEXT_MAX,
  isHostName,
  MAX_TOP,
  MAX_PROCESS_ROWS,
  MAX_PID,
} from './constants.ts';
import { METRIC_NAME_RE } from './metrics.ts';
import { EVENT_TYPE_RE } from './events.ts';

type Obj = Record<string, unknown>;

const BATCH_KEYS = new Set(['v', 'batch_id', 'agent', 'snapshots', 'meta']);
const AGENT_KEYS = new Set(['host', 'machine_id', 'version', 'interval']);
const SNAPSHOT_KEYS = new Set(['ts', 'host', 'containers', 'series', 'events', 'processes']);
const CONTAINER_KEYS = new Set([
  'id',
  'name',
  'image',
  'state',
  'compose_project',
  'compose_service',
  'labels',
  'metrics',
]);
const SERIES_KEYS = new Set(['name', 'labels', 'container', 'value']);
const PROCESS_KEYS = new Set([
  'pid',
  'name',
  'command',
  'user',
  'container',
  'cpu_pct',
  'mem_bytes',
  'read_bps',
  'write_bps',
]);
const PROCESS_ROW_KEYS = new Set([...PROCESS_KEYS, 'ts']);
const META_KEYS = new Set(['label', 'unit', 'graph']);
const EVENT_KEYS = new Set([
  'ts',
  'ns',
  'type',
  'id',
  'name',
  'image',
  'exit_code',
  'signal',
  'health',
  'compose_project',
  'compose_service',
  'attrs',
]);
const BATCH_ID_RE = /^[A-Za-z0-9_-]+$/;

/** Every element passes (a for loop: Array.every would skip holes). */
function all(xs: unknown[], ok: (x: unknown) => boolean): boolean {
  for (let i = 0; i < xs.length; i++) if (!ok(xs[i])) return false;
  return true;
}

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Own keys all in `allowed` (zod would strip the others; we let it). */
function keysIn(o: Obj, allowed: Set<string>): boolean {
  for (const k in o) if (!allowed.has(k)) return false;
  return true;
}

function str(x: unknown, min: number, max: number): boolean {
  return typeof x === 'string' && x.length >= min && x.length <= max;
}

/** A finite number that is not negative. */
function amount(x: unknown): boolean {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}

/** A top process (v1 sample or, with `ts`, a v2 row). */
function processSample(x: unknown, keys: Set<string>): boolean {
  if (!isObj(x) || !keysIn(x, keys)) return false;
  const pid = x.pid;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid < 0 || pid > MAX_PID) return false;
  if (!str(x.name, 0, 64) || !str(x.command, 0, 1024) || !optStr(x, 'user', 64) || !optStr(x, 'container', 256))
    return false;
  if (!amount(x.mem_bytes)) return false;
  for (const k of ['cpu_pct', 'read_bps', 'write_bps']) if (k in x && !amount(x[k])) return false;
  return true;
}

/** Absent, or a string of at most `max`. */
function optStr(o: Obj, k: string, max: number): boolean {
  return !(k in o) || str(o[k], 0, max);
}

/** Metric names already seen to pass METRIC_NAME_RE: the same few dozen recur in every row. */
const goodNames = new Set<string>();

function metricName(k: string): boolean {
  if (goodNames.has(k)) return true;
  // '__proto__' would behave differently once copied: zod's business.
  if (k === '__proto__' || !METRIC_NAME_RE.test(k)) return false;
  if (goodNames.size >= 10_000) goodNames.clear();
  goodNames.add(k);
  return true;
}

function metrics(x: unknown): boolean {
  if (!isObj(x)) return false;
  for (const k in x) {
    const v = x[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || !metricName(k)) return false;
  }
  return true;
}

function labels(x: unknown): boolean {
  if (!isObj(x)) return false;
  let n = 0;
  for (const k in x) {
    if (++n > MAX_LABELS || k.length > TEXT_MAX.labelKey || k === '__proto__' || !str(x[k], 0, TEXT_MAX.labelValue))
      return false;
  }
  return true;
}

/** A container's id, name, image, state and Compose names within their limits. */
function identity(x: Obj): boolean {
  return (
    str(x.id, 1, TEXT_MAX.containerId) &&
    str(x.name, 1, TEXT_MAX.containerName) &&
    optStr(x, 'image', TEXT_MAX.image) &&
    optStr(x, 'state', TEXT_MAX.state) &&
    optStr(x, 'compose_project', TEXT_MAX.compose) &&
    optStr(x, 'compose_service', TEXT_MAX.compose)
  );
}

function container(x: unknown): boolean {
  return (
    isObj(x) && keysIn(x, CONTAINER_KEYS) && identity(x) && (!('labels' in x) || labels(x.labels)) && metrics(x.metrics)
  );
}

function series(x: unknown): boolean {
  if (!isObj(x) || !keysIn(x, SERIES_KEYS) || typeof x.name !== 'string' || !metricName(x.name)) return false;
  if (typeof x.value !== 'number' || !Number.isFinite(x.value) || !optStr(x, 'container', TEXT_MAX.containerName))
    return false;
  if (!('labels' in x)) x.labels = {};
  return labels(x.labels);
}

function int(x: unknown, min: number, max: number): boolean {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= min && x <= max;
}

function attrs(x: unknown): boolean {
  if (!isObj(x)) return false;
  let n = 0;
  for (const k in x) {
    if (
      ++n > MAX_EVENT_ATTRS ||
      k.length > TEXT_MAX.eventAttrKey ||
      k === '__proto__' ||
      !str(x[k], 0, TEXT_MAX.eventAttrValue)
    )
      return false;
  }
  return true;
}

function event(x: unknown): boolean {
  return (
    isObj(x) &&
    keysIn(x, EVENT_KEYS) &&
    int(x.ts, MIN_TS, Number.MAX_SAFE_INTEGER) &&
    int(x.ns, 0, 999_999_999) &&
    typeof x.type === 'string' &&
    EVENT_TYPE_RE.test(x.type) &&
    str(x.id, 1, TEXT_MAX.containerId) &&
    str(x.name, 1, TEXT_MAX.containerName) &&
    optStr(x, 'image', TEXT_MAX.image) &&
    (!('exit_code' in x) || int(x.exit_code, -2_147_483_648, 4_294_967_295)) &&
    (!('signal' in x) || int(x.signal, 0, 255)) &&
    optStr(x, 'health', TEXT_MAX.state) &&
    optStr(x, 'compose_project', TEXT_MAX.compose) &&
    optStr(x, 'compose_service', TEXT_MAX.compose) &&
    (!('attrs' in x) || attrs(x.attrs))
  );
}

/** Absent, or a list of valid events within the protocol's bound. */
function events(o: Obj): boolean {
  if (!('events' in o)) return true;
  return Array.isArray(o.events) && o.events.length <= MAX_EVENTS && all(o.events, event);
}

function snapshot(x: unknown): boolean {
  if (!isObj(x) || !keysIn(x, SNAPSHOT_KEYS)) return false;
  if (typeof x.ts !== 'number' || !Number.isSafeInteger(x.ts) || x.ts < MIN_TS) return false;
  if (!('host' in x)) x.host = {};
  else if (!metrics(x.host)) return false;
  if (!('containers' in x)) x.containers = [];
  else if (
    !Array.isArray(x.containers) ||
    x.containers.length > MAX_SNAPSHOT_CONTAINERS ||
    !all(x.containers, container)
  )
    return false;
  if (!('series' in x)) x.series = [];
  else if (!Array.isArray(x.series) || x.series.length > MAX_SNAPSHOT_SERIES || !all(x.series, series)) return false;
  if ('processes' in x) {
    const p = x.processes;
    if (!Array.isArray(p) || p.length > 3 * MAX_TOP || !all(p, (r) => processSample(r, PROCESS_KEYS))) return false;
  }
  return events(x);
}

function agent(x: unknown): boolean {
  if (
    !isObj(x) ||
    !keysIn(x, AGENT_KEYS) ||
    typeof x.host !== 'string' ||
    !isHostName(x.host) ||
    !optStr(x, 'machine_id', TEXT_MAX.machineId) ||
    !optStr(x, 'version', TEXT_MAX.version)
  )
    return false;
  if (!('interval' in x)) return true;
  return (
    typeof x.interval === 'number' &&
    Number.isFinite(x.interval) &&
    x.interval > 0 &&
    x.interval <= MAX_INTERVAL_SECONDS
  );
}

function meta(x: unknown): boolean {
  if (!isObj(x)) return false;
  for (const k in x) {
    const m = x[k];
    if (k.length > TEXT_MAX.metaName || k === '__proto__' || !isObj(m) || !keysIn(m, META_KEYS)) return false;
    if (
      !optStr(m, 'label', TEXT_MAX.metaLabel) ||
      !optStr(m, 'unit', TEXT_MAX.metaUnit) ||
      !optStr(m, 'graph', TEXT_MAX.metaGraph)
    )
      return false;
  }
  return true;
}

/**
 * The batch, when `json` (fresh from JSON.parse; defaults are filled in place) is an ordinary
 * valid one; undefined when the zod schema must decide.
 */
export function fastBatch(json: unknown): Batch | undefined {
  if (!isObj(json) || !keysIn(json, BATCH_KEYS) || json.v !== SNAPSHOTS_VERSION) return undefined;
  const id = json.batch_id;
  if (!str(id, 8, 64) || !BATCH_ID_RE.test(id as string) || !agent(json.agent)) return undefined;
  const snaps = json.snapshots;
  if (!Array.isArray(snaps) || snaps.length < 1 || snaps.length > MAX_SNAPSHOTS || !all(snaps, snapshot))
    return undefined;
  if ('meta' in json && !meta(json.meta)) return undefined;
  return json as unknown as Batch;
}

// v2: columns.
const COLUMN_BATCH_KEYS = new Set([
  'v',
  'batch_id',
  'agent',
  'host',
  'containers',
  'series',
  'processes',
  'meta',
  'events',
]);
const HOST_COLUMN_KEYS = new Set(['ts', 'metrics']);
const CONTAINER_COLUMN_KEYS = new Set([
  'id',
  'name',
  'image',
  'state',
  'compose_project',
  'compose_service',
  'labels',
  'ts',
  'metrics',
]);
const SERIES_COLUMN_KEYS = new Set(['name', 'labels', 'container', 'ts', 'values']);

function times(x: unknown): x is number[] {
  if (!Array.isArray(x) || x.length < 1 || x.length > MAX_TICKS) return false;
  for (let i = 0; i < x.length; i++) {
    const t = x[i];
    if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < MIN_TS) return false;
  }
  return true;
}

/** Finite numbers or null, exactly `n` of them. */
function column(x: unknown, n: number): boolean {
  if (!Array.isArray(x) || x.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v))) return false;
  }
  return true;
}

function metricColumns(x: unknown, n: number): boolean {
  if (!isObj(x)) return false;
  for (const k in x) if (!metricName(k) || !column(x[k], n)) return false;
  return true;
}

function hostColumns(x: unknown): boolean {
  return isObj(x) && keysIn(x, HOST_COLUMN_KEYS) && times(x.ts) && metricColumns(x.metrics, x.ts.length);
}

function containerColumns(x: unknown): boolean {
  return (
    isObj(x) &&
    keysIn(x, CONTAINER_COLUMN_KEYS) &&
    identity(x) &&
    (!('labels' in x) || labels(x.labels)) &&
    times(x.ts) &&
    metricColumns(x.metrics, x.ts.length)
  );
}

function seriesColumns(x: unknown): boolean {
  if (!isObj(x) || !keysIn(x, SERIES_COLUMN_KEYS) || typeof x.name !== 'string' || !metricName(x.name)) return false;
  if (!optStr(x, 'container', TEXT_MAX.containerName) || !times(x.ts) || !column(x.values, x.ts.length)) return false;
  if (!('labels' in x)) x.labels = {};
  return labels(x.labels);
}

/** The v2 batch, when `json` is an ordinary valid one (defaults filled in place); else undefined. */
export function fastColumnBatch(json: unknown): ColumnBatch | undefined {
  if (!isObj(json) || !keysIn(json, COLUMN_BATCH_KEYS) || json.v !== COLUMNS_VERSION) return undefined;
  const id = json.batch_id;
  if (!str(id, 8, 64) || !BATCH_ID_RE.test(id as string) || !agent(json.agent)) return undefined;
  if ('host' in json && !hostColumns(json.host)) return undefined;
  if (!('containers' in json)) json.containers = [];
  else if (
    !Array.isArray(json.containers) ||
    json.containers.length > MAX_BATCH_CONTAINERS ||
    !all(json.containers, containerColumns)
  )
    return undefined;
  if (!('series' in json)) json.series = [];
  else if (!Array.isArray(json.series) || json.series.length > MAX_BATCH_SERIES || !all(json.series, seriesColumns))
    return undefined;
  if ('processes' in json) {
    const p = json.processes;
    const row = (r: unknown) => processSample(r, PROCESS_ROW_KEYS) && times([(r as Obj).ts]);
    if (!Array.isArray(p) || p.length > MAX_PROCESS_ROWS || !all(p, row)) return undefined;
  }
  if ('meta' in json && !meta(json.meta)) return undefined;
  if (!events(json)) return undefined;
  if (
    !('host' in json) &&
    (json.containers as unknown[]).length === 0 &&
    (json.series as unknown[]).length === 0 &&
    !((json.events as unknown[] | undefined)?.length ?? 0) &&
    ((json.processes as unknown[] | undefined)?.length ?? 0) === 0
  )
    return undefined;
  return json as unknown as ColumnBatch;
}

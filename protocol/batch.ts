// The wire contract between agent and server: one batch = one POST to /api/v1/ingest.
// What a batch holds: the host's core metrics, each container's core metrics, and any number
// of labelled series (per interface, per disk, per mount, IPVS, ARP, plugins), over one or
// more sampling ticks. Two shapes, told apart by `v`:
//  - v2 (what the agent sends): columns per entity, each entity once with its own times and
//    one array per metric (null where a metric was not sampled). An entity's name, id and
//    labels travel once per batch, not once per tick: a third of v1's bytes to parse.
//  - v1: one object per tick (`snapshots`), kept for older agents and the batches in their
//    spools. protocol/columns.ts turns one into the other.
// The server validates with these schemas; the agent builds values of these types.
import { z } from 'zod';
import { METRIC_NAME_RE, METRIC_NAME_RULE } from './metrics.ts';
import {
  PROTOCOL_VERSION,
  COLUMNS_VERSION,
  SNAPSHOTS_VERSION,
  MAX_FUTURE_SECONDS,
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
  HOST_NAME_RULE,
  isHostName,
  MAX_TOP,
  MAX_PROCESS_ROWS,
  MAX_PID,
} from './constants.ts';
import { EVENT_TYPE_RE } from './events.ts';

export { PROTOCOL_VERSION, COLUMNS_VERSION, SNAPSHOTS_VERSION, MAX_FUTURE_SECONDS, MIN_TS, MAX_EVENTS };

const finite = z.number().refine(Number.isFinite, { message: 'must be a finite number (no NaN or Infinity)' });
const text = (max: number) => z.string().max(max);

/** name → value; names outside the catalogue are kept and stored as series. */
export const metricValues = z.record(
  z.string().regex(METRIC_NAME_RE, { message: `metric names: ${METRIC_NAME_RULE}` }),
  finite,
);

export const labels = z
  .record(text(TEXT_MAX.labelKey), text(TEXT_MAX.labelValue))
  .refine((l) => Object.keys(l).length <= MAX_LABELS, { message: `at most ${MAX_LABELS} labels` });

export const containerSample = z.object({
  id: z.string().min(1).max(TEXT_MAX.containerId),
  name: z.string().min(1).max(TEXT_MAX.containerName),
  image: text(TEXT_MAX.image).optional(),
  state: text(TEXT_MAX.state).optional(),
  compose_project: text(TEXT_MAX.compose).optional(),
  compose_service: text(TEXT_MAX.compose).optional(),
  labels: labels.optional(),
  metrics: metricValues,
});

export const seriesSample = z.object({
  name: z.string().regex(METRIC_NAME_RE, { message: `series names: ${METRIC_NAME_RULE}` }),
  labels: labels.default({}),
  /** Container name this series belongs to, if any. */
  container: text(TEXT_MAX.containerName).optional(),
  value: finite,
});

const timestamp = z.number().int().min(MIN_TS, { message: 'timestamp before 2000 (epoch seconds expected)' });

/**
 * A container event (protocol/events.ts): when the engine says it happened (epoch seconds and
 * the nanoseconds within that second, so the engine's timeNano is kept exactly), its type and
 * the container's id and name then, with what the engine said about it.
 */
export const containerEvent = z.object({
  ts: timestamp,
  ns: z.number().int().min(0).max(999_999_999),
  type: z.string().regex(EVENT_TYPE_RE, { message: 'lower-case letters and _ (max 32)' }),
  id: z.string().min(1).max(TEXT_MAX.containerId),
  name: z.string().min(1).max(TEXT_MAX.containerName),
  image: text(TEXT_MAX.image).optional(),
  exit_code: z.number().int().min(-2_147_483_648).max(4_294_967_295).optional(),
  signal: z.number().int().min(0).max(255).optional(),
  health: text(TEXT_MAX.state).optional(),
  compose_project: text(TEXT_MAX.compose).optional(),
  compose_service: text(TEXT_MAX.compose).optional(),
  attrs: z
    .record(text(TEXT_MAX.eventAttrKey), text(TEXT_MAX.eventAttrValue))
    .refine((a) => Object.keys(a).length <= MAX_EVENT_ATTRS, { message: `at most ${MAX_EVENT_ATTRS} attributes` })
    .optional(),
});

const eventList = z.array(containerEvent).max(MAX_EVENTS);

const amount = finite.refine((v) => v >= 0, { message: 'must not be negative' });

/** One of a tick's top processes (by CPU, memory or storage I/O). */
export const processSample = z.object({
  pid: z.number().int().min(0).max(MAX_PID),
  /** The executable's name (comm, at most 15 bytes on Linux). */
  name: text(64),
  /** Its command line, or [name] for a kernel thread. */
  command: text(1024),
  user: text(64).optional(),
  /** Name of the container it runs in. */
  container: text(256).optional(),
  /** 100 = one full core; absent on the first tick a process is seen. */
  cpu_pct: amount.optional(),
  mem_bytes: amount,
  read_bps: amount.optional(),
  write_bps: amount.optional(),
});

export const snapshot = z.object({
  ts: timestamp,
  host: metricValues.default({}),
  containers: z.array(containerSample).max(MAX_SNAPSHOT_CONTAINERS).default([]),
  series: z.array(seriesSample).max(MAX_SNAPSHOT_SERIES).default([]),
  /** Container events the agent saw since the tick before (in the agent; v1 batches may carry them too). */
  events: eventList.optional(),
  processes: z
    .array(processSample)
    .max(3 * MAX_TOP)
    .optional(),
});

export const agentInfo = z.object({
  host: z.string().refine(isHostName, `not a host name (${HOST_NAME_RULE})`),
  machine_id: text(TEXT_MAX.machineId).optional(),
  version: text(TEXT_MAX.version).optional(),
  interval: z.number().positive().max(MAX_INTERVAL_SECONDS).optional(),
});

/** Units and titles a plugin declared (Mackerel graph definitions), keyed by series name. */
export const seriesMeta = z.record(
  text(TEXT_MAX.metaName),
  z.object({
    label: text(TEXT_MAX.metaLabel).optional(),
    unit: text(TEXT_MAX.metaUnit).optional(),
    graph: text(TEXT_MAX.metaGraph).optional(),
  }),
);

const batchId = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, { message: 'letters, digits, _ and - only' });

/** v1: one object per tick. */
export const batch = z.object({
  v: z.literal(SNAPSHOTS_VERSION),
  batch_id: batchId,
  agent: agentInfo,
  snapshots: z.array(snapshot).min(1).max(MAX_SNAPSHOTS),
  meta: seriesMeta.optional(),
});

// v2: columns. Every metric array is as long as its entity's `ts`; null = not sampled then.
const times = z.array(timestamp).min(1).max(MAX_TICKS);
const column = z.array(finite.nullable()).max(MAX_TICKS);
const metricColumns = z.record(
  z.string().regex(METRIC_NAME_RE, { message: `metric names: ${METRIC_NAME_RULE}` }),
  column,
);
const sameLength = (ts: number[], cols: Record<string, unknown[]>, ctx: z.RefinementCtx, at: string[]) => {
  for (const [name, col] of Object.entries(cols)) {
    if (col.length !== ts.length) {
      ctx.addIssue({
        code: 'custom',
        path: [...at, name],
        message: `${col.length} values for ${ts.length} timestamps (one per ts, null where not sampled)`,
      });
    }
  }
};

export const hostColumns = z
  .object({ ts: times, metrics: metricColumns })
  .superRefine((h, ctx) => sameLength(h.ts, h.metrics, ctx, ['metrics']));

export const containerColumns = containerSample
  .omit({ metrics: true })
  .extend({ ts: times, metrics: metricColumns })
  .superRefine((c, ctx) => sameLength(c.ts, c.metrics, ctx, ['metrics']));

export const seriesColumns = seriesSample
  .omit({ value: true })
  .extend({ ts: times, values: column })
  .superRefine((s, ctx) => sameLength(s.ts, { values: s.values }, ctx, []));

/** A process row of a v2 batch: one of its tick's top processes, with that tick's time. */
export const processRow = processSample.extend({ ts: timestamp });

export const columnBatch = z
  .object({
    v: z.literal(COLUMNS_VERSION),
    batch_id: batchId,
    agent: agentInfo,
    host: hostColumns.optional(),
    containers: z.array(containerColumns).max(MAX_BATCH_CONTAINERS).default([]),
    series: z.array(seriesColumns).max(MAX_BATCH_SERIES).default([]),
    processes: z.array(processRow).max(MAX_PROCESS_ROWS).optional(),
    meta: seriesMeta.optional(),
    /** Container events, oldest first (absent from agents before events). */
    events: eventList.optional(),
  })
  .refine(
    (b) =>
      b.host !== undefined ||
      b.containers.length > 0 ||
      b.series.length > 0 ||
      (b.events?.length ?? 0) > 0 ||
      (b.processes?.length ?? 0) > 0,
    { message: 'no samples: a batch holds host, containers, series, processes (with their ts) or events' },
  );

/** A v1 batch (snapshots). */
export type Batch = z.infer<typeof batch>;
/** A v2 batch (columns), what the agent sends. */
export type ColumnBatch = z.infer<typeof columnBatch>;
export type ContainerColumns = z.infer<typeof containerColumns>;
export type SeriesColumns = z.infer<typeof seriesColumns>;
export type BatchInput = z.input<typeof batch>;
export type Snapshot = z.infer<typeof snapshot>;
export type ContainerSample = z.infer<typeof containerSample>;
export type SeriesSample = z.infer<typeof seriesSample>;
export type ProcessSample = z.infer<typeof processSample>;
export type ProcessRow = z.infer<typeof processRow>;
export type MetricValues = z.infer<typeof metricValues>;
export type ContainerEvent = z.infer<typeof containerEvent>;

/** Turn a zod error into one line that names every offending field path. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.length ? i.path.join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}

/** One row of GET /api/v1/processes. */
export interface ProcessRowOut {
  pid: number;
  name: string;
  command: string;
  user: string | null;
  container: string | null;
  /** 100 = one core; null on a process's first tick. */
  cpu_pct: number | null;
  mem_bytes: number;
  read_bps: number | null;
  write_bps: number | null;
}

/** Response of GET /api/v1/processes: a host's top processes at a moment. */
export interface ProcessesResponse {
  host: string;
  /** The tick shown, or null when the host reported no processes near the moment asked. */
  ts: number | null;
  rows: ProcessRowOut[];
}

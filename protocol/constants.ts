// Facts the agent, the server and the page share without pulling in the validation library:
// protocol versions, time bounds, the host-name rule, and how much one batch or one query may
// hold. The agent clips to these limits, the server checks them, the page stays within them.
/** v2: a batch carries columns per entity (see protocol/columns.ts); what the agent sends. */
export const COLUMNS_VERSION = 2;
/** v1: a batch carries one object per snapshot; still accepted (older agents, their spools). */
export const SNAPSHOTS_VERSION = 1;
export const PROTOCOL_VERSION = COLUMNS_VERSION;

/** At most one day ahead of the server's clock; earlier than 2000-01-01 is a broken clock. */
export const MAX_FUTURE_SECONDS = 86_400;
export const MIN_TS = 946_684_800;
/** An agent's sampling interval at most (a day). */
export const MAX_INTERVAL_SECONDS = 86_400;

/**
 * A host whose clock is off the server's by more than this (s) is marked on the page: its
 * samples are stored as its clock stamped them, so its lines are drawn that much early or late.
 */
export const CLOCK_OFF_SECONDS = 30;

/** v2: an entity's times in one batch at most (the agent's catch-up merges within it). */
export const MAX_TICKS = 10_000;
/** v2: containers and labelled series one batch may carry (also checked before the schema runs: ingest's overlong). */
export const MAX_BATCH_CONTAINERS = 50_000;
export const MAX_BATCH_SERIES = 100_000;
/** v1: snapshots one batch may carry, and containers and series one snapshot may. */
export const MAX_SNAPSHOTS = 10_000;
export const MAX_SNAPSHOT_CONTAINERS = 5000;
export const MAX_SNAPSHOT_SERIES = 100_000;

/**
 * Longest strings a batch may carry, by field, and labels per sample: the server refuses a
 * batch with more, so the agent clips what Docker or a plugin gives it to these. (Metric and
 * series names: METRIC_NAME_RE in metrics.ts.)
 */
export const TEXT_MAX = {
  containerId: 128,
  /** A container's name, and the container a labelled series belongs to. */
  containerName: 256,
  image: 512,
  state: 32,
  /** compose_project and compose_service. */
  compose: 256,
  labelKey: 128,
  labelValue: 1024,
  machineId: 128,
  version: 64,
  /** A plugin's declared series (meta): the name it is keyed by, its label, unit and graph. */
  metaName: 256,
  metaLabel: 256,
  metaUnit: 32,
  metaGraph: 256,
  /** A container event's attributes (what the engine said beside its type). */
  eventAttrKey: 64,
  eventAttrValue: 1024,
} as const;
export const MAX_LABELS = 32;

/** Container events one batch may carry (the agent spreads a burst over later batches). */
export const MAX_EVENTS = 10_000;
/** Attributes one container event may carry. */
export const MAX_EVENT_ATTRS = 16;

/**
 * The host-name rule: what an agent may report (its --host, by default the machine's
 * hostname) and what a token may be issued for.
 *  - ASCII letters, digits, `-` (RFC 1123) and `_` (real names carry it: Windows machines,
 *    Compose services used as hostnames), in parts separated by single dots; upper case is
 *    kept as given, as the kernel keeps it.
 *  - It starts and ends with a letter or digit: `.` and `..` would be folder steps in the
 *    page's addresses (/host/..), a leading `-` reads as a flag on the command line
 *    (`token add -x`), and a trailing dot (DNS's root) would make `web.` a second host beside
 *    `web`. An empty part (`a..b`) is a typo, never a name.
 *  - At most 253 characters, the longest name DNS can carry (RFC 1035: 255 octets on the wire).
 */
export const HOST_NAME_MAX = 253;
export const HOST_NAME_RULE = `letters, digits, - and _ in parts joined by single dots, starting and ending with a letter or digit, at most ${HOST_NAME_MAX} characters`;
const HOST_NAME_RE = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

export function isHostName(name: string): boolean {
  return name.length <= HOST_NAME_MAX && HOST_NAME_RE.test(name) && !name.includes('..');
}

/**
 * Containers one /container-series answer may hold (named, or seen in the range): the page
 * draws at most this many per chart, in one request.
 */
export const MAX_QUERY_CONTAINERS = 500;
/** Hosts one /api/v1/hosts page may hold (limit=); without a limit the answer holds every host. */
export const MAX_HOSTS_PAGE = 1000;
/** Running containers a host's summary in /api/v1/hosts?view=summary lists: its busiest by CPU. */
export const SUMMARY_CONTAINERS = 5;
/** Hosts one /host-series answer may hold (the overview asks for every host's sparkline at once). */
export const MAX_QUERY_HOSTS = 2000;
/** Labelled series one /series answer may hold (names asked, and series they match). */
export const MAX_QUERY_SERIES = 500;

/** Top processes per list (--top) at most, so per tick 3 × this many rows (CPU, memory, I/O). */
export const MAX_TOP = 100;
/** Process rows a v2 batch may hold (a catch-up batch holds hundreds of ticks). */
export const MAX_PROCESS_ROWS = 200_000;
/** PID_MAX_LIMIT on 64-bit Linux (2^22): no pid is larger. */
export const MAX_PID = 4_194_304;

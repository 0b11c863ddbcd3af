// Container lifecycle events, the facts agent, server and page share: the types the agent
// sends (normalised from the Docker Engine's and Podman's event streams), the cause the server
// derives for a `die` or a `start`, signal names, the words the page says for each event, and
// the answers of GET /api/v1/events. Pure and free of zod (the agent bundle and the page take it).

/** Event types, as the agent sends and the `events` table stores them. */
export const EVENT_TYPES = [
  'create',
  'start',
  'restart',
  'die',
  'oom',
  'kill',
  'stop',
  'pause',
  'unpause',
  'health_status',
  'rename',
  'destroy',
  'deploy',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * What a type on the wire may look like: a type a newer agent knows and this server does not
 * is stored, not refused (refusing would drop the batch's samples with it).
 */
export const EVENT_TYPE_RE = /^[a-z][a-z_]{0,31}$/;

/** One line per type, for the README and the API's documentation. */
export const EVENT_HELP: Record<EventType, string> = {
  create: 'the container was created',
  start:
    'it started; `cause` is `restart` when the same container had died before (a restart policy, `docker restart`)',
  restart: '`docker restart` (or the API call) finished',
  die: 'its main process ended; `exit_code`, and `cause`: `oom`, `kill` (stopped or killed through the engine: `docker stop`, `kill`, `rm -f`, a Compose recreate, an engine shutdown) or `exit` (ended on its own: a crash or a finished job)',
  oom: "the kernel's OOM killer killed a process of it (Docker only; Podman does not report it)",
  kill: 'a signal was sent through the engine (`signal`)',
  stop: '`docker stop` finished',
  pause: 'it was paused',
  unpause: 'it was unpaused',
  health_status: 'its health check result changed (`health`: `healthy`, `unhealthy`, `starting`)',
  rename: 'it was renamed (`attrs.old_name`)',
  destroy: 'it was removed',
  deploy:
    'another container took this name with another image, or the same tag naming another image id (`image`; `attrs.previous_image`, `attrs.previous_image_id`, `attrs.image_id`): a redeploy',
};

/** Why a container died (`die`) or started (`start`), as the server derives it from the events before it. */
export type EventCause = 'oom' | 'kill' | 'exit' | 'restart';

/**
 * A `kill` this long before a `die` (since the container's last start) makes the death asked
 * for: `docker stop` waits 10 s by default before its SIGKILL, Compose's stop_grace_period
 * a few minutes at most.
 */
export const KILL_CAUSE_WINDOW_S = 300;

/** Linux signal numbers by name, for `kill` events that name their signal. */
export const SIGNALS: Readonly<Record<string, number>> = {
  HUP: 1,
  INT: 2,
  QUIT: 3,
  ILL: 4,
  TRAP: 5,
  ABRT: 6,
  BUS: 7,
  FPE: 8,
  KILL: 9,
  USR1: 10,
  SEGV: 11,
  USR2: 12,
  PIPE: 13,
  ALRM: 14,
  TERM: 15,
  STKFLT: 16,
  CHLD: 17,
  CONT: 18,
  STOP: 19,
  TSTP: 20,
  TTIN: 21,
  TTOU: 22,
  URG: 23,
  XCPU: 24,
  XFSZ: 25,
  VTALRM: 26,
  PROF: 27,
  WINCH: 28,
  IO: 29,
  PWR: 30,
  SYS: 31,
};

/** "SIGTERM" for 15; the number when it has no name. */
export function signalName(n: number): string {
  for (const [name, v] of Object.entries(SIGNALS)) if (v === n) return `SIG${name}`;
  return String(n);
}

/** An event as GET /api/v1/events answers it (and the `container_events` view shows it). */
export interface EventRecord {
  /** Row id: grows with every event stored, so "newer than id N" finds what arrived since. */
  id: number;
  /** When it happened, epoch seconds with the engine's sub-second part (microseconds). */
  ts: number;
  /** The same, ISO 8601 UTC with milliseconds. */
  time: string;
  host: string;
  container: string;
  container_id: string;
  type: string;
  exit_code: number | null;
  signal: number | null;
  health: string | null;
  cause: EventCause | null;
  image: string | null;
  compose_project: string | null;
  compose_service: string | null;
  /** The engine's attributes worth keeping that have no column (old_name, previous_image, pod_id, …). */
  attrs: Record<string, string>;
}

export interface EventsResponse {
  events: EventRecord[];
  /** More matched than `limit`: these are the newest. */
  truncated: boolean;
}

/** Per container over a range: what its row on the page says. */
export interface ContainerEventSummary {
  /** Starts after an earlier death of the same container (restart policy, `docker restart`). */
  restarts: number;
  ooms: number;
  /** The newest death in the range. */
  last_exit: { ts: number; exit_code: number | null; cause: EventCause | null } | null;
  /** The newest health result in the range. */
  health: string | null;
}

export interface EventSummaryResponse {
  from: number;
  to: number;
  containers: Record<string, ContainerEventSummary>;
}

type Describable = Pick<EventRecord, 'type' | 'exit_code' | 'signal' | 'health' | 'cause' | 'image' | 'attrs'>;

/** What the page says for an event, in a few words ("OOM-killed", "exited 137", "new image nginx:1.27"). */
export function eventText(e: Describable): string {
  switch (e.type) {
    case 'oom':
      return 'OOM-killed';
    case 'die': {
      const code = e.exit_code === null ? 'exited' : `exited ${e.exit_code}`;
      if (e.cause === 'kill') return `${code} (stopped)`;
      if (e.cause === 'oom') return `${code} (OOM)`;
      return code;
    }
    case 'health_status':
      return e.health === 'healthy' || e.health === 'unhealthy' ? e.health : `health ${e.health ?? 'unknown'}`;
    case 'start':
      return e.cause === 'restart' ? 'restarted' : 'started';
    case 'restart':
      return 'restarted (by request)';
    case 'deploy':
      return `new image ${e.image ?? 'unknown'}`;
    case 'kill':
      return e.signal === null ? 'sent a signal' : `sent ${signalName(e.signal)}`;
    case 'create':
      return 'created';
    case 'destroy':
      return 'removed';
    case 'stop':
      return 'stopped';
    case 'pause':
      return 'paused';
    case 'unpause':
      return 'unpaused';
    case 'rename':
      return e.attrs.old_name ? `renamed from ${e.attrs.old_name}` : 'renamed';
    default:
      return e.type;
  }
}

/** How much an event matters on a chart; undefined: not drawn there (it stays in the list). */
export function markerKind(e: Pick<EventRecord, 'type' | 'exit_code' | 'cause' | 'health'>): MarkerKind | undefined {
  switch (e.type) {
    case 'oom':
      return 'bad';
    case 'die':
      // A stop someone asked for is not news on a chart, and an OOM kill has its own mark.
      if (e.cause === 'kill' || e.cause === 'oom') return undefined;
      return e.exit_code === 0 ? 'info' : 'bad';
    case 'health_status':
      return e.health === 'unhealthy' ? 'warn' : e.health === 'healthy' ? 'ok' : undefined;
    case 'start':
      return e.cause === 'restart' ? 'warn' : undefined;
    case 'deploy':
      return 'info';
    default:
      return undefined;
  }
}

export type MarkerKind = 'bad' | 'warn' | 'ok' | 'info';

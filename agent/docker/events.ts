// Container events from the engine's event stream (GET /events), read and normalised: one JSON
// object per line as Docker and Podman's compatible API send it, turned into the protocol's
// container event (protocol/events.ts). Pure: the streaming reader is event-follower.ts.
//  - parseEventLine: one line → the engine's event, its timeNano exact (JSON numbers lose the
//    last digits of a nanosecond time, and `since` must ask from exactly there);
//  - normaliseEvent: the engine's action → Berth's type (Podman's `died`, `remove` and its
//    top-level HealthStatus included), exit code, signal, health, names and Compose labels;
//  - EventTracker: what needs memory, in the engine's order: the newest time seen (the next
//    `since`), each event once although a replay asked `since` it sends it again, health
//    results only when they change, and a deploy when another container takes a name with
//    another image.
import { clip } from '../clip.ts';
import type { ContainerEvent } from '../../protocol/batch.ts';
import { SIGNALS, type EventType } from '../../protocol/events.ts';
import { COMPOSE_PROJECT_LABEL, COMPOSE_SERVICE_LABEL } from './labels.ts';

/** An engine event as it came: what Berth reads of it, with the time exact. */
export interface EngineEvent {
  /** Nanoseconds since the epoch, exactly as the engine wrote them. */
  timeNano: bigint;
  /** `container`, `image`, `network`, … (the stream is asked for containers only). */
  type: string;
  action: string;
  id: string;
  attributes: Record<string, string>;
  /** Podman's compatible API puts a health result here rather than in the action. */
  healthStatus?: string;
}

/** A line longer than this is not an event (Actor attributes hold labels: a few KB at most). */
export const MAX_EVENT_LINE = 1024 * 1024;

const NS = 1_000_000_000n;

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * The top-level `"timeNano":DIGITS` of a line as Go's encoder writes it (no spaces). A string
 * value that holds the same text is written with its quotes escaped (`\"timeNano\":`), and an
 * attribute named timeNano has a string value: neither matches. The match must also be the
 * number JSON.parse read, so only the engine's own field is taken.
 */
function exactTimeNano(line: string, parsed: number): bigint | undefined {
  for (const m of line.matchAll(/"timeNano":(\d{1,20})(?=[,}])/g)) {
    if (Number(m[1]) === parsed) return BigInt(m[1]);
  }
  return undefined;
}

/** One line of the stream as the engine's event, or why it is not one. */
export function parseEventLine(line: string): { event: EngineEvent } | { error: string } {
  const text = line.trim();
  if (text.length > MAX_EVENT_LINE) return { error: `a line of ${text.length} bytes` };
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch {
    return { error: `not JSON: ${JSON.stringify(text.slice(0, 80))}` };
  }
  if (!isObj(o)) return { error: 'not a JSON object' };
  const actor = isObj(o.Actor) ? o.Actor : {};
  // API 1.22+ (Docker 1.10+) and every Podman: Type, Action, Actor; before that only status/id.
  const type = typeof o.Type === 'string' ? o.Type : 'container';
  const action = typeof o.Action === 'string' ? o.Action : typeof o.status === 'string' ? o.status : undefined;
  const id = typeof actor.ID === 'string' && actor.ID ? actor.ID : typeof o.id === 'string' ? o.id : undefined;
  if (!action) return { error: 'no Action' };
  if (!id) return { error: 'no Actor.ID' };
  let timeNano: bigint | undefined;
  if (typeof o.timeNano === 'number' && Number.isFinite(o.timeNano) && o.timeNano > 0)
    timeNano = exactTimeNano(text, o.timeNano) ?? BigInt(Math.round(o.timeNano));
  else if (typeof o.time === 'number' && Number.isSafeInteger(o.time) && o.time > 0) timeNano = BigInt(o.time) * NS;
  if (timeNano === undefined) return { error: 'no timeNano or time' };
  const attributes: Record<string, string> = {};
  if (isObj(actor.Attributes)) {
    for (const [k, v] of Object.entries(actor.Attributes)) if (typeof v === 'string') attributes[k] = v;
  }
  const event: EngineEvent = { timeNano, type, action, id, attributes };
  if (typeof o.HealthStatus === 'string' && o.HealthStatus) event.healthStatus = o.HealthStatus;
  return { event };
}

/** The engine's actions Berth keeps, by the type it stores them as; everything else (exec_*, attach, top, …) is left out. */
const ACTIONS: Record<string, EventType> = {
  create: 'create',
  start: 'start',
  restart: 'restart',
  die: 'die',
  // Podman's own name, still sent by its compatible API before 4.x and by its libpod API.
  died: 'die',
  oom: 'oom',
  kill: 'kill',
  stop: 'stop',
  pause: 'pause',
  unpause: 'unpause',
  health_status: 'health_status',
  rename: 'rename',
  destroy: 'destroy',
  // Podman's name for destroy.
  remove: 'destroy',
};

/** Engine attributes kept in `attrs` (the rest are the container's labels), by the name Berth gives them. */
const KEPT_ATTRIBUTES: Record<string, string> = {
  oldName: 'old_name',
  execDuration: 'exec_duration',
  podId: 'pod_id',
};

// Limits of protocol/batch.ts's containerEvent: a longer value is clipped, not refused.
const MAX = { id: 128, name: 256, image: 512, health: 32, compose: 256, attr: 1024 };

function int(text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined || !/^-?\d{1,10}$/.test(text.trim())) return undefined;
  const n = Number(text);
  return n >= min && n <= max ? n : undefined;
}

/** A signal as the engine writes it: "15", or a name ("SIGTERM", "TERM"). */
export function parseSignal(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = int(text, 0, 255);
  if (n !== undefined) return n;
  const name = text.trim().toUpperCase().replace(/^SIG/, '');
  return Object.hasOwn(SIGNALS, name) ? SIGNALS[name] : undefined;
}

/** The container's name without the leading '/' Docker puts on some (oldName); the short id when it has none. */
function nameOf(raw: string | undefined, id: string): string {
  const name = (raw ?? '').replace(/^\//, '');
  return clip(name || id.slice(0, 12), MAX.name);
}

/** The engine's event as Berth's, or undefined when it is not one Berth keeps. */
export function normaliseEvent(e: EngineEvent): ContainerEvent | undefined {
  if (e.type !== 'container') return undefined;
  // "health_status: unhealthy", "exec_start: sh -c …": the action is what comes before the colon.
  const colon = e.action.indexOf(':');
  const base = (colon >= 0 ? e.action.slice(0, colon) : e.action).trim();
  const type = Object.hasOwn(ACTIONS, base) ? ACTIONS[base] : undefined;
  if (!type) return undefined;
  const a = e.attributes;
  const out: ContainerEvent = {
    ts: Number(e.timeNano / NS),
    ns: Number(e.timeNano % NS),
    type,
    id: clip(e.id, MAX.id),
    name: nameOf(a.name, e.id),
  };
  if (a.image) out.image = clip(a.image, MAX.image);
  if (type === 'die') {
    // Podman ≥ 4 sends exitCode; its libpod API and older versions only containerExitCode.
    const code = int(a.exitCode ?? a.containerExitCode, -2_147_483_648, 4_294_967_295);
    if (code !== undefined) out.exit_code = code;
  }
  if (type === 'kill') {
    const signal = parseSignal(a.signal);
    if (signal !== undefined) out.signal = signal;
  }
  if (type === 'health_status') {
    const health = (colon >= 0 ? e.action.slice(colon + 1) : (e.healthStatus ?? a.health_status ?? '')).trim();
    if (!health) return undefined;
    out.health = clip(health, MAX.health);
  }
  const project = a[COMPOSE_PROJECT_LABEL];
  const service = a[COMPOSE_SERVICE_LABEL];
  if (project) out.compose_project = clip(project, MAX.compose);
  if (service) out.compose_service = clip(service, MAX.compose);
  const attrs: Record<string, string> = {};
  for (const [from, to] of Object.entries(KEPT_ATTRIBUTES)) {
    const v = a[from];
    if (v) attrs[to] = clip(to === 'old_name' ? v.replace(/^\//, '') : v, MAX.attr);
  }
  if (Object.keys(attrs).length) out.attrs = attrs;
  return out;
}

/** The `since` parameter for events from `timeNano` on: seconds and nanoseconds, as the engines take it. */
export function sinceParam(timeNano: bigint): string {
  return `${timeNano / NS}.${String(timeNano % NS).padStart(9, '0')}`;
}

/** The engine time of an event as the protocol carries it (seconds and nanoseconds). */
export function timeNanoOf(e: Pick<ContainerEvent, 'ts' | 'ns'>): bigint {
  return BigInt(e.ts) * NS + BigInt(e.ns);
}

/** A Map that forgets its oldest entries beyond `max`. */
class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) {
    super();
  }
  override set(k: K, v: V): this {
    // Re-inserted at the end: the entry touched last is kept longest.
    super.delete(k);
    super.set(k, v);
    if (this.size > this.max) super.delete(this.keys().next().value as K);
    return this;
  }
}

/** How many of each kind of memory the tracker keeps (a host has hundreds of containers, not this many). */
const REMEMBER = { keys: 4096, containers: 10_000 };

/**
 * The memory the stream needs, fed the engine's events in order. The newest time is the next
 * reconnection's `since`; the engine answers `since` with events at that very time too, and
 * those (and anything else already seen) are dropped here by (timeNano, id, action).
 */
export class EventTracker {
  /** The newest engine time seen (ns): events from here on are asked for again after a break. */
  cursor: bigint | undefined;
  private readonly seen = new BoundedMap<string, true>(REMEMBER.keys);
  private readonly health = new BoundedMap<string, string>(REMEMBER.containers);
  /** Who last held each name, and with which image. */
  private readonly names = new BoundedMap<string, { id: string; image: string | undefined }>(REMEMBER.containers);
  /** Each container's image id (sha256:…), where the engine was asked: a tag pulled anew keeps its name. */
  private readonly imageIds = new BoundedMap<string, string>(REMEMBER.containers);

  constructor(cursor?: bigint) {
    this.cursor = cursor;
  }

  /**
   * What the engine's container list or an inspect said of a container. A name already held
   * by events keeps what they said (they are newer than a list made after them).
   */
  know(c: { id: string; name?: string; image?: string; imageId?: string }): void {
    if (c.imageId) this.imageIds.set(c.id, c.imageId);
    if (c.name && !this.names.has(c.name)) this.names.set(c.name, { id: c.id, image: c.image });
  }

  /** True when the container's image id is worth asking for before its event is pushed. */
  wantsImageId(e: EngineEvent): boolean {
    return e.type === 'container' && e.action === 'create' && !this.imageIds.has(e.id);
  }

  /** The events to send for one engine event: none (left out, seen, unchanged health), it, or it and a deploy. */
  push(e: EngineEvent): ContainerEvent[] {
    const key = `${e.timeNano}\u0000${e.id}\u0000${e.action}`;
    if (this.seen.has(key)) return [];
    this.seen.set(key, true);
    if (this.cursor === undefined || e.timeNano > this.cursor) this.cursor = e.timeNano;
    const ev = normaliseEvent(e);
    if (!ev) return [];
    if (ev.type === 'health_status') {
      // Docker says a result only when it changes; Podman (before 5) after every check, and
      // "starting" while the first ones run: a change is what is news.
      if (ev.health === 'starting' || this.health.get(ev.id) === ev.health) return [];
      this.health.set(ev.id, ev.health!);
    }
    // A container that starts or stops has its health checked afresh.
    if (ev.type === 'start' || ev.type === 'die') this.health.delete(ev.id);
    const out = [ev];
    const before = this.names.get(ev.name);
    if ((ev.type === 'create' || ev.type === 'rename') && before && before.id !== ev.id && before.image && ev.image) {
      // Another image by name, or the same name pulled anew (nginx:latest, another id).
      const was = this.imageIds.get(before.id);
      const now = this.imageIds.get(ev.id);
      const anew = before.image === ev.image && was !== undefined && now !== undefined && was !== now;
      if (before.image !== ev.image || anew) {
        // The ids only say something when they differ (a docker tag of the same image does not).
        const ids: Record<string, string> =
          was && now && was !== now ? { previous_image_id: shortImageId(was), image_id: shortImageId(now) } : {};
        out.push({ ...ev, type: 'deploy', attrs: { ...ev.attrs, previous_image: before.image, ...ids } });
      }
    }
    this.names.set(ev.name, { id: ev.id, image: ev.image });
    return out;
  }
}

/** "sha256:0123456789ab…" → "0123456789ab", as `docker images` shows an id. */
export function shortImageId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

// When the docker collector asks the engine for its list of running containers again. The list
// is what brings names, images, labels and state; the numbers come from elsewhere every tick.
// While the engine's event stream is followed, the list stands until an event that changes it
// (a container started, stopped, paused, renamed, removed…) or a (re)connection of the stream,
// after which events may have been missed: no list call on a tick where nothing happened.
// Without events (the stream is down or not followed), the fallback: asked every tick, unless
// a directory listing of the containers' cgroups (`membership`) shows the same containers as
// the last list, then once every LIST_EVERY_SECONDS for what a listing cannot see (a pause, a
// rename).
import type { ContainerEvent } from '../../protocol/batch.ts';
import type { EventType } from '../../protocol/events.ts';
import type { DockerEventFollower, EventSubscriber } from './event-follower.ts';

/** What the collector needs of the event stream. */
export type ContainerChanges = Pick<DockerEventFollower, 'subscribe' | 'start'>;

/**
 * Event types after which the list of running containers, or what it says of one, may differ.
 * The others (oom, kill, a health check, a deploy) change nothing the list says: health
 * is not read from the list, and a kill is followed by its own die.
 */
export const RELIST_ON: ReadonlySet<string> = new Set<EventType>([
  'create',
  'start',
  'restart',
  'die',
  'stop',
  'pause',
  'unpause',
  'rename',
  'destroy',
]);

/**
 * Without events, seconds between two asks for the list while the cgroup directories show the
 * same containers. Each ask costs the engine ~10 ms of CPU with 60 containers (measured here),
 * a tenth of a percent of a core at a 10 s interval if asked every tick.
 */
export const LIST_EVERY_SECONDS = 60;

/** A decision to ask, to hand back to listed() with the list it brought. */
export interface Ask {
  readonly changes: number;
}

export class ListPolicy {
  private live = false;
  /** Counts events that change the list and stream (re)connections and breaks. */
  private changes = 0;
  private last: { changes: number; at: number; ids: string } | undefined;
  /** Lists asked for, for logs and tests. */
  asked = 0;

  /** To subscribe to the event stream with. */
  readonly subscriber: EventSubscriber = {
    connected: () => {
      this.live = true;
      this.changes++;
    },
    disconnected: () => {
      this.live = false;
      this.changes++;
    },
    event: (e: ContainerEvent) => {
      if (RELIST_ON.has(e.type)) this.changes++;
    },
  };

  /** Whether the event stream is followed now. */
  get following(): boolean {
    return this.live;
  }

  /**
   * Undefined while the last list stands; else the engine is to be asked. `membership`: the
   * ids of the containers whose cgroups exist, sorted and space-separated, or undefined when a
   * directory listing cannot tell (the engine's stats path); only read without events.
   */
  ask(mono: number, membership: () => string | undefined): Ask | undefined {
    const now: Ask = { changes: this.changes };
    const last = this.last;
    if (last === undefined || last.changes !== this.changes) return now;
    if (this.live) return undefined;
    const found = membership();
    return found !== undefined && found === last.ids && mono - last.at < LIST_EVERY_SECONDS ? undefined : now;
  }

  /** The engine answered the ask with these containers. */
  listed(ask: Ask, mono: number, ids: readonly string[]): void {
    this.asked++;
    this.last = { changes: ask.changes, at: mono, ids: [...ids].sort().join(' ') };
  }
}

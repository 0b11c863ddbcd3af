// The events collector: container events the follower (docker/event-follower.ts) hands over
// between ticks wait here and go into the next tick's sample, so they travel in the same
// batches and through the same spool as the samples. A tick takes a bounded number (a burst
// spreads over later ticks, and no batch exceeds the protocol's MAX_EVENTS); beyond a bound
// in memory the oldest are dropped, said in the log.
import type { ContainerEvent } from '../../protocol/batch.ts';
import { MAX_EVENTS } from '../../protocol/constants.ts';
import type { Logger } from '../../lib/log.ts';
import type { SnapshotBuilder } from '../snapshot.ts';
import type { DockerEventFollower } from '../docker/event-follower.ts';
import { timeNanoOf } from '../docker/events.ts';
import type { Collector } from './collector.ts';

export interface EventsCollector extends Collector {
  /**
   * The engine time (ns) up to which every event is in a sample already taken (so in the
   * spool once its batch is written): where a later run asks from, with nothing lost.
   */
  takenUpTo(): bigint;
  /** Events waiting for a tick. */
  readonly waiting: number;
}

/**
 * Events one tick takes at most, so that the ticks of one batch (`flush / interval` of them,
 * and one more when a flush comes late) never carry more than a batch may.
 */
export function eventsPerTick(interval: number, flush: number): number {
  return Math.max(1, Math.floor(MAX_EVENTS / (Math.ceil(flush / interval) + 1)));
}

export const MAX_WAITING_EVENTS = 50_000;

/** What the collector needs of the follower. */
export type EventSource = Pick<DockerEventFollower, 'subscribe' | 'start' | 'cursor'>;

export function eventsCollector(opts: {
  follower: EventSource;
  perTick: number;
  log: Logger;
  maxWaiting?: number;
}): EventsCollector {
  const { follower, log } = opts;
  const max = opts.maxWaiting ?? MAX_WAITING_EVENTS;
  let queue: ContainerEvent[] = [];
  let dropped = 0;
  /** The time of the newest event taken, while older ones may still wait behind a full tick. */
  let taken: bigint | undefined;
  const unsubscribe = follower.subscribe({
    event(e) {
      queue.push(e);
      if (queue.length > max) {
        queue = queue.slice(queue.length - max);
        // The first, then every 1000th: a flood is a few lines.
        if (dropped++ % 1000 === 0)
          log.warn(`events: more than ${max} waiting; dropped the oldest (${dropped} so far)`);
      }
    },
  });
  follower.start();

  return {
    name: 'events',
    get waiting() {
      return queue.length;
    },
    async collect(out: SnapshotBuilder): Promise<void> {
      if (out.priming) return;
      let n = 0;
      while (n < queue.length && n < opts.perTick && out.event(queue[n])) n++;
      if (n === 0) return;
      taken = timeNanoOf(queue[n - 1]);
      queue = queue.slice(n);
    },
    takenUpTo(): bigint {
      // Nothing waiting: everything the engine sent up to the follower's cursor is handled
      // (taken, or not an event Berth keeps).
      if (queue.length === 0) return follower.cursor;
      return taken ?? timeNanoOf(queue[0]);
    },
    close(): void {
      unsubscribe();
    },
  };
}

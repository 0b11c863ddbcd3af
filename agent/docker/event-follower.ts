// Follows the engine's container events (GET /events, streamed) beside sampling: its own
// connection (never one of the stats pool's), lines parsed and normalised by events.ts, each
// event handed to the subscribers once. When the stream breaks (the engine restarted, the
// socket went away) it reconnects by itself with backoff and asks `since` the newest event it
// saw, so what happened in between still comes, and what comes twice is dropped by the tracker.
// Image ids (for a tag pulled anew) come from a container list at each connection and an
// inspect of each new container, on short-lived connections of their own.
// Subscribers: the events collector (events into samples), and anything that must know when
// containers come and go (a container list for cgroup reading).
import http from 'node:http';
import type { ContainerEvent } from '../../protocol/batch.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';
import { escapeControls, type Logger } from '../../lib/log.ts';
import { DockerClient, DockerApiError } from './client.ts';
import { containerName, type ContainerSummary } from './labels.ts';
import { EventTracker, MAX_EVENT_LINE, parseEventLine, sinceParam } from './events.ts';

export interface EventSubscriber {
  /** Each container event, in the engine's order, once. */
  event?(e: ContainerEvent): void;
  /**
   * The stream is (again) open. After a break (`reconnect`), the events in between follow, but
   * anything that is read rather than followed (the list of containers) is worth reading anew.
   */
  connected?(info: { reconnect: boolean }): void;
  /** The stream broke; it is asked for again, from the newest event seen, after a backoff. */
  disconnected?(why: string): void;
}

export interface EventFollowerOptions {
  socketPath: string;
  log: Logger;
  /** Engine time (ns) to ask from; default: when the follower was made. */
  since?: bigint;
  /** Wall clock in ms (the first `since`). */
  now?: () => number;
  /** Reconnection backoff: the first wait, doubled per failure up to the last. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  /** Where reconnection waits are timed (tests move a fake one by hand). */
  clock?: Clock;
}

/**
 * The wait before reconnection attempt `failures` (0 for the first after a stream that was
 * open): `min`, doubled per failure, at most `max`. Short enough at its longest that Docker's
 * buffer of recent events (256) still holds what happened meanwhile on a busy host.
 */
export function reconnectDelay(failures: number, min: number, max: number): number {
  return Math.min(max, min * 2 ** Math.min(failures, 20));
}

/**
 * An inspect holds up the events after it (never sampling: that has its own connection), so it
 * is bounded; past it the deploy goes by name only. A busy engine (a CI run, a host under memory
 * pressure) was seen taking more than 2 s, and a same-tag redeploy then went unnoticed.
 */
const LOOKUP_TIMEOUT_MS = 10_000;

const FILTERS = encodeURIComponent(JSON.stringify({ type: ['container'] }));

export class DockerEventFollower {
  private readonly tracker: EventTracker;
  private readonly subscribers = new Set<EventSubscriber>();
  private readonly clock: Clock;
  private readonly min: number;
  private readonly max: number;
  private running = false;
  private open = false;
  private everOpen = false;
  private failures = 0;
  /** Cancels the reconnection waiting, if one is. */
  private retry: (() => void) | undefined;
  private stream: http.ClientRequest | undefined;
  private client: DockerClient | undefined;
  private lastProblem = '';
  /** The API version the engine answered with (for the inspects of new containers). */
  private version = '1.24';
  /** Where the stream's lines wait their turn. */
  private lines: Promise<void> = Promise.resolve();
  /** Where the first connection asks from, until an event has been seen. */
  private readonly first: bigint;
  /** Counts for logs and tests: events handed out, lines that were not events, connections opened. */
  readonly stats = { events: 0, badLines: 0, connections: 0 };

  constructor(private readonly o: EventFollowerOptions) {
    const now = o.now ?? Date.now;
    this.tracker = new EventTracker();
    this.first = o.since ?? BigInt(Math.floor(now())) * 1_000_000n;
    this.clock = o.clock ?? systemClock;
    this.min = o.minBackoffMs ?? 500;
    this.max = o.maxBackoffMs ?? 8_000;
  }

  /** The newest engine time seen (ns), or where it will ask from when none was. */
  get cursor(): bigint {
    return this.tracker.cursor ?? this.first;
  }

  get connected(): boolean {
    return this.open;
  }

  /** Starts following (again once stopped); nothing happens when it already is. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.retry?.();
    this.retry = undefined;
    this.stream?.destroy();
    this.stream = undefined;
    this.client?.close();
    this.client = undefined;
    this.open = false;
  }

  subscribe(s: EventSubscriber): () => void {
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  private tell<K extends keyof EventSubscriber>(what: K, arg: Parameters<NonNullable<EventSubscriber[K]>>[0]): void {
    for (const s of this.subscribers) {
      try {
        (s[what] as ((a: typeof arg) => void) | undefined)?.call(s, arg);
      } catch (e) {
        this.o.log.error(`docker events: a subscriber failed on ${what}: ${(e as Error).message}`);
      }
    }
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    // A client per attempt: the engine that answers after a restart may speak another version.
    this.client?.close();
    const client = (this.client = new DockerClient({ socketPath: this.o.socketPath }));
    let version: string;
    try {
      version = await client.apiVersion();
      await this.learnContainers(client, version);
    } catch (e) {
      return this.broken(reasonOf(e));
    } finally {
      // Its keep-alive connection would sit idle: the stream has one of its own.
      client.close();
    }
    this.version = version;
    if (!this.running || client !== this.client) return;
    const path = `/v${version}/events?since=${sinceParam(this.cursor)}&filters=${FILTERS}`;
    let done = false;
    /** Once per connection, whichever way it ends. */
    const end = (why: string) => {
      if (done) return;
      done = true;
      req.destroy();
      if (this.stream === req) this.stream = undefined;
      this.broken(why);
    };
    const req = http.request(
      // Its own connection: a stream holds it for hours, and the stats calls' pool stays whole.
      { socketPath: this.o.socketPath, path, method: 'GET', agent: false, headers: { Host: 'docker' } },
      (res) => {
        res.setEncoding('utf8');
        if (res.statusCode !== 200) {
          let body = '';
          res.on('data', (c: string) => (body = (body + c).slice(0, 400)));
          res.on('end', () => {
            const msg = messageOf(body);
            end(new DockerApiError(res.statusCode ?? 0, path.split('?')[0], msg).message);
          });
          res.on('error', (e) => end(e.message));
          return;
        }
        this.opened();
        let partial = '';
        res.on('data', (chunk: string) => {
          partial += chunk;
          let nl: number;
          while ((nl = partial.indexOf('\n')) >= 0) {
            const line = partial.slice(0, nl);
            partial = partial.slice(nl + 1);
            if (line.trim()) this.queue(line);
          }
          if (partial.length > MAX_EVENT_LINE) end(`a line longer than ${MAX_EVENT_LINE} bytes`);
        });
        res.on('end', () => {
          if (partial.trim()) this.queue(partial);
          end('the engine ended the stream');
        });
        res.on('error', (e) => end(e.message));
        res.on('close', () => end('the engine closed the connection'));
      },
    );
    this.stream = req;
    req.on('error', (e: NodeJS.ErrnoException) => end(reasonOf(e)));
    req.end();
  }

  /** Lines are handled one after another, in order, although a create waits for an inspect. */
  private queue(text: string): void {
    this.lines = this.lines.then(() => this.line(text));
  }

  /**
   * Each container's image id, from the engine's list of all of them: a deploy that pulled
   * the same tag anew (nginx:latest) is told from the ids, even for a container that was
   * created before the agent started. Best effort: the events go on without it.
   */
  private async learnContainers(client: DockerClient, version: string): Promise<void> {
    let list: unknown;
    try {
      list = await client.getJson(`/v${version}/containers/json?all=1`);
    } catch (e) {
      if (e instanceof DockerApiError) return;
      throw e;
    }
    if (!Array.isArray(list)) return;
    for (const c of list as ContainerSummary[]) {
      if (typeof c?.Id !== 'string') continue;
      const image = typeof c.Image === 'string' && !c.Image.startsWith('sha256:') ? c.Image : undefined;
      const imageId = typeof c.ImageID === 'string' ? c.ImageID : undefined;
      this.tracker.know({ id: c.Id, name: containerName(c.Names, c.Id), image, imageId });
    }
  }

  /** A new container's image id (its inspect's Image); nothing when it is gone already. */
  private async learnImageId(id: string): Promise<void> {
    const client = new DockerClient({ socketPath: this.o.socketPath, timeoutMs: LOOKUP_TIMEOUT_MS });
    try {
      const body = (await client.getJson(`/v${this.version}/containers/${encodeURIComponent(id)}/json`)) as
        { Image?: unknown } | undefined;
      if (typeof body?.Image === 'string') this.tracker.know({ id, imageId: body.Image });
    } catch {
      /* gone already, or the engine went away: the deploy is told from the image's name */
    } finally {
      client.close();
    }
  }

  private async line(text: string): Promise<void> {
    const r = parseEventLine(text);
    if ('error' in r) {
      // One line the engine got wrong is no reason to drop the stream; said once per kind.
      if (this.stats.badLines++ === 0) this.o.log.warn(`docker events: skipped a line (${escapeControls(r.error)})`);
      return;
    }
    if (this.tracker.wantsImageId(r.event)) await this.learnImageId(r.event.id);
    for (const e of this.tracker.push(r.event)) {
      this.stats.events++;
      this.tell('event', e);
    }
  }

  private opened(): void {
    this.stats.connections++;
    const reconnect = this.everOpen;
    if (this.failures > 0 || reconnect) {
      this.o.log.info(
        `docker events: following again${this.failures > 1 ? ` after ${this.failures} tries` : ''}, from ${isoOf(this.cursor)}`,
      );
    } else {
      this.o.log.debug(`docker events: following the engine's container events at ${this.o.socketPath}`);
    }
    this.open = true;
    this.everOpen = true;
    this.failures = 0;
    this.lastProblem = '';
    this.tell('connected', { reconnect });
  }

  /** The stream is gone or could not be opened: try again after a backoff. */
  private broken(why: string): void {
    const open = this.open;
    this.open = false;
    if (!this.running) return;
    if (open) {
      this.o.log.warn(`docker events: ${escapeControls(why)}; asking again from ${isoOf(this.cursor)}`);
      this.tell('disconnected', why);
    } else if (why !== this.lastProblem) {
      this.o.log.warn(`docker events: cannot follow the engine's events (${escapeControls(why)}); retrying`);
    }
    this.lastProblem = why;
    const wait = reconnectDelay(this.failures, this.min, this.max);
    this.failures++;
    this.retry?.();
    this.retry = this.clock.after(wait, () => {
      this.retry = undefined;
      void this.connect();
    });
  }
}

function reasonOf(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  // The client's words for a missing socket end with what the docker collector loses.
  return (err?.message ?? String(e)).replace(/; containers will not be reported$/, '');
}

function messageOf(body: string): string {
  try {
    const m = (JSON.parse(body) as { message?: unknown }).message;
    if (typeof m === 'string') return m;
  } catch {
    /* plain text */
  }
  return body.trim().slice(0, 200);
}

function isoOf(timeNano: bigint): string {
  return new Date(Number(timeNano / 1_000_000n)).toISOString();
}

// The agent's loop: at every interval boundary of the wall clock, run all collectors into one
// snapshot stamped with that boundary, queue it, and flush batches every --flush seconds.
// Rates use the monotonic clock; the timestamps sent are wall-clock epoch seconds aligned to
// the interval, so samples from many hosts line up.
import fs from 'node:fs';
import path from 'node:path';
import type { AgentConfig } from './config.ts';
import { ConfigError } from '../lib/options.ts';
import { plural, type Logger } from '../lib/log.ts';
import { CollectorRunner } from './collectors/collector.ts';
import { createCollectors } from './collectors/index.ts';
import { selectCollectorNames } from './collectors/names.ts';
import type { EventsCollector } from './collectors/events.ts';
import { DockerEventFollower } from './docker/event-follower.ts';
import { EventCursorFile } from './events-cursor.ts';
import { RateTracker } from './rates.ts';
import { SnapshotBuilder } from './snapshot.ts';
import { Shipper } from './shipper.ts';
import { Spool } from './spool.ts';
import { Outbox } from './outbox.ts';

export const AGENT_VERSION = '0.1.0';

export interface RunningAgent {
  /** Flushes what is in memory (sending or spooling it), then stops. */
  stop(): Promise<void>;
  /** Resolves after the first batch went out (or was spooled). */
  firstFlush: Promise<void>;
  shipper: Shipper;
  /** Batches not delivered yet: in the spool, or held in memory when it cannot be written. */
  readonly undelivered: number;
}

export function readMachineId(rootfs: string): string | undefined {
  for (const f of ['etc/machine-id', 'var/lib/dbus/machine-id']) {
    try {
      const id = fs.readFileSync(path.join(rootfs, f), 'utf8').trim();
      if (/^[0-9a-f]{32}$/.test(id)) return id;
    } catch {
      /* try the next */
    }
  }
  return undefined;
}

/**
 * Milliseconds a tick's collectors get before the sample goes out without the slow ones: up to
 * shortly before the next boundary, and never under 2 s, which a Docker engine needs (it
 * answers a stats call at its next one-second tick); an interval shorter than that then
 * skips a boundary rather than lose Docker's values.
 */
export function tickDeadline(interval: number, nowMs = Date.now(), boundaryMs?: number): number {
  // From the boundary the tick stands for, when known: a timer that fired a millisecond early
  // must not read the boundary it is for as the next one, 1 ms away.
  const next = boundaryMs !== undefined ? boundaryMs + interval * 1000 - nowMs : msToNextBoundary(nowMs, interval);
  return Math.max(MIN_TICK_DEADLINE_MS, next - 200);
}

/**
 * The boundary (ms) a timer aimed at `aimed` and firing at `firedMs` stamps its sample with:
 * the one it was aimed at, unless it fired an interval or more away from it (the wall clock
 * was stepped, the machine slept, the event loop stalled), then the boundary nearest now, so
 * a reading is never stamped with a time far from when it was taken.
 */
export function stampOf(aimed: number, firedMs: number, interval: number): number {
  const step = interval * 1000;
  return Math.abs(firedMs - aimed) < step ? aimed : Math.round(firedMs / step) * step;
}

const MIN_TICK_DEADLINE_MS = 2000;

/**
 * The wall-clock time (ms) the next tick's timer aims at: `next`, the boundary after the last
 * one, unless the clock was stepped by more than an interval either way (then the next
 * boundary from now), or nothing was aimed at yet.
 */
export function aimAt(next: number | undefined, nowMs: number, interval: number): number {
  const step = interval * 1000;
  // (More than a step ahead is a timer that fired early; two steps ahead, a clock stepped back.)
  if (next === undefined || next <= nowMs - step || next > nowMs + 2 * step)
    return nowMs + msToNextBoundary(nowMs, interval);
  return next;
}

/** Milliseconds until the next multiple of `interval` seconds on the wall clock. */
export function msToNextBoundary(nowMs: number, interval: number): number {
  const ms = interval * 1000;
  return ms - (nowMs % ms);
}

export interface AgentDeps {
  /**
   * The wall clock (epoch ms) that stamps samples and the Date header of each send; a test
   * sets it minutes off to play a host whose clock is wrong.
   */
  wallNow?: () => number;
}

export function startAgent(config: AgentConfig, log: Logger, deps: AgentDeps = {}): RunningAgent {
  const wallNow = deps.wallNow ?? Date.now;
  let spool: Spool;
  try {
    spool = new Spool(config.spoolDir, config.spoolMaxBytes, log);
  } catch (e) {
    throw new ConfigError(
      `--spool (BERTH_SPOOL): cannot use ${config.spoolDir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const outbox = new Outbox(spool, log);
  // The engine's events are followed from where the last run's spooled samples end, so what
  // happened while the agent was down still comes (the spool's folder keeps the place).
  const cursor = new EventCursorFile(path.join(config.spoolDir, 'events.cursor'), log);
  // Followed for the events collector and for the docker collector, which asks the engine for
  // its list of containers again only when an event says it changed.
  const selected = selectCollectorNames(config.collectors);
  const dockerEvents =
    selected.includes('events') || selected.includes('docker')
      ? new DockerEventFollower({
          socketPath: config.dockerSocket,
          log,
          since: selected.includes('events') ? cursor.load(Date.now()) : undefined,
        })
      : undefined;
  const collectors = createCollectors(config, log, { dockerEvents });
  const events = collectors.find((c): c is EventsCollector => c.name === 'events');
  /**
   * After the samples that carried events are in the spool, a later run asks from there (not
   * while batches are held in memory because the spool cannot be written: a restart loses those).
   */
  const keepEventCursor = () => {
    if (events && outbox.inMemory === 0) cursor.save(events.takenUpTo());
  };
  const runner = new CollectorRunner(collectors, log);
  const rates = new RateTracker();
  const metaSources = collectors.filter(
    (c): c is typeof c & { meta(): Record<string, object> } => typeof (c as { meta?: unknown }).meta === 'function',
  );
  const shipper = new Shipper({
    server: config.server,
    token: config.token,
    agent: {
      host: config.host,
      machine_id: readMachineId(config.rootfs),
      version: AGENT_VERSION,
      interval: config.interval,
    },
    outbox,
    log,
    verbose: config.verbose,
    meta: () => Object.assign({}, ...metaSources.map((c) => c.meta())),
    wallNow,
  });
  log.info(
    `sampling ${config.host} every ${config.interval} s (collectors: ${runner.names.join(', ')}), sending to ${config.server} every ${config.flush} s`,
  );

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // Monotonic: a wall clock stepped back must not hold the flush (and the spooling) back.
  let lastFlush = performance.now();
  /** Ticks under way (more than one while a slow collector's run outlives its tick). */
  const ticking = new Set<Promise<void>>();
  const ticksDone = () => Promise.all([...ticking]).then(() => undefined);
  let flushing: Promise<void> | null = null;
  let resolveFirst!: () => void;
  const firstFlush = new Promise<void>((r) => (resolveFirst = r));

  /** While the first read that primes the rates is under way. */
  let priming = false;
  let skipped = 0;
  const tick = async (ts: number, boundaryMs: number) => {
    const out = new SnapshotBuilder(ts);
    // Done by the next boundary: a collector still waiting then is left out of this sample.
    await runner.runAll(
      out,
      { mono: performance.now() / 1000, rates, log },
      tickDeadline(config.interval, wallNow(), boundaryMs),
    );
    rates.sweep();
    shipper.enqueue(out.toSnapshot());
    // The batch is spooled synchronously; sending runs beside sampling, so a server that does
    // not answer (a send waits up to its timeout) never delays the next sample.
    if (performance.now() - lastFlush >= config.flush * 1000 - 500 || config.flush <= config.interval) {
      lastFlush = performance.now();
      const sending = shipper.flush();
      // flush() wrote the pending samples to the spool before it returned. Not while another
      // tick is still collecting: events it took are not in the spool yet, and a cursor past
      // them would lose them to a restart (one behind only sends a few again, stored once).
      if (ticking.size <= 1) keepEventCursor();
      flushing ??= sending
        .catch((e) => log.error(`flush failed: ${(e as Error).stack ?? e}`))
        .finally(() => {
          flushing = null;
          resolveFirst();
        });
    }
  };

  // Each timer is aimed at a boundary, and that boundary is the tick's time: a timer that
  // fires a little early or late still stamps the second it was meant for, so no second is
  // stamped twice or left out. Only a wall clock stepped by more than an interval re-aims.
  let aim: number | undefined;
  const schedule = () => {
    if (stopped) return;
    const now = wallNow();
    const at = (aim = aimAt(aim, now, config.interval));
    timer = setTimeout(() => {
      const stamp = stampOf(at, wallNow(), config.interval);
      const ts = Math.round(stamp / 1000);
      aim = stamp + config.interval * 1000;
      // --once takes one sample: no boundary after the one that takes it, however long its
      // delivery takes (a second sample would ride along with the first).
      if (!(config.once && !priming && !runner.allBusy)) schedule();
      // A boundary that comes while the last tick is still being collected (an engine slower
      // than the interval) gets a sample of the collectors that are free: the host's metrics
      // go on every interval, and a collector never runs twice at once, so every reading is
      // taken at the time it is stamped with. Only when every collector is still busy is the
      // sample skipped.
      if (priming) return; // the first boundary came during the first read: nothing was due yet
      if (runner.allBusy) {
        if (skipped++ === 0)
          log.warn(
            `sample at ${new Date(ts * 1000).toISOString()} skipped: every collector is still busy with the one before (--interval ${config.interval} s)`,
          );
        return;
      }
      if (skipped > 0) log.info(`sampling again after ${plural(skipped, 'skipped sample', 'skipped samples')}`);
      skipped = 0;
      const run = tick(ts, stamp)
        .catch((e) => log.error(`tick failed: ${(e as Error).stack ?? e}`))
        .finally(() => ticking.delete(run));
      ticking.add(run);
    }, at - now);
  };

  // A first read right away primes the counters, so the first boundary already has rates.
  priming = true;
  const prime = runner
    .runAll(
      new SnapshotBuilder(0, true),
      { mono: performance.now() / 1000, rates, log },
      tickDeadline(config.interval, wallNow()),
    )
    .catch((e) => log.error(`priming failed: ${(e as Error).message}`))
    .finally(() => {
      priming = false;
      ticking.delete(prime);
    });
  ticking.add(prime);
  schedule();

  return {
    shipper,
    firstFlush,
    get undelivered() {
      return outbox.count;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      // A tick still waiting on a slow plugin gets a moment, then the plugins are killed, so a
      // stop fits in a container runtime's grace period.
      await Promise.race([ticksDone(), new Promise((r) => setTimeout(r, 2000).unref())]);
      await runner.close();
      dockerEvents?.stop();
      await ticksDone();
      // On disk before waiting out a send in flight (up to its timeout): a SIGKILL at the end
      // of a grace period must not take the last samples with it.
      shipper.spoolPending();
      keepEventCursor();
      await flushing;
      await shipper.flush({ force: true });
      const held = shipper.inMemory
        ? `, ${shipper.inMemory} only in memory (the spool could not be written), lost`
        : '';
      log.info(`stopped: ${shipper.sent} batches sent, ${spool.count} left in the spool${held}`);
    },
  };
}

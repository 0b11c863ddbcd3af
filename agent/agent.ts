// The agent's loop: at every interval boundary of the wall clock, run all collectors into one
// snapshot stamped with that boundary, queue it, and flush batches every --flush seconds.
// Rates use the monotonic clock; the timestamps sent are wall-clock epoch seconds aligned to
// the interval, so samples from many hosts line up.
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, type AgentConfig } from './config.ts';
import type { Logger } from './log.ts';
import { CollectorRunner } from './collectors/collector.ts';
import { createCollectors } from './collectors/index.ts';
import { RateTracker } from './rates.ts';
import { SnapshotBuilder } from './snapshot.ts';
import { Shipper } from './shipper.ts';
import { Spool } from './spool.ts';

export const AGENT_VERSION = '0.1.0';

export interface RunningAgent {
  /** Flushes what is in memory (sending or spooling it), then stops. */
  stop(): Promise<void>;
  /** Resolves after the first batch went out (or was spooled). */
  firstFlush: Promise<void>;
  shipper: Shipper;
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

/** Seconds until the next multiple of `interval` on the wall clock. */
export function msToNextBoundary(nowMs: number, interval: number): number {
  const ms = interval * 1000;
  return ms - (nowMs % ms);
}

export function startAgent(config: AgentConfig, log: Logger): RunningAgent {
  const collectors = createCollectors(config, log);
  const runner = new CollectorRunner(collectors, log);
  const rates = new RateTracker();
  let spool: Spool;
  try {
    spool = new Spool(config.spoolDir, config.spoolMaxBytes, log);
  } catch (e) {
    throw new ConfigError(`--spool (BERTH_SPOOL): cannot use ${config.spoolDir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const metaSources = collectors.filter((c): c is typeof c & { meta(): Record<string, object> } => typeof (c as { meta?: unknown }).meta === 'function');
  const shipper = new Shipper({
    server: config.server,
    token: config.token,
    agent: { host: config.host, machine_id: readMachineId(config.rootfs), version: AGENT_VERSION, interval: config.interval },
    spool,
    log,
    verbose: config.verbose,
    meta: () => Object.assign({}, ...metaSources.map((c) => c.meta())),
  });
  log.info(
    `sampling ${config.host} every ${config.interval} s (collectors: ${runner.names.join(', ')}), sending to ${config.server} every ${config.flush} s`,
  );

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // Monotonic: a wall clock stepped back must not hold the flush (and the spooling) back.
  let lastFlush = performance.now();
  let ticking: Promise<void> = Promise.resolve();
  let flushing: Promise<void> | null = null;
  let resolveFirst!: () => void;
  const firstFlush = new Promise<void>((r) => (resolveFirst = r));

  const tick = async (ts: number) => {
    const out = new SnapshotBuilder(ts);
    await runner.runAll(out, { mono: performance.now() / 1000, rates, log });
    rates.sweep();
    shipper.enqueue(out.toSnapshot());
    // The batch is spooled synchronously; sending runs beside sampling, so a server that does
    // not answer (a send waits up to its timeout) never delays the next sample.
    if (performance.now() - lastFlush >= config.flush * 1000 - 500 || config.flush <= config.interval) {
      lastFlush = performance.now();
      const sending = shipper.flush();
      flushing ??= sending
        .catch((e) => log.error(`flush failed: ${(e as Error).stack ?? e}`))
        .finally(() => {
          flushing = null;
          resolveFirst();
        });
    }
  };

  const schedule = () => {
    if (stopped) return;
    const wait = msToNextBoundary(Date.now(), config.interval);
    timer = setTimeout(() => {
      const ts = Math.round(Date.now() / 1000 / config.interval) * config.interval;
      schedule();
      // Ticks never overlap: a slow tick delays the next one instead of racing it.
      ticking = ticking.then(() => tick(ts)).catch((e) => log.error(`tick failed: ${(e as Error).stack ?? e}`));
    }, wait);
  };

  // A first read right away primes the counters, so the first boundary already has rates.
  ticking = runner
    .runAll(new SnapshotBuilder(0), { mono: performance.now() / 1000, rates, log })
    .catch((e) => log.error(`priming failed: ${(e as Error).message}`));
  schedule();

  return {
    shipper,
    firstFlush,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      // A tick still waiting on a slow plugin gets a moment, then the plugins are killed, so a
      // stop fits in a container runtime's grace period.
      await Promise.race([ticking, new Promise((r) => setTimeout(r, 2000).unref())]);
      await runner.close();
      await ticking;
      await flushing;
      await shipper.flush({ force: true });
      const held = shipper.inMemory ? `, ${shipper.inMemory} only in memory (the spool could not be written), lost` : '';
      log.info(`stopped: ${shipper.sent} batches sent, ${spool.count} left in the spool${held}`);
    },
  };
}

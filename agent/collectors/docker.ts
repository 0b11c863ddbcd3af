// The Docker collector: every tick, list the engine's running containers, read one-shot stats
// of all of them concurrently, and emit one container sample each (agent/docker/stats.ts does
// the maths). The previous reading's counters are kept per container id, because one-shot
// responses carry no usable previous sample; containers that left are forgotten.
import type { Collector, CollectContext } from './collector.ts';
import type { Logger } from '../../lib/log.ts';
import type { SnapshotBuilder } from '../snapshot.ts';
import { DockerClient } from '../docker/client.ts';
import { containerIdentity } from '../docker/labels.ts';
import { containerMetrics, isLiveReading, type Counters } from '../docker/stats.ts';

export interface DockerCollectorOptions {
  /** Path of the engine's unix socket (see resolveDockerSocket in agent/docker/client.ts). */
  socketPath: string;
  /** Stats calls in flight at once (default DEFAULT_CONCURRENCY in docker/client.ts). */
  concurrency?: number;
  /** Deadline of one engine call in ms (default 10,000). */
  timeoutMs?: number;
  /** Container labels to send along with each sample (default none; Compose's are always used). */
  labelKeys?: readonly string[];
  log: Logger;
}

export function dockerCollector(opts: DockerCollectorOptions): Collector {
  const client = new DockerClient({
    socketPath: opts.socketPath,
    concurrency: opts.concurrency,
    timeoutMs: opts.timeoutMs,
  });
  const previous = new Map<string, Counters>();
  let lastWarning: string | undefined;

  return {
    name: 'docker',

    async collect(out: SnapshotBuilder, ctx: CollectContext): Promise<void> {
      const containers = await client.listContainers();
      const results = await client.statsAll(containers.map((c) => c.Id));
      // Answered after the tick's deadline: these readings are not of its time. The counters of
      // the last reading in time stay, so the next rates span the whole gap exactly.
      if (out.sealed) return;

      const failures: string[] = [];
      containers.forEach((c, i) => {
        const r = results[i]!;
        if ('error' in r) {
          failures.push(`${c.Id.slice(0, 12)}: ${r.error.message}`);
          return;
        }
        // Removed (404/409) or stopped (empty reading) between the list and the stats call.
        if ('gone' in r || !isLiveReading(r.stats)) {
          previous.delete(c.Id);
          return;
        }
        const { metrics, counters } = containerMetrics(r.stats, previous.get(c.Id), ctx.mono, client.engine);
        previous.set(c.Id, counters);
        out.container({ ...containerIdentity(c, opts.labelKeys), metrics });
      });

      const listed = new Set(containers.map((c) => c.Id));
      for (const id of previous.keys()) if (!listed.has(id)) previous.delete(id);

      if (failures.length > 0 && failures.length === containers.length) {
        // Nothing came back: let the runner report it (once per distinct error).
        throw new Error(`stats failed for all ${containers.length} containers; first: ${failures[0]}`);
      }
      const warning = failures.length
        ? `docker: stats failed for ${failures.length} of ${containers.length} containers; first: ${failures[0]}`
        : undefined;
      if (warning !== undefined && warning !== lastWarning) opts.log.warn(warning);
      lastWarning = warning;
    },

    close(): void {
      client.close();
    },
  };
}

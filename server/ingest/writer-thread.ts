// The writer thread (see writer.ts): stores batches posted by the server thread on its own
// connection. Everything that arrived while it was writing goes into the next transaction.
// A batch comes as the route validated it (defaults filled in: re-parsing the request's
// bytes here would lose them).
import { parentPort, workerData } from 'node:worker_threads';
import { openDb } from '../db/open.ts';
import { createCommitter, failure, type CommitItem, type Outcome } from './commit.ts';
import { runRollups } from '../rollup/rollup.ts';
import { enforceRetention } from '../rollup/retention.ts';
import type { Retention } from '../rollup/tiers.ts';
import { setAutocheckpoint } from '../db/statements.ts';
import { bump } from '../counters.ts';
import { throttle } from '../../lib/log-throttle.ts';

const { file, allowDuplicateHostnames } = workerData as { file: string; allowDuplicateHostnames: boolean };
const db = openDb(file);
const committer = createCommitter(db.$client, { allowDuplicateHostnames });
const port = parentPort!;
// Open, migrated and compiled: the server thread may say it is up.
port.postMessage({ ready: true });

type Store = { id: number; item: CommitItem };
type Job =
  | { id: number; job: 'rollup'; now: number }
  | { id: number; job: 'retention'; now: number; retention: Retention }
  | { id: number; job: 'autocheckpoint'; pages: number }
  | { id: number; job: 'count'; name: string };

let queue: (Store | Job)[] = [];
const countTrouble = throttle();
let draining = false;
let closeAfter = false;

/** One transaction for the items; if it fails as a whole, the error as every item's outcome. */
function commitOrFail(items: CommitItem[]): Outcome[] {
  try {
    return committer.commit(items);
  } catch (e) {
    const outcome = failure(e, 'could not store the batch: ');
    return items.map(() => outcome);
  }
}

function commitGroup(group: Store[]): void {
  let outcomes = commitOrFail(group.map((g) => g.item));
  // A group that failed as a whole (disk full, I/O error, or one batch the store cannot take)
  // is tried a batch at a time, so one bad batch does not take the others with it.
  if (group.length > 1 && outcomes.every((o) => !o.ok && !o.conflict))
    outcomes = group.flatMap((g) => commitOrFail([g.item]));
  // One message for the group: each message wakes the server thread.
  port.postMessage(group.map((g, i) => ({ id: g.id, outcome: outcomes[i] })));
}

/** Rollups and retention run here too: one writer, so they never wait on ingest's lock nor it on theirs. */
async function run(j: Job): Promise<void> {
  if (j.job === 'count') {
    // Asked without waiting for an answer: a failure is the server's log line, not the caller's.
    try {
      bump(db.$client, j.name);
    } catch (e) {
      // A full disk fails every count: a line a minute.
      const t = countTrouble((e as Error).message);
      if (t.write) console.error(`berth writer: could not count ${j.name}: ${(e as Error).message}${t.more}`);
    }
    return;
  }
  try {
    const report =
      j.job === 'rollup'
        ? runRollups(db.$client, j.now)
        : j.job === 'retention'
          ? await enforceRetention(db.$client, j.retention, j.now, { pause: storeWaiting })
          : setAutocheckpoint(db.$client, j.pages);
    port.postMessage({ id: j.id, report });
  } catch (e) {
    port.postMessage({ id: j.id, error: (e as Error).message });
  }
}

/**
 * Between a retention pass's steps: the batches that arrived meanwhile, stored as one group, so
 * none waits for the whole pass (jobs stay queued, in order, for after it).
 */
async function storeWaiting(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  const waiting = queue.filter((m): m is Store => !('job' in m));
  if (waiting.length === 0) return;
  queue = queue.filter((m) => 'job' in m);
  commitGroup(waiting);
}

/** In arrival order: consecutive batches as one group (one transaction), jobs between them. */
async function drain(): Promise<void> {
  draining = true;
  while (queue.length) {
    const first = queue[0];
    if ('job' in first) {
      queue.shift();
      await run(first);
      continue;
    }
    let n = 0;
    while (n < queue.length && !('job' in queue[n])) n++;
    commitGroup(queue.splice(0, n) as Store[]);
    // Let what arrived during the transaction in before the next group.
    await new Promise((r) => setImmediate(r));
  }
  draining = false;
  if (closeAfter) {
    db.$client.close();
    process.exit(0);
  }
}

port.on('message', (m: Store | Job | { close: true }) => {
  if ('close' in m) closeAfter = true;
  else queue.push(m);
  // Messages that arrive during a transaction are delivered before this runs: one group.
  if (!draining) {
    draining = true;
    setImmediate(() => void drain());
  }
});

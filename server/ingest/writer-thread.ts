// The writer thread (see writer.ts): stores batches posted by the server thread on its own
// connection. Everything that arrived while it was writing goes into the next transaction.
// A batch comes as the request's JSON bytes, moved rather than copied, and is parsed here:
// for the server thread that is cheaper than cloning the parsed batch, and the route has
// validated exactly these bytes.
import { parentPort, workerData } from 'node:worker_threads';
import { openDb } from '../db/open.ts';
import { createCommitter, type CommitItem } from './commit.ts';
import type { Batch, ColumnBatch } from '../../protocol/batch.ts';
import { SNAPSHOTS_VERSION } from '../../protocol/constants.ts';
import { toColumnBatch } from '../../protocol/columns.ts';
import { runRollups } from '../rollup/rollup.ts';
import { enforceRetention } from '../rollup/retention.ts';
import type { Retention } from '../rollup/tiers.ts';

const { file, allowDuplicateHostnames } = workerData as { file: string; allowDuplicateHostnames: boolean };
const db = openDb(file);
// Checkpoints are the checkpoint worker's (db/checkpointer.ts), as on the server's connection.
db.$client.pragma('wal_autocheckpoint = 0');
const committer = createCommitter(db.$client, { allowDuplicateHostnames });
const port = parentPort!;
// Open, migrated and compiled: the server thread may say it is up.
port.postMessage({ ready: true });

/** A batch as posted: the JSON the route validated, or the batch itself (tests, tools). */
export type PostedItem = Omit<CommitItem, 'batch' | 'json'> & ({ json: Uint8Array } | { batch: ColumnBatch });
type Store = { id: number; item: PostedItem };

function toItem(p: PostedItem): CommitItem {
  if ('batch' in p) return p;
  const b = JSON.parse(Buffer.from(p.json.buffer, p.json.byteOffset, p.json.byteLength).toString('utf8')) as Batch | ColumnBatch;
  return { t: p.t, tokenId: p.tokenId, batch: b.v === SNAPSHOTS_VERSION ? toColumnBatch(b) : b };
}
type Job = { id: number; job: 'rollup'; now: number } | { id: number; job: 'retention'; now: number; retention: Retention };

let queue: (Store | Job)[] = [];
let draining = false;
let closeAfter = false;

function commitGroup(group: Store[]): void {
  let outcomes;
  try {
    outcomes = committer.commit(group.map((g) => toItem(g.item)));
  } catch (e) {
    // The commit itself failed (disk full, I/O error): nothing of the group is stored.
    const message = `could not store the batch: ${(e as Error).message}`;
    outcomes = group.map(() => ({ ok: false as const, conflict: false, message }));
  }
  // One message for the group: each message wakes the server thread.
  port.postMessage(group.map((g, i) => ({ id: g.id, outcome: outcomes[i] })));
}

/** Rollups and retention run here too: one writer, so they never wait on ingest's lock nor it on theirs. */
async function run(j: Job): Promise<void> {
  try {
    const report = j.job === 'rollup' ? runRollups(db.$client, j.now) : await enforceRetention(db.$client, j.retention, j.now);
    port.postMessage({ id: j.id, report });
  } catch (e) {
    port.postMessage({ id: j.id, error: (e as Error).message });
  }
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

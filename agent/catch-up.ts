// Catching up: when the spool holds more than one batch (the server was down, slow, or the
// agent was offline), the oldest of them go out as one request instead of one request each.
// The server then stores each container's rows in one transaction per many ticks rather than
// one per tick, which is what lets a fleet replaying hours of spool catch up at several times
// the rate of one batch at a time (bench/ingest.ts). Pure but for gzip: the shipper reads the
// files and removes the members once the merged batch is stored.
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { ColumnBatch } from '../protocol/batch.ts';
import { MAX_EVENTS, MAX_TICKS } from '../protocol/constants.ts';
import { fastColumnBatch } from '../protocol/fast-batch.ts';
import { batchRows, mergeColumnBatches } from '../protocol/columns.ts';

/** At most this many spooled batches in one request. */
export const CATCH_UP_MAX_BATCHES = 360;
/** At most this many rows (entity × tick) in one request: a host with 500 containers merges ~40 ticks. */
export const CATCH_UP_MAX_ROWS = 20_000;
/** At most this many compressed bytes of members (the server's default body limit is 8 MB). */
export const CATCH_UP_MAX_BYTES = 2 * 1024 * 1024;

export interface Spooled {
  batchId: string;
  body: Buffer;
}

/**
 * A spooled body as a v2 batch the merge can read, or undefined when it is not an ordinary
 * valid one (an older agent's v1, a damaged or odd file): those go out alone, and the server
 * says what is wrong. The server's own fast check, with the schema's defaults filled in.
 */
function decode(body: Buffer): ColumnBatch | undefined {
  try {
    return fastColumnBatch(JSON.parse(zlib.gunzipSync(body).toString('utf8')));
  } catch {
    return undefined;
  }
}

/** The most times any one entity of the batch has. */
function longest(b: ColumnBatch): number {
  let n = b.host?.ts.length ?? 0;
  for (const c of b.containers) n = Math.max(n, c.ts.length);
  for (const x of b.series) n = Math.max(n, x.ts.length);
  return n;
}

/** An id for the merged batch that the same members always give, so a resend of them after a lost answer is absorbed as a duplicate. */
export function mergedId(ids: readonly string[]): string {
  return `m${ids.length}-${crypto.createHash('sha256').update(ids.join('\n')).digest('base64url').slice(0, 40)}`;
}

/**
 * The longest run from the front of `oldest` (oldest first) that goes out as one batch: v2
 * batches of the same agent (host, interval, version: a restart with other flags starts a new
 * run), within the limits above (`maxBytes` lower after a server refused one as too large)
 * and the protocol's (MAX_TICKS per entity, MAX_EVENTS). Undefined when fewer than two
 * qualify; the shipper then sends the first one as it is.
 */
export function mergeSpooled(
  oldest: readonly Spooled[],
  maxBytes = CATCH_UP_MAX_BYTES,
): { count: number; batchId: string; body: Buffer } | undefined {
  const parts: ColumnBatch[] = [];
  let rows = 0;
  let bytes = 0;
  // No entity may get more than the protocol's MAX_TICKS times (a host-only agent at
  // --interval 1 --flush 60 fills 20,000 rows with host ticks alone).
  let ticks = 0;
  let events = 0;
  let agent = '';
  for (const s of oldest.slice(0, CATCH_UP_MAX_BATCHES)) {
    const b = decode(s.body);
    if (!b) break;
    const who = JSON.stringify(b.agent);
    const n = batchRows(b);
    const t = longest(b);
    const e = b.events?.length ?? 0;
    if (
      parts.length &&
      (who !== agent ||
        rows + n > CATCH_UP_MAX_ROWS ||
        bytes + s.body.length > maxBytes ||
        ticks + t > MAX_TICKS ||
        events + e > MAX_EVENTS)
    )
      break;
    agent = who;
    parts.push(b);
    rows += n;
    bytes += s.body.length;
    ticks += t;
    events += e;
  }
  if (parts.length < 2) return undefined;
  const batchId = mergedId(parts.map((p) => p.batch_id));
  try {
    return { count: parts.length, batchId, body: zlib.gzipSync(JSON.stringify(mergeColumnBatches(parts, batchId))) };
  } catch {
    // Whatever a file holds, the drain goes on: the oldest then goes out alone.
    return undefined;
  }
}

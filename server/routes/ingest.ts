// POST /api/v1/ingest: authenticates the agent, reads a plain or gzip JSON body within the
// size limits, validates it against the protocol schema (v1 or v2), and hands it to the
// writer (ingest/writer.ts), which stores it in a transaction. Answers 2xx only after the
// commit; every refusal is counted and names what was wrong.
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import {
  batch as batchSchema,
  columnBatch as columnBatchSchema,
  describeIssues,
  type ColumnBatch,
} from '../../protocol/batch.ts';
import {
  COLUMNS_VERSION,
  MAX_BATCH_CONTAINERS,
  MAX_BATCH_SERIES,
  MAX_EVENTS,
  MAX_FUTURE_SECONDS,
  SNAPSHOTS_VERSION,
} from '../../protocol/constants.ts';
import { batchRows, firstTimeAfter, toColumnBatch } from '../../protocol/columns.ts';
import { bearer, checkToken, hashToken } from '../auth.ts';
import { HostConflict, type StoreResult } from '../ingest/store-batch.ts';
import { fastBatch, fastColumnBatch } from '../../protocol/fast-batch.ts';
import { atStoredPrecision } from '../db/sample-layout.ts';
import { BodyTooLarge, readBody } from '../ingest/read-body.ts';
import { mayHoldOddNames, oddName } from '../ingest/odd-names.ts';
import { refusalLog } from '../ingest/refusal-log.ts';
import { StoreUnavailable, unavailableMessage } from '../ingest/unavailable.ts';
import { storeTrouble } from '../ingest/store-trouble.ts';
import type { RouteDeps } from '../deps.ts';
import type { IncomingMessage } from 'node:http';

/**
 * Rows one batch may store (an entity at a time). An agent flushing every hour with 200
 * containers sends ~100,000; far more is not a batch but a load on every other agent waiting.
 */
const MAX_BATCH_ROWS = 1_000_000;

/** A v2 batch's list longer than the protocol takes, as `field: why`, or undefined. */
export function overlong(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  for (const [field, max] of [
    ['containers', MAX_BATCH_CONTAINERS],
    ['series', MAX_BATCH_SERIES],
    ['events', MAX_EVENTS],
  ] as const) {
    const list = (json as Record<string, unknown>)[field];
    if (Array.isArray(list) && list.length > max) return `${field}: ${list.length} entries, at most ${max}`;
  }
  return undefined;
}

/** The client's address when the request came over a socket (not in-process tests). */
function remoteAddress(c: Context): string | undefined {
  return (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress;
}

const gunzip = promisify(zlib.gunzip);
const SYNC_GUNZIP_BYTES = 256 * 1024;

/**
 * The body's coding from Content-Encoding (RFC 9110 §8.4): the codings applied, in order, with
 * identity (or an empty header) adding none and x-gzip read as gzip. 'identity', 'gzip', or
 * the header as given when it is anything else (one gzip layer is all an agent sends).
 */
export function contentCoding(header: string | undefined): string {
  const codings = (header ?? '')
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter((x) => x !== '' && x !== 'identity')
    .map((x) => (x === 'x-gzip' ? 'gzip' : x));
  if (codings.length === 0) return 'identity';
  return codings.length === 1 && codings[0] === 'gzip' ? 'gzip' : (header ?? '').trim();
}

export function ingestRoute({ db, config, now, writer, log }: RouteDeps): Hono {
  const sqlite = db.$client;
  const configured = config.tokens.map(hashToken);
  const refuse = (status: 400 | 401 | 403 | 409 | 413 | 415, reason: string, message: string): never => {
    // Counted by the writer, so a refusal never waits on the write lock.
    writer.count(`ingest_rejected_${reason}`);
    throw new HTTPException(status, { message });
  };

  const noteRefusal = refusalLog(log);
  const storing = storeTrouble(log);
  /**
   * 503 (the agent keeps the batch and sends it again), saying why; a line in the log when it
   * starts, then a line a minute, and one when batches are stored again.
   */
  const unavailable = (c: Context, e: StoreUnavailable): Response => {
    writer.count(`ingest_unavailable_${e.code.toLowerCase()}`);
    storing.failed(e);
    c.header('Retry-After', '30');
    return c.json({ error: unavailableMessage(e.code) }, 503);
  };
  const app = new Hono();
  app.post('/', async (c) => {
    try {
      return await accept(c);
    } catch (e) {
      if (e instanceof HTTPException && e.status < 500) noteRefusal(e.status, e.message, remoteAddress(c));
      throw e;
    }
  });
  return app;

  /** The batch as columns, or a 400 naming the field. v1 batches are turned into columns. */
  function validate(json: unknown, t: number): ColumnBatch {
    const v = typeof json === 'object' && json !== null ? (json as { v?: unknown }).v : undefined;
    if (v === SNAPSHOTS_VERSION) {
      let b = fastBatch(json);
      if (!b) {
        const parsed = batchSchema.safeParse(json);
        if (!parsed.success) refuse(400, 'invalid', describeIssues(parsed.error));
        b = parsed.data!;
      }
      const tooNew = b.snapshots.findIndex((s) => s.ts > t + MAX_FUTURE_SECONDS);
      if (tooNew >= 0)
        refuse(400, 'future', `snapshots.${tooNew}.ts: more than a day in the future (check the agent's clock)`);
      return toColumnBatch(b);
    }
    if (v !== undefined && v !== COLUMNS_VERSION) {
      refuse(
        400,
        'invalid',
        `v: protocol version ${JSON.stringify(v).slice(0, 20)} is not one this server takes (${SNAPSHOTS_VERSION} or ${COLUMNS_VERSION})`,
      );
    }
    let b = fastColumnBatch(json);
    if (!b) {
      // A list far past its bound is said at once: the schema would check every entry first.
      const long = overlong(json);
      if (long) refuse(400, 'invalid', long);
      const parsed = columnBatchSchema.safeParse(json);
      if (!parsed.success) refuse(400, 'invalid', describeIssues(parsed.error));
      b = parsed.data!;
    }
    const tooNew = firstTimeAfter(b, t + MAX_FUTURE_SECONDS);
    if (tooNew) refuse(400, 'future', `${tooNew}: more than a day in the future (check the agent's clock)`);
    return b;
  }

  async function accept(c: Context): Promise<Response> {
    const auth = checkToken(sqlite, configured, bearer(c.req.header('authorization')));
    if (!auth.ok) refuse(401, 'unauthorized', auth.reason);

    let body: Buffer;
    try {
      body = await readBody(c, config.bodyLimit);
    } catch (e) {
      if (e instanceof BodyTooLarge) refuse(413, 'too_large', `body larger than ${config.bodyLimit} bytes`);
      throw e;
    }
    const encoding = contentCoding(c.req.header('content-encoding'));
    if (encoding === 'gzip') {
      try {
        // An agent's batch (~20 KB in, ~100 KB out) in this thread: the thread pool's gunzip
        // costs twice the CPU for it (0.6 ms against 0.3 ms here) and wins no wall time. A
        // big body goes to the pool so it cannot hold the event loop.
        const opts = { maxOutputLength: config.inflatedLimit };
        body = body.length <= SYNC_GUNZIP_BYTES ? zlib.gunzipSync(body, opts) : await gunzip(body, opts);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
          refuse(413, 'too_large', `body larger than ${config.inflatedLimit} bytes after gunzip`);
        }
        refuse(400, 'bad_gzip', 'body: not valid gzip');
      }
    } else if (encoding !== 'identity') {
      refuse(415, 'bad_encoding', `Content-Encoding "${encoding.slice(0, 32)}" not supported (use gzip or none)`);
    }

    let json: unknown;
    const text = body.toString('utf8');
    try {
      json = JSON.parse(text);
    } catch (e) {
      refuse(400, 'bad_json', `body: not valid JSON (${(e as Error).message.slice(0, 120)})`);
    }
    const odd = mayHoldOddNames(text) ? oddName(json) : undefined;
    if (odd) refuse(400, 'invalid', odd);
    const t = now();
    const batch = atStoredPrecision(validate(json, t));
    const rows = batchRows(batch);
    if (rows > MAX_BATCH_ROWS)
      refuse(413, 'too_large', `(body): ${rows} rows in one batch, at most ${MAX_BATCH_ROWS} (send it as several)`);
    if (auth.ok && auth.host !== null && auth.host !== batch.agent.host) {
      refuse(403, 'wrong_host', `agent.host: this token belongs to host "${auth.host}", not "${batch.agent.host}"`);
    }

    let result: StoreResult;
    try {
      result = await writer.store({
        batch,
        t,
        tokenId: auth.ok ? auth.tokenId : null,
        date: c.req.header('date')?.slice(0, 64),
      });
    } catch (e) {
      if (e instanceof HostConflict) refuse(409, 'host_conflict', `agent.host: ${e.message}`);
      if (e instanceof StoreUnavailable) return unavailable(c, e);
      throw e;
    }
    storing.stored();
    return c.json({ ok: true, ...result });
  }
}

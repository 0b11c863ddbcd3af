// POST /api/v1/ingest: authenticates the agent, reads a plain or gzip JSON body within the
// size limits, validates it against the protocol schema, and stores it in one transaction.
// Answers 2xx only after the commit; every refusal is counted and names what was wrong.
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { batch as batchSchema, describeIssues, MAX_FUTURE_SECONDS, type Batch } from '../../protocol/batch.ts';
import { bearer, checkToken, hashToken } from '../auth.ts';
import { bump } from '../counters.ts';
import { HostConflict, storeBatch, type StoreResult } from '../ingest/store-batch.ts';
import { fastBatch } from '../ingest/fast-batch.ts';
import type { AppDeps } from '../app.ts';

const gunzip = promisify(zlib.gunzip);

export function ingestRoute(deps: AppDeps): Hono {
  const { db, config, now } = deps;
  const sqlite = db.$client;
  const configured = config.tokens.map(hashToken);
  const refuse = (status: 400 | 401 | 403 | 409 | 413 | 415, reason: string, message: string): never => {
    bump(sqlite, `ingest_rejected_${reason}`);
    throw new HTTPException(status, { message });
  };

  const touchToken = sqlite.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?');
  // The rows, the token's last use and the counter in one transaction: one commit (one set
  // of WAL writes) per request instead of three.
  const commit = sqlite.transaction((batch: Batch, t: number, tokenId: number | null): StoreResult => {
    const result = storeBatch(sqlite, batch, t, { allowDuplicateHostnames: config.allowDuplicateHostnames });
    if (tokenId !== null) touchToken.run(t, tokenId);
    bump(sqlite, result.duplicate ? 'ingest_duplicate_batches' : 'ingest_batches');
    return result;
  });

  const app = new Hono();
  app.post(
    '/',
    bodyLimit({
      maxSize: config.bodyLimit,
      onError: () => refuse(413, 'too_large', `body larger than ${config.bodyLimit} bytes`),
    }),
    async (c) => {
      const auth = checkToken(sqlite, configured, bearer(c.req.header('authorization')));
      if (!auth.ok) refuse(401, 'unauthorized', auth.reason);

      let body = Buffer.from(await c.req.arrayBuffer());
      const encoding = (c.req.header('content-encoding') ?? 'identity').toLowerCase();
      if (encoding === 'gzip') {
        try {
          // On the thread pool: another request's rows are stored meanwhile.
          body = await gunzip(body, { maxOutputLength: config.inflatedLimit });
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
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch (e) {
        refuse(400, 'bad_json', `body: not valid JSON (${(e as Error).message.slice(0, 120)})`);
      }
      let batch = fastBatch(json);
      if (!batch) {
        const parsed = batchSchema.safeParse(json);
        if (!parsed.success) refuse(400, 'invalid', describeIssues(parsed.error));
        batch = parsed.data!;
      }

      const t = now();
      const tooNew = batch.snapshots.findIndex((s) => s.ts > t + MAX_FUTURE_SECONDS);
      if (tooNew >= 0) refuse(400, 'future', `snapshots.${tooNew}.ts: more than a day in the future (check the agent's clock)`);
      if (auth.ok && auth.host !== null && auth.host !== batch.agent.host) {
        refuse(403, 'wrong_host', `agent.host: this token belongs to host "${auth.host}", not "${batch.agent.host}"`);
      }

      let result: StoreResult;
      try {
        result = commit(batch, t, auth.ok ? auth.tokenId : null);
      } catch (e) {
        if (e instanceof HostConflict) refuse(409, 'host_conflict', `agent.host: ${e.message}`);
        throw e;
      }
      return c.json({ ok: true, ...result });
    },
  );
  return app;
}

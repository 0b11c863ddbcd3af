// /api/v1/tokens: per-host ingest tokens from the web page, the same as the `token` CLI.
// Only an admin or the server's shared (configured) token may manage them, never a host's own
// token (server/auth/guard.ts).
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { bodyLimit } from 'hono/body-limit';
import { addHostToken, listTokens, revokeHostToken } from '../auth.ts';
import type { RouteDeps } from '../deps.ts';
import { actorOf } from '../auth/service.ts';
import { declareJson } from './input.ts';
import { HOST_NAME_MAX, HOST_NAME_RULE, isHostName } from '../../protocol/constants.ts';

export function tokensRoute({ db, now, auth }: RouteDeps) {
  const sqlite = db.$client;
  return (
    new Hono()
      .get('/', (c) => c.json({ tokens: listTokens(sqlite) }))
      // A host name is all this takes: a body past a few KB is not a request for a token.
      .post(
        '/',
        bodyLimit({
          maxSize: 4096,
          onError: () => {
            throw new HTTPException(413, { message: 'body: larger than 4096 bytes (expected {"host": "NAME"})' });
          },
        }),
        declareJson<{ host: string }>(),
        async (c) => {
          let body: unknown;
          try {
            body = await c.req.json();
          } catch {
            throw new HTTPException(400, { message: 'body: not valid JSON (expected {"host": "NAME"})' });
          }
          const host = (body as { host?: unknown } | null)?.host;
          if (typeof host !== 'string' || !isHostName(host)) {
            throw new HTTPException(400, { message: `host: required, ${HOST_NAME_RULE}` });
          }
          const { token, replaced } = addHostToken(sqlite, host, now());
          auth.audit(c, actorOf(auth.principal(c)), 'host-token-add', host);
          return c.json({ host, token, replaced }, 201);
        },
      )
      .delete('/:host', (c) => {
        const host = c.req.param('host');
        if (!revokeHostToken(sqlite, host, now()))
          throw new HTTPException(404, { message: `host: no active token for "${host.slice(0, HOST_NAME_MAX)}"` });
        auth.audit(c, actorOf(auth.principal(c)), 'host-token-revoke', host);
        return c.json({ host, revoked: true });
      })
  );
}

// createApp(deps): the whole HTTP surface of the server as a Hono app, built from its
// dependencies and doing no I/O on import, so tests drive it with app.request().
import path from 'node:path';
import { Hono } from 'hono';
import type { BlankEnv, ExtractSchema } from 'hono/types';
import { HTTPException } from 'hono/http-exception';
import type { AppDeps, RouteDeps } from './deps.ts';
import { ingestRoute } from './routes/ingest.ts';
import { hostsRoute } from './routes/hosts.ts';
import { seriesRoute } from './routes/series.ts';
import { containerSeriesRoute } from './routes/container-series.ts';
import { hostSeriesRoute } from './routes/host-series.ts';
import { topRoute } from './routes/top.ts';
import { processesRoute } from './routes/processes.ts';
import { statusRoute } from './routes/status.ts';
import { tokensRoute } from './routes/tokens.ts';
import { catalogRoute } from './routes/catalog.ts';
import { eventsRoute } from './routes/events.ts';
import { alertsRoute } from './routes/alerts.ts';
import { loader, send, webRoute } from './routes/web.ts';
import { inlineWriter } from './ingest/writer.ts';
import { throttle } from '../lib/log-throttle.ts';
import { metricsRoute } from './routes/metrics.ts';
import { IngestHealth, observeWriter } from './prometheus/health.ts';
import { LatestValues } from './prometheus/latest.ts';
import { sourceRoutes } from './routes/source-routes.ts';
import { PromqlSource } from './query/promql/source.ts';
import { PromClient } from './query/promql/client.ts';
import { statement } from './db/statements.ts';
import { Auth } from './auth/service.ts';
import { guard } from './auth/guard.ts';
import { securityHeaders } from './auth/headers.ts';
import { adminRoutes, sessionRoutes, shareLanding } from './routes/access.ts';
import { oidcRoutes } from './auth/oidc.ts';

/**
 * The page's read routes over SQLite, as one chain so its type carries every path, query
 * parameter and answer. With --read-from, routes/source-routes.ts answers the same paths with
 * the same answer types (query/source.ts, which both sources fill).
 */
function readRoutes(deps: RouteDeps) {
  return new Hono()
    .route('/hosts', hostsRoute(deps))
    .route('/series', seriesRoute(deps))
    .route('/container-series', containerSeriesRoute(deps))
    .route('/host-series', hostSeriesRoute(deps))
    .route('/top', topRoute(deps))
    .route('/processes', processesRoute(deps))
    .route('/catalog', catalogRoute(deps));
}

/**
 * The routes every server answers itself, whatever it reads from: container events and alerts
 * too are read from this server's own database, whatever answers the charts.
 */
function ownRoutes(deps: RouteDeps) {
  return new Hono()
    .route('/status', statusRoute(deps))
    .route('/tokens', tokensRoute(deps))
    .route('/events', eventsRoute(deps))
    .route('/alerts', alertsRoute(deps.alerts))
    .route('/', sessionRoutes(deps))
    .route('/', adminRoutes(deps));
}

/**
 * The /api/v1 routes the page calls, for hono/client: `hc<AppType>('/api/v1')` in web/api.ts,
 * which imports this type and nothing else from the server.
 */
export type AppType = Hono<
  BlankEnv,
  ExtractSchema<ReturnType<typeof readRoutes>> | ExtractSchema<ReturnType<typeof ownRoutes>>
>;

export function createApp(given: AppDeps): Hono {
  // One writer for every route that writes (ingest, and the refusal counters), watched for
  // GET /metrics; each batch it stored goes on to the newest values and to forwarding.
  const health = new IngestHealth();
  const latest = new LatestValues();
  const storedTrouble = throttle();
  const writer = observeWriter(
    given.writer ?? inlineWriter(given.db.$client, { allowDuplicateHostnames: given.config.allowDuplicateHostnames }),
    health,
    (batch) => {
      latest.update(batch, given.now());
      given.forwarder?.enqueue(batch);
      given.alerts?.observe(batch);
    },
    (e) => {
      const t = storedTrouble(e.message);
      if (t.write) given.log.error(`after storing a batch: ${e.message}${t.more}`);
    },
  );
  const auth = new Auth(given.db.$client, given.config, given.log, given.now);
  const deps: RouteDeps = { ...given, writer, auth };
  const app = new Hono();
  const unexpected = throttle();
  // Headers on every answer (errors included), then who may call what: before any route.
  app.use('*', securityHeaders());
  app.use('*', guard(auth, deps.config));

  app.onError((err, c) => {
    if (err instanceof HTTPException) {
      // Hono's own errors (e.g. a malformed body) carry a response; ours carry a message.
      // A 401 says how to authenticate (RFC 9110 §11.6.1).
      if (err.status === 401) c.header('WWW-Authenticate', 'Bearer realm="berth"');
      return c.json({ error: err.message || 'bad request' }, err.status);
    }
    // The stack the first time; the same failure again (a full disk fails every request) is
    // counted into a line a minute.
    const message = err instanceof Error ? err.message : String(err);
    const t = unexpected(`${c.req.method} ${c.req.path} ${message}`);
    if (t.write)
      deps.log.error(
        `${c.req.method} ${c.req.path}: ${t.more ? `${message}${t.more}` : err instanceof Error ? (err.stack ?? message) : message}`,
      );
    return c.json({ error: 'internal error (see the server log)' }, 500);
  });
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));

  app.get('/healthz', (c) => {
    statement(deps.db.$client, 'SELECT 1').get();
    return c.json({ ok: true });
  });
  // Every ingest request timed, answered or refused.
  app.use('/api/v1/ingest', async (_c, next) => {
    const t0 = performance.now();
    try {
      await next();
    } finally {
      health.observeSeconds((performance.now() - t0) / 1000);
    }
  });
  app.route('/api/v1/ingest', ingestRoute(deps));
  if (deps.config.readFrom) {
    // The page's questions answered by a Prometheus query API: every host of every Berth server that writes there.
    const source = new PromqlSource(new PromClient(deps.config.readFrom));
    for (const [at, route] of Object.entries(sourceRoutes(source, deps.now))) app.route(at, route);
  } else {
    app.route('/api/v1', readRoutes(deps));
  }
  app.route('/api/v1', ownRoutes(deps));
  app.route(
    '/metrics',
    metricsRoute(deps, { latest, health, forwardStats: given.forwarder && (() => given.forwarder!.stats()) }),
  );

  // The one-file agent, so a new host needs nothing but Node and this server's URL: from
  // memory, gzip for clients that take it (curl without --compressed gets it plain).
  const loadFile = loader();
  app.get('/agent.mjs', (c) => {
    const bundle = loadFile(path.resolve(deps.config.agentFile));
    if (!bundle) return c.json({ error: 'the agent bundle is not built: run `npm run build` on the server' }, 503);
    return send(c, { ...bundle, type: 'text/javascript; charset=utf-8' }, 'no-cache', {
      'content-disposition': 'attachment; filename="berth-agent.mjs"',
    });
  });

  // A share link opens its one host's view.
  app.route('/s', shareLanding(deps));
  // Single sign-on (server/auth/oidc*.ts) mounts here.
  if (deps.config.oidc)
    app.route(
      '/auth/oidc',
      oidcRoutes(deps.config.oidc, {
        log: deps.log,
        now: deps.now,
        signIn: (c, who, to) => auth.signInExternal(c, who, to),
      }),
    );

  // The page and its assets; client-side routes (/host/…, /container/…) get the page itself.
  app.route('/', webRoute(deps.config.webRoot));
  return app;
}

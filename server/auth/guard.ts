// Who may call which route: one table, read top to bottom, first match wins; a path no rule
// names needs an admin (fails closed). test/access.test.ts walks the app's own route table
// against it, so a route added later without a rule here is caught.
import type { Context, MiddlewareHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ServerConfig } from '../config.ts';
import { CSRF_HEADER, sameText, type Auth, type Principal } from './service.ts';

export type Access =
  /** Anyone: sign-in, health, the agent download, ingest (its own host tokens), the page shell. */
  | 'public'
  /** Anyone signed in, a read token, or anyone with --public-read. */
  | 'read'
  /** As 'read', and a share link for its own host (the `host` query parameter). */
  | 'host-read'
  /** As 'read', and a share link (the answer is cut to its host). */
  | 'hosts-list'
  /** GET /metrics: its --metrics-token when one is set, else as 'read'. */
  | 'metrics'
  /** Any signed-in person (their own sessions). */
  | 'user'
  /** An admin, or the server's configured --token (managing host tokens, as before sign-in). */
  | 'admin-or-shared-token'
  | 'admin';

export interface Rule {
  method: string; // 'GET', 'POST', … or '*'
  path: string; // a Hono-style path: ':name' is one segment, a trailing '*' anything
  access: Access;
}

const hostRead = ['series', 'container-series', 'top', 'processes', 'catalog', 'events', 'events/summary'];

export const RULES: readonly Rule[] = [
  { method: 'GET', path: '/healthz', access: 'public' },
  { method: 'GET', path: '/agent.mjs', access: 'public' },
  { method: 'POST', path: '/api/v1/ingest', access: 'public' },
  { method: '*', path: '/api/v1/session', access: 'public' },
  { method: 'POST', path: '/api/v1/setup', access: 'public' },
  { method: 'DELETE', path: '/api/v1/sessions', access: 'user' },
  { method: 'GET', path: '/api/v1/hosts', access: 'hosts-list' },
  ...hostRead.map((p): Rule => ({ method: 'GET', path: `/api/v1/${p}`, access: 'host-read' })),
  { method: 'GET', path: '/api/v1/host-series', access: 'read' },
  { method: 'GET', path: '/api/v1/status', access: 'read' },
  { method: 'GET', path: '/api/v1/status/forwarding', access: 'read' },
  { method: 'GET', path: '/api/v1/alerts', access: 'read' },
  { method: 'GET', path: '/metrics', access: 'metrics' },
  { method: '*', path: '/api/v1/tokens', access: 'admin-or-shared-token' },
  { method: '*', path: '/api/v1/tokens/:host', access: 'admin-or-shared-token' },
  { method: '*', path: '/api/v1/users', access: 'admin' },
  { method: '*', path: '/api/v1/users/:name', access: 'admin' },
  { method: '*', path: '/api/v1/read-tokens', access: 'admin' },
  { method: '*', path: '/api/v1/read-tokens/:id', access: 'admin' },
  { method: '*', path: '/api/v1/shares', access: 'admin' },
  { method: '*', path: '/api/v1/shares/:id', access: 'admin' },
  { method: 'GET', path: '/api/v1/audit', access: 'admin' },
  // Everything else under the API needs an admin until it is given a rule above.
  { method: '*', path: '/api/*', access: 'admin' },
  { method: 'GET', path: '/s/:token', access: 'public' },
  // Single sign-on's redirects (server/auth/oidc*.ts): they sign people in.
  { method: 'GET', path: '/auth/*', access: 'public' },
  // The page and its assets hold no data: every answer it shows comes from the API above.
  { method: 'GET', path: '/assets/*', access: 'public' },
  { method: 'GET', path: '/*', access: 'public' },
];

/** A rule's path as a regular expression: `:name` one segment, `*` the rest, a trailing slash allowed. */
function pattern(path: string): RegExp {
  const re = path
    .split('/')
    .map((seg) => (seg === '*' ? '.*' : seg.startsWith(':') ? '[^/]+' : seg.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${re}/?$`);
}

// Compiled once: the guard runs on every request, ingest included.
const COMPILED = RULES.map((r) => ({ ...r, re: pattern(r.path) }));

/** The access a request needs (HEAD as GET); 'admin' when no rule names it. */
export function accessFor(method: string, path: string): Access {
  const m = method === 'HEAD' ? 'GET' : method;
  for (const r of COMPILED) if ((r.method === '*' || r.method === m) && r.re.test(path)) return r.access;
  return 'admin';
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether a browser sent this from another site (a forged form or fetch). */
function crossSite(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return true;
  const origin = c.req.header('origin');
  if (origin && origin !== 'null') {
    try {
      return new URL(origin).host !== (c.req.header('host') ?? new URL(c.req.url).host);
    } catch {
      return true;
    }
  }
  return origin === 'null';
}

function allowed(access: Access, p: Principal, config: ServerConfig, c: Context): boolean {
  const reader = p.kind === 'user' || p.kind === 'read-token' || config.publicRead;
  switch (access) {
    case 'public':
      return true;
    case 'read':
      return reader;
    case 'metrics':
      return config.metricsToken !== undefined || reader;
    case 'host-read':
      return reader || (p.kind === 'share' && c.req.query('host') === p.host);
    case 'hosts-list':
      return reader || p.kind === 'share';
    case 'user':
      return p.kind === 'user';
    case 'admin-or-shared-token':
      return (p.kind === 'user' && p.user.role === 'admin') || p.kind === 'shared-token';
    case 'admin':
      return p.kind === 'user' && p.user.role === 'admin';
  }
}

/** The middleware: refuses what the caller may not do (401 unknown caller, 403 known but not allowed), and cross-site changes. */
export function guard(auth: Auth, config: ServerConfig): MiddlewareHandler {
  return async (c, next) => {
    const access = accessFor(c.req.method, c.req.path);
    // Agents and scripts (bearer tokens) are not browsers: neither cookies nor CSRF concern them.
    const bearerCall = c.req.header('authorization') !== undefined;
    const changes = !SAFE.has(c.req.method);
    if (access === 'public' && (!changes || bearerCall || c.req.path === '/api/v1/ingest')) return next();
    if (changes && !bearerCall && crossSite(c))
      throw new HTTPException(403, { message: 'refused: a change sent from another site' });
    const p = auth.principal(c);
    if (changes && p.kind === 'user') {
      const sent = c.req.header(CSRF_HEADER) ?? '';
      if (!sameText(sent, p.csrf))
        throw new HTTPException(403, { message: `refused: missing or wrong ${CSRF_HEADER} header (reload the page)` });
    }
    if (!allowed(access, p, config, c)) {
      if (p.kind === 'anonymous')
        throw new HTTPException(401, {
          message:
            access === 'admin-or-shared-token'
              ? "managing tokens needs the server's shared token (Authorization: Bearer …) or an admin signed in"
              : c.req.header('authorization') !== undefined
                ? 'unknown or revoked token'
                : 'sign in first (or send a read token: Authorization: Bearer …)',
        });
      throw new HTTPException(403, {
        message: p.kind === 'share' ? 'a share link shows one host only' : 'not allowed for your role',
      });
    }
    await next();
    // A share link sees its own host in the host list, no other.
    if (access === 'hosts-list' && p.kind === 'share' && c.res.ok) {
      const body = (await c.res.json()) as { hosts: { name: string; online: boolean }[] };
      const hosts = body.hosts.filter((h) => h.name === p.host);
      // The counts too: how many hosts the fleet has is not the link's to know.
      const counts = { total: hosts.length, online: hosts.filter((h) => h.online).length };
      c.res = new Response(JSON.stringify({ ...body, hosts, ...counts }), {
        status: c.res.status,
        headers: { 'content-type': 'application/json; charset=UTF-8', 'cache-control': 'no-store' },
      });
    }
  };
}

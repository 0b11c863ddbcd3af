// The API of sign-in and access: /api/v1/session (who am I; sign in; sign out), /setup (the
// first admin, from the one-time link), /sessions (sign out everywhere), and for admins
// /users, /read-tokens, /shares and /audit. Who may call each is in server/auth/guard.ts.
import { Hono, type Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { bodyLimit } from 'hono/body-limit';
import type { RouteDeps } from '../deps.ts';
import { declareJson } from './input.ts';
import { actorOf, type Auth } from '../auth/service.ts';
import { isRole, isUserName, SHARE_DEFAULT_S, SHARE_MAX_S, USER_NAME_RULE, type Role } from '../auth/store.ts';
import { hashPassword, passwordProblem } from '../auth/passwords.ts';
import { HOST_NAME_RULE, isHostName } from '../../protocol/constants.ts';

const small = bodyLimit({
  maxSize: 8192,
  onError: () => {
    throw new HTTPException(413, { message: 'body: larger than 8192 bytes' });
  },
});

async function body(c: Context): Promise<Record<string, unknown>> {
  let b: unknown;
  try {
    b = await c.req.json();
  } catch {
    throw new HTTPException(400, { message: 'body: not valid JSON' });
  }
  if (typeof b !== 'object' || b === null || Array.isArray(b))
    throw new HTTPException(400, { message: 'body: expected a JSON object' });
  return b as Record<string, unknown>;
}

const bad = (message: string) => new HTTPException(400, { message });

function me(auth: Auth, c: Context) {
  const p = auth.principal(c);
  return p.kind === 'user' ? p : undefined;
}

export function sessionRoutes({ auth, config }: RouteDeps) {
  const state = (c: Context) => {
    const p = auth.principal(c);
    return {
      user: p.kind === 'user' ? { name: p.user.name, role: p.user.role as Role, via: p.user.via } : null,
      csrf: p.kind === 'user' ? p.csrf : null,
      share: p.kind === 'share' ? { host: p.host } : null,
      publicRead: config.publicRead,
      oidc: config.oidc !== undefined,
      setup: auth.store.countUsers() === 0,
    };
  };
  return new Hono()
    .get('/session', (c) => {
      c.header('cache-control', 'no-store');
      return c.json(state(c));
    })
    .post('/session', small, declareJson<{ name: string; password: string }>(), async (c) => {
      const b = await body(c);
      const { user, csrf } = await auth.signIn(c, b.name, b.password);
      auth.audit(c, user.name, 'sign-in', 'via password');
      return c.json({ user: { name: user.name, role: user.role, via: user.via }, csrf });
    })
    .delete('/session', (c) => {
      auth.signOut(c);
      return c.json({ signedOut: true });
    })
    .delete('/sessions', (c) => {
      const u = me(auth, c)!;
      const ended = auth.store.endSessionsOf(u.user.id);
      auth.audit(c, u.user.name, 'sign-out-everywhere', `${ended} sessions`);
      auth.signOut(c);
      return c.json({ ended });
    })
    .post('/setup', small, declareJson<{ code: string; name: string; password: string }>(), async (c) => {
      const b = await body(c);
      if (typeof b.code !== 'string' || !b.code) throw bad('code: required (from the setup link)');
      if (!isUserName(b.name)) throw bad(`name: ${USER_NAME_RULE}`);
      const problem = passwordProblem(b.password);
      if (problem) throw bad(problem);
      const { user, csrf } = await auth.setup(c, b.code, b.name, b.password as string);
      return c.json({ user: { name: user.name, role: user.role, via: user.via }, csrf }, 201);
    });
}

export function adminRoutes({ auth, now }: RouteDeps) {
  const store = auth.store;
  const actor = (c: Context) => actorOf(auth.principal(c));
  return new Hono()
    .get('/users', (c) => c.json({ users: store.listUsers() }))
    .post('/users', small, declareJson<{ name: string; role: Role; password: string }>(), async (c) => {
      const b = await body(c);
      if (!isUserName(b.name)) throw bad(`name: ${USER_NAME_RULE}`);
      if (!isRole(b.role)) throw bad('role: admin or viewer');
      const problem = passwordProblem(b.password);
      if (problem) throw bad(problem);
      if (store.userByName(b.name)) throw new HTTPException(409, { message: `name: "${b.name}" is taken` });
      const user = store.addUser(b.name, b.role, await hashPassword(b.password as string), now());
      auth.audit(c, actor(c), 'user-add', `${user.name} as ${user.role}`);
      return c.json({ user }, 201);
    })
    .patch('/users/:name', small, declareJson<{ role?: Role; password?: string }>(), async (c) => {
      const name = c.req.param('name');
      const b = await body(c);
      const u = store.userByName(name);
      if (!u) throw new HTTPException(404, { message: `name: no user "${name.slice(0, 64)}"` });
      if (b.role !== undefined) {
        if (!isRole(b.role)) throw bad('role: admin or viewer');
        if (u.role === 'admin' && b.role !== 'admin' && store.countAdmins() <= 1)
          throw new HTTPException(409, { message: 'role: the last admin cannot stop being one' });
        store.setRole(name, b.role);
        auth.audit(c, actor(c), 'user-role', `${name} to ${b.role}`);
      }
      if (b.password !== undefined) {
        const problem = passwordProblem(b.password);
        if (problem) throw bad(problem);
        if (u.via !== 'password') throw bad('password: this user signs in through single sign-on');
        store.setPassword(name, await hashPassword(b.password as string));
        store.endSessionsOf(u.id);
        auth.audit(c, actor(c), 'user-passwd', name);
      }
      return c.json({ user: store.userById(u.id) });
    })
    .delete('/users/:name', (c) => {
      const name = c.req.param('name');
      const u = store.userByName(name);
      if (!u) throw new HTTPException(404, { message: `name: no user "${name.slice(0, 64)}"` });
      if (u.role === 'admin' && store.countAdmins() <= 1)
        throw new HTTPException(409, { message: 'name: the last admin cannot be removed' });
      store.removeUser(name);
      auth.audit(c, actor(c), 'user-remove', name);
      return c.json({ removed: name });
    })
    .get('/read-tokens', (c) => c.json({ tokens: store.listReadTokens() }))
    .post('/read-tokens', small, declareJson<{ name: string }>(), async (c) => {
      const b = await body(c);
      if (typeof b.name !== 'string' || !b.name.trim() || b.name.length > 100)
        throw bad('name: required, 1 to 100 characters (what the token is for)');
      const { id, token } = store.addReadToken(b.name.trim(), actor(c), now());
      auth.audit(c, actor(c), 'read-token-add', `#${id} ${b.name.trim()}`);
      return c.json({ id, name: b.name.trim(), token }, 201);
    })
    .delete('/read-tokens/:id', (c) => {
      const id = Number(c.req.param('id'));
      if (!store.revokeReadToken(id, now()))
        throw new HTTPException(404, { message: `id: no active read token ${c.req.param('id').slice(0, 20)}` });
      auth.audit(c, actor(c), 'read-token-revoke', `#${id}`);
      return c.json({ id, revoked: true });
    })
    .get('/shares', (c) => c.json({ shares: store.listShares() }))
    .post('/shares', small, declareJson<{ host: string; days?: number }>(), async (c) => {
      const b = await body(c);
      if (typeof b.host !== 'string' || !isHostName(b.host)) throw bad(`host: required, ${HOST_NAME_RULE}`);
      const days = b.days === undefined ? SHARE_DEFAULT_S / 86400 : b.days;
      if (typeof days !== 'number' || !(days > 0) || days * 86400 > SHARE_MAX_S)
        throw bad(`days: a number above 0, at most ${SHARE_MAX_S / 86400}`);
      const share = store.addShare(b.host, actor(c), now(), Math.round(days * 86400));
      auth.audit(c, actor(c), 'share-add', `#${share.id} host ${b.host} for ${days} days`);
      return c.json({ ...share, host: b.host, path: `/s/${share.token}` }, 201);
    })
    .delete('/shares/:id', (c) => {
      const id = Number(c.req.param('id'));
      if (!store.revokeShare(id, now()))
        throw new HTTPException(404, { message: `id: no active share ${c.req.param('id').slice(0, 20)}` });
      auth.audit(c, actor(c), 'share-revoke', `#${id}`);
      return c.json({ id, revoked: true });
    })
    .get('/audit', (c) => c.json({ audit: store.listAudit(200) }));
}

/** GET /s/TOKEN: a share link opens its host's view (a cookie holds the token), or says it is no more. */
export function shareLanding({ auth }: RouteDeps) {
  return new Hono().get('/:token', (c) => {
    const host = auth.openShare(c, c.req.param('token'));
    c.header('cache-control', 'no-store');
    if (!host) return c.text('This share link has expired or was revoked.', 404);
    return c.redirect(`/host/${encodeURIComponent(host)}`, 303);
  });
}

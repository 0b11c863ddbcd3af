// The single sign-on tests' rig: a real OpenID Connect provider (the oidc-provider package,
// its development sign-in and consent pages) on loopback with one client for Berth and a few
// accounts; a Berth server signing people in through it; and a cookie jar so a test can walk
// the pages with fetch as a browser would.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import Provider from 'oidc-provider';
import { getRequestListener } from '@hono/node-server';
import { createApp } from '../../server/app.ts';
import { openDb } from '../../server/db/open.ts';
import { loadServerConfig } from '../../server/config.ts';
import { memoryLogger } from '../../lib/log.ts';
import { tempDir } from './temp.ts';
import { testConfig } from './server.ts';

export const CLIENT_ID = 'berth';
export const CLIENT_SECRET = 'berth-test-client-secret-0123456789';
export const ADMIN_GROUP = 'berth-admins';

/** The provider's accounts: the sign-in page takes any password for these names. */
export const ACCOUNTS: Record<string, { email: string; email_verified: boolean; groups: string[]; name: string }> = {
  alice: { email: 'alice@example.org', email_verified: true, groups: [ADMIN_GROUP, 'staff'], name: 'Alice Admin' },
  bob: { email: 'bob@example.org', email_verified: true, groups: ['staff'], name: 'Bob Viewer' },
  carol: { email: 'carol@elsewhere.test', email_verified: true, groups: [], name: 'Carol Outside' },
  mallory: { email: 'alice@example.org', email_verified: false, groups: [], name: 'Mallory Unverified' },
  dave: { email: 'dave@example.org', email_verified: true, groups: [ADMIN_GROUP], name: 'Dave Demoted' },
};

export interface TestProvider {
  issuer: string;
  close(): Promise<void>;
}

/** Starts the provider on 127.0.0.1 with Berth's client sending people back to `redirectUris`. */
export async function startProvider(redirectUris: string[]): Promise<TestProvider> {
  let handler: http.RequestListener = (_req, res) => res.writeHead(503).end();
  const server = http.createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: redirectUris,
        response_types: ['code'],
        grant_types: ['authorization_code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    // groups with the profile, as Authentik sends it.
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username', 'groups'] },
    async findAccount(_ctx, id) {
      const account = ACCOUNTS[id];
      if (!account) return undefined;
      return { accountId: id, claims: () => ({ sub: id, preferred_username: id, ...account }) };
    },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: ['oidc-test-cookie-key-0123456789abcdef'] },
    jwks: { keys: [signingKey()] },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
  });
  handler = provider.callback();
  return {
    issuer,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface Berth {
  url: string;
  log: ReturnType<typeof memoryLogger>;
  close(): Promise<void>;
}

/** A Berth server on loopback signing people in through `issuer`, with `flags` added. */
export async function startBerth(
  server: http.Server,
  url: string,
  issuer: string,
  flags: string[],
  webRoot?: string,
): Promise<Berth> {
  const dir = tempDir();
  const { oidc } = loadServerConfig(
    [
      '--db',
      path.join(dir, 'berth.db'),
      '--public-url',
      url,
      '--oidc-issuer',
      issuer,
      '--oidc-client-id',
      CLIENT_ID,
      ...flags,
    ],
    // The secret from the environment, as the docs advise.
    { BERTH_OIDC_CLIENT_SECRET: CLIENT_SECRET },
  );
  const config = testConfig({ publicRead: false, publicUrl: url, oidc, ...(webRoot ? { webRoot } : {}) });
  const db = openDb(config.dbPath);
  const log = memoryLogger();
  const app = createApp({ db, config, log, now: () => Math.floor(Date.now() / 1000) });
  server.on('request', getRequestListener(app.fetch));
  return {
    url,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          db.$client.close();
          resolve();
        });
      }),
  };
}

/** A listening server with no handler yet, so its URL is known before the app is made. */
export async function listen(): Promise<{ server: http.Server; url: string }> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/**
 * Cookies as a browser keeps them for one host: by name and path, sent where the path
 * matches, removed by an expired Set-Cookie. Ports do not separate cookies, as in browsers.
 */
export class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string }>();

  get(name: string): string | undefined {
    return this.cookies.get(name)?.value;
  }

  set(name: string, value: string, path = '/'): void {
    this.cookies.set(name, { value, path });
  }

  /** GET or POST `url` with the jar's cookies, keeping those the answer sets; never follows redirects. */
  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const at = new URL(url);
    const cookie = [...this.cookies]
      .filter(([, c]) => at.pathname === c.path || at.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
    const headers = new Headers(init.headers);
    if (cookie) headers.set('cookie', cookie);
    const res = await fetch(at, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const path = attrs.find((a) => /^path=/i.test(a))?.slice(5) || '/';
      const gone = attrs.some(
        (a) => /^max-age=0$/i.test(a) || (/^expires=/i.test(a) && Date.parse(a.slice(8)) < Date.now()),
      );
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, { value: pair.slice(eq + 1), path });
    }
    return res;
  }
}

/** The `action` and fields of the first form on an HTML page (the provider's pages have one each). */
export function formOf(page: string, base: string): { action: URL; fields: Record<string, string> } {
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/.exec(page);
  if (!form) throw new Error(`no form on the page: ${page.slice(0, 300)}`);
  const fields: Record<string, string> = {};
  for (const input of form[2].matchAll(/<input[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    if (name) fields[name] = /value="([^"]*)"/.exec(input[0])?.[1] ?? '';
  }
  return { action: new URL(form[1].replace(/&amp;/g, '&'), base), fields };
}

/** The provider's ID-token signing key, made for the run. */
function signingKey() {
  // RS256: the algorithm every OpenID Connect client must accept, and the provider's default.
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), alg: 'RS256', use: 'sig', kid: 'test' };
}

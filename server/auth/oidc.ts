// Single sign-on through an OpenID Connect provider (openid-client): GET /auth/oidc/login sends
// the browser to the provider (Authorization Code with PKCE, state and nonce), GET
// /auth/oidc/callback takes the code back, has openid-client check the answer and the ID token,
// applies Berth's rules (oidc-identity.ts) and hands the person to the session's sign-in.
import type { Context } from 'hono';
import { Hono } from 'hono';
import { getCookie, setCookie, deleteCookie } from 'hono/cookie';
import { html } from 'hono/html';
import * as client from 'openid-client';
import type { Logger } from '../../lib/log.ts';
import { escapeControls } from '../../lib/log.ts';
import type { OidcConfig } from './oidc-options.ts';
import { decide, type OidcClaims } from './oidc-identity.ts';
import { safeReturn, type ExternalIdentity } from './service.ts';
import { PENDING_TTL_S, PendingSeal } from './oidc-pending.ts';

/** Signs `who` in (a session cookie) and answers with the redirect to `returnTo`. */
export type SignInExternal = (c: Context, who: ExternalIdentity, returnTo: string) => Promise<Response>;

export interface OidcDeps {
  log: Logger;
  /** Epoch seconds. */
  now: () => number;
  signIn: SignInExternal;
}

const COOKIE = 'berth_oidc';

export function oidcRoutes(cfg: OidcConfig, deps: OidcDeps) {
  deps.log.info(`oidc: single sign-on through ${cfg.issuer.href}, redirect URI ${cfg.redirectUri.href}`);
  if (!cfg.allowedEmails)
    deps.log.warn(
      'oidc: every account the provider signs in may read Berth as a viewer (--oidc-allowed-emails limits who)',
    );
  const seal = new PendingSeal();
  const discovered = discovery(cfg);
  const secure = cfg.redirectUri.protocol === 'https:';
  // Only where the callback is: the cookie travels with nothing else.
  const cookiePath = cfg.redirectUri.pathname.replace(/[^/]*$/, '');

  return new Hono()
    .get('/login', async (c) => {
      c.header('cache-control', 'no-store');
      let config: client.Configuration;
      try {
        config = await discovered();
      } catch (e) {
        deps.log.error(`oidc: reading ${cfg.issuer.href}'s configuration failed: ${describe(e)}`);
        return page(
          c,
          502,
          'The sign-in provider could not be reached',
          'Try again in a moment; the server log says why.',
        );
      }
      const verifier = client.randomPKCECodeVerifier();
      const state = client.randomState();
      const nonce = client.randomNonce();
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: cfg.redirectUri.href,
        scope: cfg.scopes,
        code_challenge: await client.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      });
      const returnTo = safeReturn(c.req.query('return'));
      setCookie(c, COOKIE, seal.seal({ state, nonce, verifier, returnTo, expires: deps.now() + PENDING_TTL_S }), {
        path: cookiePath,
        httpOnly: true,
        // Lax: the provider's redirect back is a top-level GET, which carries it.
        sameSite: 'Lax',
        secure,
        maxAge: PENDING_TTL_S,
      });
      return c.redirect(url.href, 302);
    })
    .get('/callback', async (c) => {
      c.header('cache-control', 'no-store');
      const pending = seal.open(getCookie(c, COOKIE), deps.now());
      // One callback per sign-in, whatever it comes to.
      deleteCookie(c, COOKIE, { path: cookiePath, secure });
      const query = c.req.query();
      if (query.error) {
        // The provider's own refusal (the person cancelled, or is not let into this client). Only
        // an error code is shown: anyone can make a link here that says anything.
        const code = /^[\w.-]{1,64}$/.test(query.error) ? query.error : 'an error';
        deps.log.warn(`oidc: the provider refused a sign-in: ${code}`);
        return page(c, 403, 'The sign-in provider refused the sign-in', `It said: ${code}.`);
      }
      if (typeof pending === 'string') return page(c, 400, 'Sign-in could not go on', `${pending}.`);
      let config: client.Configuration;
      let claims: OidcClaims;
      try {
        config = await discovered();
        // The URL the provider was given, with the answer's parameters: behind a reverse proxy the
        // request's own URL is not the one registered.
        const current = new URL(cfg.redirectUri);
        current.search = new URL(c.req.url).search;
        const tokens = await client.authorizationCodeGrant(config, current, {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        claims = tokens.claims()!;
        claims = { ...(await userinfo(config, tokens.access_token, claims.sub, deps.log)), ...claims };
      } catch (e) {
        const unreachable = isUnreachable(e);
        deps.log.warn(`oidc: a sign-in failed: ${describe(e)}`);
        return unreachable
          ? page(c, 502, 'The sign-in provider could not be reached', 'Try again in a moment; the server log says why.')
          : page(
              c,
              400,
              'The sign-in was not accepted',
              'The answer from the provider did not check out; the server log says why.',
            );
      }
      const d = decide(claims, config.serverMetadata().issuer, cfg);
      if (!d.ok) {
        deps.log.warn(`oidc: sign-in refused for ${escapeControls(String(claims.sub))}: ${escapeControls(d.reason)}`);
        return page(c, 403, 'You may not sign in here', `${d.reason}. Ask this Berth's admin.`);
      }
      return deps.signIn(c, d.who, pending.returnTo);
    });
}

/**
 * The provider's configuration, read on first use and kept; a failure is not kept, so the
 * next sign-in asks again (the server starts whether or not the provider is up).
 */
function discovery(cfg: OidcConfig): () => Promise<client.Configuration> {
  let cached: Promise<client.Configuration> | undefined;
  return () =>
    (cached ??= client
      .discovery(cfg.issuer, cfg.clientId, undefined, client.ClientSecretBasic(cfg.clientSecret), {
        // http:// is accepted by the options only for a provider on this machine.
        execute: cfg.issuer.protocol === 'http:' ? [client.allowInsecureRequests] : [],
      })
      .catch((e: unknown) => {
        cached = undefined;
        throw e;
      }));
}

/**
 * The userinfo answer, for the claims a provider leaves out of the ID token (oidc-provider and
 * some Keycloak setups send email and groups only there); nothing when it cannot be had.
 */
async function userinfo(
  config: client.Configuration,
  accessToken: string,
  sub: string,
  log: Logger,
): Promise<Record<string, unknown>> {
  if (!config.serverMetadata().userinfo_endpoint) return {};
  try {
    return await client.fetchUserInfo(config, accessToken, sub);
  } catch (e) {
    log.warn(`oidc: userinfo failed, going on with the ID token's claims: ${describe(e)}`);
    return {};
  }
}

/** An error's words for the log: openid-client's never hold the client secret or a token. */
function describe(e: unknown): string {
  if (!(e instanceof Error)) return escapeControls(String(e));
  const code = (e as { code?: unknown }).code;
  const body = (e as { error?: unknown }).error;
  const cause = e.cause instanceof Error ? ` (${e.cause.message})` : '';
  return escapeControls(
    `${e.message}${typeof code === 'string' ? ` [${code}]` : ''}${typeof body === 'string' ? ` ${body}` : ''}${cause}`,
  );
}

/** A network failure or timeout talking to the provider, rather than an answer that failed the checks. */
function isUnreachable(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  return e.name === 'TimeoutError' || code === 'OAUTH_TIMEOUT' || (e instanceof TypeError && /fetch/i.test(e.message));
}

/** A plain page (no script, no style: the CSP holds) with the outside words escaped. */
async function page(c: Context, status: 400 | 403 | 502, title: string, detail: string): Promise<Response> {
  return c.html(
    html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>Berth — ${title}</title>
        </head>
        <body>
          <h1>${title}</h1>
          <p>${detail}</p>
          <p><a href="login">Sign in again</a> · <a href="../../">Berth</a></p>
        </body>
      </html>`,
    status,
  );
}

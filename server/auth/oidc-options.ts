// Single sign-on's options (--oidc-*), spread into the server's one option table (config.ts),
// and the rules they make: who may sign in through the provider and who of them is an admin.
import { option } from '../../lib/options.ts';
import { commaList, optional, text } from '../../lib/option-parsers.ts';

export interface OidcConfig {
  /** The provider's issuer; its /.well-known/openid-configuration is read on first use. */
  issuer: URL;
  clientId: string;
  clientSecret: string;
  /** Where the provider sends people back: <public-url>/auth/oidc/callback, registered there. */
  redirectUri: URL;
  scopes: string;
  /** Members (claim `groups`) are admins. */
  adminGroup?: string;
  /** These (verified) e-mail addresses are admins; lower case. */
  adminEmails: string[];
  /** When set, only these addresses (or `@domain` entries) may sign in, besides admins; lower case. */
  allowedEmails?: string[];
}

/** A list of e-mail addresses (`a@x.org`) or, where `domains`, whole domains (`@x.org`); lower case. */
const emails =
  (domains: boolean) =>
  (raw: string): string[] => {
    const list = commaList(raw).map((e) => e.toLowerCase());
    for (const e of list)
      if (!(domains && /^@[^@\s]+\.[^@\s]+$/.test(e)) && !/^[^@\s]+@[^@\s]+$/.test(e))
        throw new Error(`"${e}" is not an e-mail address${domains ? ' or @domain' : ''}`);
    return list;
  };

export const OIDC_OPTIONS = {
  'oidc-issuer': option({
    env: 'BERTH_OIDC_ISSUER',
    default: '',
    help: 'Sign people in with this OpenID Connect provider (its issuer URL, https://; see docs/oidc.md); needs --public-url',
    parse: optional((raw) => {
      let url: URL;
      try {
        url = new URL(raw.trim());
      } catch {
        throw new Error(`"${raw}" is not a URL`);
      }
      // Plain http only to a provider on this machine (a test, a local Keycloak): elsewhere the
      // provider's keys and the tokens would travel in the clear.
      if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)))
        throw new Error(`"${raw}" must be an https:// address (http:// only on this machine)`);
      return url;
    }),
  }),
  'oidc-client-id': option({
    env: 'BERTH_OIDC_CLIENT_ID',
    default: '',
    help: "Berth's client id at the provider",
    parse: optional(text),
  }),
  'oidc-client-secret': option({
    env: 'BERTH_OIDC_CLIENT_SECRET',
    default: '',
    help: "Berth's client secret at the provider (prefer the variable: a flag shows in the process list)",
    // Never echoed back in a message: it is a secret.
    parse: optional((raw) => {
      if (raw.trim() === '') throw new Error('is blank');
      return raw;
    }),
  }),
  'oidc-scopes': option({
    env: 'BERTH_OIDC_SCOPES',
    default: 'openid email profile',
    help: 'Scopes asked for, space-separated (add groups where the provider wants it for the groups claim)',
    parse: (raw) => {
      const scopes = raw.trim().split(/\s+/).filter(Boolean);
      if (!scopes.includes('openid')) throw new Error('must include openid');
      return scopes.join(' ');
    },
  }),
  'oidc-admin-group': option({
    env: 'BERTH_OIDC_ADMIN_GROUP',
    default: '',
    help: 'Members of this group (the groups claim) sign in as admins',
    parse: optional((raw) => raw.trim()),
  }),
  'oidc-admin-emails': option({
    env: 'BERTH_OIDC_ADMIN_EMAILS',
    default: '',
    help: 'These verified e-mail addresses sign in as admins (comma-separated)',
    parse: emails(false),
  }),
  'oidc-allowed-emails': option({
    env: 'BERTH_OIDC_ALLOWED_EMAILS',
    default: '',
    help: 'Only these verified addresses or @domains may sign in, admins besides (comma-separated; default: anyone the provider signs in, as a viewer)',
    parse: optional(emails(true)),
  }),
};

type OidcValues = {
  [K in keyof typeof OIDC_OPTIONS]: ReturnType<(typeof OIDC_OPTIONS)[K]['parse']> | undefined;
};

/**
 * The single sign-on settings, or undefined when --oidc-issuer is not given. `problem` is told
 * of every option missing or given without the others, under its flag.
 */
export function oidcConfig(
  v: OidcValues,
  publicUrl: string | undefined,
  problem: (flag: keyof typeof OIDC_OPTIONS, message: string) => void,
): OidcConfig | undefined {
  const issuer = v['oidc-issuer'];
  if (!issuer) {
    for (const flag of ['oidc-client-id', 'oidc-client-secret', 'oidc-admin-group'] as const)
      if (v[flag] !== undefined) problem(flag, 'given without --oidc-issuer');
    if (v['oidc-admin-emails']?.length) problem('oidc-admin-emails', 'given without --oidc-issuer');
    if (v['oidc-allowed-emails']) problem('oidc-allowed-emails', 'given without --oidc-issuer');
    return undefined;
  }
  const clientId = v['oidc-client-id'];
  const clientSecret = v['oidc-client-secret'];
  if (!clientId) problem('oidc-client-id', 'needed with --oidc-issuer');
  if (!clientSecret) problem('oidc-client-secret', 'needed with --oidc-issuer');
  // The redirect URI comes from the configured address, never from a request's Host header.
  if (!publicUrl)
    problem(
      'oidc-issuer',
      'needs --public-url, the address people open (the redirect URI is <public-url>/auth/oidc/callback)',
    );
  if (!clientId || !clientSecret || !publicUrl || !v['oidc-scopes']) return undefined;
  return {
    issuer,
    clientId,
    clientSecret,
    redirectUri: callbackUrl(publicUrl),
    scopes: v['oidc-scopes'],
    adminGroup: v['oidc-admin-group'],
    adminEmails: v['oidc-admin-emails'] ?? [],
    allowedEmails: v['oidc-allowed-emails'],
  };
}

/** <public-url>/auth/oidc/callback, under the public URL's own path when it has one. */
export function callbackUrl(publicUrl: string): URL {
  const base = new URL(publicUrl);
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  return new URL('auth/oidc/callback', base);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

// Who a provider's claims describe, and what they may be at Berth: pure, so the rules
// (admin group, admin e-mails, allowed e-mails and domains) are tested by tables.
import type { OidcConfig } from './oidc-options.ts';
import type { ExternalIdentity } from './service.ts';

/** The claims Berth reads, from the ID token and the userinfo answer together. */
export interface OidcClaims {
  sub: string;
  email?: unknown;
  email_verified?: unknown;
  groups?: unknown;
  preferred_username?: unknown;
  name?: unknown;
}

export type Decision = { ok: true; who: ExternalIdentity } | { ok: false; reason: string };

type Rules = Pick<OidcConfig, 'adminGroup' | 'adminEmails' | 'allowedEmails'>;

/**
 * The identity for `claims`, or why it may not sign in. An e-mail address counts for a rule
 * only when the provider says it is verified (`email_verified` true): where people may type
 * any address into their profile, an unverified one would make anyone an admin.
 */
export function decide(claims: OidcClaims, issuer: string, rules: Rules): Decision {
  const email = typeof claims.email === 'string' ? claims.email.toLowerCase() : undefined;
  const verified = email !== undefined && verifiedEmail(claims);
  const groups = groupsOf(claims.groups);
  const admin =
    (rules.adminGroup !== undefined && groups.includes(rules.adminGroup)) ||
    (verified && rules.adminEmails.includes(email));
  if (!admin && rules.allowedEmails) {
    if (!email)
      return { ok: false, reason: 'the provider sent no e-mail address, and only listed addresses may sign in' };
    if (!verified) return { ok: false, reason: `the provider has not verified ${email}` };
    const domain = email.slice(email.lastIndexOf('@'));
    if (!rules.allowedEmails.includes(email) && !rules.allowedEmails.includes(domain))
      return { ok: false, reason: `${email} may not sign in to this Berth` };
  }
  return {
    ok: true,
    who: { subject: `${issuer}#${claims.sub}`, name: nameOf(claims), email, admin, via: 'oidc' },
  };
}

/** Whether the provider vouches for the address; a few (Amazon Cognito) send "true" as text. */
function verifiedEmail(claims: OidcClaims): boolean {
  return claims.email_verified === true || claims.email_verified === 'true';
}

/** `groups` as a list: most providers send an array, a few one string. */
function groupsOf(raw: unknown): string[] {
  if (typeof raw === 'string') return [raw];
  return Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : [];
}

/**
 * A user name within Berth's rule (letters, digits, . _ @ + -; at most 64), from the first
 * claim there is: the verified address people know each other by (an unverified one could be
 * anyone's), else the provider's user name.
 */
export function nameOf(claims: OidcClaims): string {
  const email = verifiedEmail(claims) ? claims.email : undefined;
  for (const raw of [email, claims.preferred_username, claims.name, claims.sub]) {
    if (typeof raw !== 'string') continue;
    const name = raw
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .replace(/\s+/g, '.')
      .replace(/[^A-Za-z0-9._@+-]/g, '')
      .slice(0, 64);
    if (name) return name;
  }
  return 'sso-user';
}

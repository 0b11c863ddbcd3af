import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decide, nameOf, type OidcClaims } from './oidc-identity.ts';

const ISSUER = 'https://id.example.org';
const alice: OidcClaims = {
  sub: 'a1',
  email: 'Alice@Example.org',
  email_verified: true,
  groups: ['ops', 'berth-admins'],
};
const bob: OidcClaims = { sub: 'b2', email: 'bob@example.org', email_verified: true, groups: ['ops'] };
const unverified: OidcClaims = { sub: 'm3', email: 'alice@example.org', email_verified: false };
const noEmail: OidcClaims = { sub: 'n4', preferred_username: 'nemo' };
const outside: OidcClaims = { sub: 'c5', email: 'carol@elsewhere.test', email_verified: true };

test('who is an admin, who a viewer, who may not sign in', () => {
  const cases: [string, OidcClaims, Parameters<typeof decide>[2], boolean | string][] = [
    ['the admin group', alice, { adminGroup: 'berth-admins', adminEmails: [] }, true],
    ['not in the admin group', bob, { adminGroup: 'berth-admins', adminEmails: [] }, false],
    ['groups as one string', { ...bob, groups: 'berth-admins' }, { adminGroup: 'berth-admins', adminEmails: [] }, true],
    ['an admin address, in any case', alice, { adminEmails: ['alice@example.org'] }, true],
    ['an admin address unverified', unverified, { adminEmails: ['alice@example.org'] }, false],
    [
      'email_verified as the text "true"',
      { ...alice, email_verified: 'true' },
      { adminEmails: ['alice@example.org'] },
      true,
    ],
    ['email_verified missing', { ...alice, email_verified: undefined }, { adminEmails: ['alice@example.org'] }, false],
    ['email_verified as 1', { ...alice, email_verified: 1 }, { adminEmails: ['alice@example.org'] }, false],
    ['no rules: everyone a viewer', alice, { adminEmails: [] }, false],
    ['an allowed domain', bob, { adminEmails: [], allowedEmails: ['@example.org'] }, false],
    ['an allowed address', outside, { adminEmails: [], allowedEmails: ['carol@elsewhere.test'] }, false],
    [
      'a domain not allowed',
      outside,
      { adminEmails: [], allowedEmails: ['@example.org'] },
      'carol@elsewhere.test may not sign in',
    ],
    [
      'a subdomain is another domain',
      { ...bob, email: 'bob@evil.example.org' },
      { adminEmails: [], allowedEmails: ['@example.org'] },
      'may not sign in',
    ],
    ['allowed, unverified', unverified, { adminEmails: [], allowedEmails: ['@example.org'] }, 'has not verified'],
    ['allowed, no address', noEmail, { adminEmails: [], allowedEmails: ['@example.org'] }, 'no e-mail address'],
    [
      'an admin passes the allowlist',
      outside,
      { adminEmails: ['carol@elsewhere.test'], allowedEmails: ['@example.org'] },
      true,
    ],
    [
      'the admin group passes the allowlist',
      { ...alice, email: undefined },
      { adminGroup: 'berth-admins', adminEmails: [], allowedEmails: [] },
      true,
    ],
  ];
  for (const [name, claims, rules, want] of cases) {
    const d = decide(claims, ISSUER, rules);
    if (typeof want === 'string') {
      assert.equal(d.ok, false, name);
      if (!d.ok) assert.match(d.reason, new RegExp(want), name);
    } else {
      assert.ok(d.ok, name);
      if (d.ok) assert.equal(d.who.admin, want, name);
    }
  }
});

test('the identity is keyed by issuer and subject, never by the address', () => {
  const d = decide(alice, ISSUER, { adminEmails: [] });
  assert.ok(d.ok);
  assert.deepEqual(d.who, {
    subject: 'https://id.example.org#a1',
    name: 'Alice@Example.org',
    email: 'alice@example.org',
    admin: false,
    via: 'oidc',
  });
});

test('names keep to the user-name rule', () => {
  assert.equal(nameOf(noEmail), 'nemo');
  assert.equal(nameOf({ sub: 's', name: 'Zoë  <b>Smith</b>' }), 'Zoe.bSmithb');
  assert.equal(nameOf({ sub: 's', preferred_username: '💥' }), 's');
  assert.equal(nameOf({ sub: '' }), 'sso-user');
  assert.equal(nameOf({ sub: 'x', email: `${'a'.repeat(80)}@x.org`, email_verified: true }).length, 64);
  assert.equal(nameOf({ ...unverified, preferred_username: 'mallory' }), 'mallory', 'an unverified address is no name');
});

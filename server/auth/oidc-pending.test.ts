import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PENDING_TTL_S, PendingSeal } from './oidc-pending.ts';

const pending = { state: 's', nonce: 'n', verifier: 'v', returnTo: '/host/a', expires: 1000 + PENDING_TTL_S };

test('a sealed sign-in opens as it was, until it expires', () => {
  const seal = new PendingSeal();
  const cookie = seal.seal(pending);
  assert.ok(!cookie.includes('/host/a') && !Buffer.from(cookie, 'base64url').toString().includes('verifier'));
  assert.deepEqual(seal.open(cookie, 1000), pending);
  assert.deepEqual(seal.open(cookie, 1000 + PENDING_TTL_S), pending);
  assert.match(seal.open(cookie, 1001 + PENDING_TTL_S) as string, /took too long/);
});

test('a changed, foreign, short or missing cookie is refused', () => {
  const seal = new PendingSeal();
  const cookie = seal.seal(pending);
  const raw = Buffer.from(cookie, 'base64url');
  raw[raw.length - 1] ^= 1;
  assert.match(seal.open(raw.toString('base64url'), 1000) as string, /not one this server made/);
  assert.match(new PendingSeal().open(cookie, 1000) as string, /not one this server made/);
  assert.match(seal.open('abc', 1000) as string, /malformed/);
  assert.match(seal.open(undefined, 1000) as string, /no sign-in under way/);
});

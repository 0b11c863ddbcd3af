// The --oidc-* flags through the server's option table: what they make, and every bad or
// missing one named by its flag, the client secret never echoed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadServerConfig } from '../config.ts';
import { ConfigError } from '../../lib/options.ts';

const SECRET = 's3cret-value-never-shown';
const base = ['--public-url', 'https://berth.example.org', '--oidc-issuer', 'https://id.example.org/realms/ops'];

/** The ConfigError's lines for `argv`. */
function problems(argv: string[], env: Record<string, string> = {}): string[] {
  try {
    loadServerConfig(argv, env);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.ok(!e.message.includes(SECRET), 'the secret is never echoed');
    return e.message.split('\n');
  }
  assert.fail(`accepted: ${argv.join(' ')}`);
}

test('no --oidc-issuer, no single sign-on', () => {
  assert.equal(loadServerConfig([], {}).oidc, undefined);
});

test('the options make the provider, the redirect URI and the rules', () => {
  const c = loadServerConfig(
    [
      ...base,
      '--oidc-client-id',
      'berth',
      '--oidc-admin-group',
      'ops-admins',
      '--oidc-allowed-emails',
      'Ann@X.org, @example.org',
    ],
    { BERTH_OIDC_CLIENT_SECRET: SECRET, BERTH_OIDC_ADMIN_EMAILS: 'boss@example.org' },
  ).oidc;
  assert.ok(c);
  assert.equal(c.issuer.href, 'https://id.example.org/realms/ops');
  assert.equal(c.clientSecret, SECRET);
  assert.equal(c.redirectUri.href, 'https://berth.example.org/auth/oidc/callback');
  assert.equal(c.scopes, 'openid email profile');
  assert.equal(c.adminGroup, 'ops-admins');
  assert.deepEqual(c.adminEmails, ['boss@example.org']);
  assert.deepEqual(c.allowedEmails, ['ann@x.org', '@example.org']);
  const under = loadServerConfig(
    [
      '--public-url',
      'https://x.org/berth',
      '--oidc-issuer',
      'https://id.x.org',
      '--oidc-client-id',
      'b',
      '--oidc-scopes',
      'openid  groups',
    ],
    { BERTH_OIDC_CLIENT_SECRET: SECRET },
  ).oidc;
  assert.equal(under?.redirectUri.href, 'https://x.org/berth/auth/oidc/callback');
  assert.equal(under?.scopes, 'openid groups');
  assert.equal(under?.allowedEmails, undefined);
});

test('what is missing or bad is named by its flag', () => {
  assert.deepEqual(problems(['--oidc-issuer', 'https://id.example.org']), [
    '--oidc-client-id (BERTH_OIDC_CLIENT_ID): needed with --oidc-issuer',
    '--oidc-client-secret (BERTH_OIDC_CLIENT_SECRET): needed with --oidc-issuer',
    '--oidc-issuer (BERTH_OIDC_ISSUER): needs --public-url, the address people open (the redirect URI is <public-url>/auth/oidc/callback)',
  ]);
  assert.deepEqual(problems(['--oidc-client-secret', SECRET, '--oidc-admin-group', 'g']), [
    '--oidc-client-secret (BERTH_OIDC_CLIENT_SECRET): given without --oidc-issuer',
    '--oidc-admin-group (BERTH_OIDC_ADMIN_GROUP): given without --oidc-issuer',
  ]);
  const all = ['--oidc-client-id', 'b', '--oidc-client-secret', SECRET];
  assert.match(
    problems(['--oidc-issuer', 'http://id.example.org', ...all, '--public-url', 'https://b.org'])[0],
    /must be an https:\/\/ address/,
  );
  assert.match(problems(['--oidc-issuer', 'not a url', ...all])[0], /is not a URL/);
  assert.match(problems([...base, ...all, '--oidc-scopes', 'email'])[0], /--oidc-scopes .*must include openid/);
  assert.match(
    problems([...base, ...all, '--oidc-admin-emails', '@example.org'])[0],
    /"@example.org" is not an e-mail address$/,
  );
  assert.match(
    problems([...base, ...all, '--oidc-allowed-emails', 'nobody'])[0],
    /"nobody" is not an e-mail address or @domain/,
  );
  assert.match(
    problems([...base, '--oidc-client-id', 'b'], { BERTH_OIDC_CLIENT_SECRET: '  ' })[0],
    /--oidc-client-secret .*is blank/,
  );
  // A provider on this machine may be plain http.
  assert.ok(
    loadServerConfig(['--oidc-issuer', 'http://127.0.0.1:9000', ...all, '--public-url', 'http://127.0.0.1:8787'], {})
      .oidc,
  );
});

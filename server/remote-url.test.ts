// Endpoints from flags: credentials move from the URL into a header, what is shown holds no
// secret, bad headers are named without their values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseHeader, parseRemoteUrl } from './remote-url.ts';

test('basic auth in the URL becomes an Authorization header and is never shown', () => {
  const r = parseRemoteUrl('https://us%40er:p%3Ass@vm.example:8428/api/v1/write?token=abc');
  assert.equal(r.url, 'https://vm.example:8428/api/v1/write?token=abc');
  assert.equal(r.display, 'https://vm.example:8428/api/v1/write');
  assert.equal(r.headers.authorization, `Basic ${Buffer.from('us@er:p:ss').toString('base64')}`);
  assert.match(r.id, /^[0-9a-f]{16}$/);
  assert.doesNotMatch(JSON.stringify([r.display, r.id]), /p%3Ass|abc|us/);
});

test('headers: Name: value, lower-cased names, refusals that do not repeat the value', () => {
  assert.deepEqual(parseHeader('Authorization: Bearer s3cret'), ['authorization', 'Bearer s3cret']);
  assert.deepEqual(parseHeader('X-Scope-OrgID:tenant-1'), ['x-scope-orgid', 'tenant-1']);
  for (const bad of ['no colon', ': empty name', 'bad name: x', 'Line: a\r\nInjected: b']) {
    const r = parseHeader(bad);
    assert.equal(typeof r, 'string', bad);
    assert.doesNotMatch(r as string, /Injected|Bearer/);
  }
  const r = parseRemoteUrl('http://127.0.0.1:9090/api/v1/write', ['Authorization: Bearer t0ken', 'X-Scope-OrgID: a']);
  assert.deepEqual(r.headers, { authorization: 'Bearer t0ken', 'x-scope-orgid': 'a' });
});

test('what is not an endpoint is refused with the reason', () => {
  assert.throws(() => parseRemoteUrl('vm:8428'), /not http: or https:|not a URL/);
  assert.throws(() => parseRemoteUrl('ftp://x/'), /ftp: is not http/);
  assert.throws(() => parseRemoteUrl('nonsense'), /not a URL/);
  assert.throws(
    () => parseRemoteUrl('http://a:b@x/', ['Authorization: Bearer y']),
    (e: Error) => /give one of them/.test(e.message) && !/Bearer y/.test(e.message),
  );
});

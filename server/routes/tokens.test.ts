import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testApp, makeBatch, TEST_TOKEN } from '../../test/support/server.ts';

test('the shared token issues a host token that works for that host only; revoking stops it at once', async () => {
  const t = testApp();
  const admin = { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' };
  const made = await t.app.request('/api/v1/tokens', {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ host: 'web-1' }),
  });
  assert.equal(made.status, 201);
  const { token, replaced } = (await made.json()) as { token: string; replaced: boolean };
  assert.ok(token.length >= 24);
  assert.equal(replaced, false);

  const now = t.clock.now;
  assert.equal((await t.ingest(makeBatch('web-1', [now]), { authorization: `Bearer ${token}` })).status, 200);
  const other = await t.ingest(makeBatch('web-2', [now]), { authorization: `Bearer ${token}` });
  assert.equal(other.status, 403);
  assert.match(((await other.json()) as { error: string }).error, /agent\.host/);

  // A host token cannot manage tokens.
  const sneaky = await t.app.request('/api/v1/tokens', {
    method: 'POST',
    headers: { ...admin, authorization: `Bearer ${token}` },
    body: '{"host":"x"}',
  });
  assert.equal(sneaky.status, 401);

  const list = (await (await t.app.request('/api/v1/tokens', { headers: admin })).json()) as {
    tokens: { host: string; revoked_at: number | null }[];
  };
  assert.deepEqual(
    list.tokens.map((x) => [x.host, x.revoked_at]),
    [['web-1', null]],
  );
  assert.ok(!JSON.stringify(list).includes(token), 'tokens are never listed in clear');

  assert.equal((await t.app.request('/api/v1/tokens/web-1', { method: 'DELETE', headers: admin })).status, 200);
  assert.equal((await t.ingest(makeBatch('web-1', [now + 10]), { authorization: `Bearer ${token}` })).status, 401);
  const kept = await t.get(`/api/v1/series?host=web-1&metrics=cpu_pct&from=${now - 60}&to=${now}`);
  assert.equal(kept.status, 200, 'history stays after revoking');
  assert.ok(((await kept.json()) as { series: { cpu_pct: (number | null)[] } }).series.cpu_pct.some((v) => v !== null));
});

test('bad token requests name the field', async () => {
  const t = testApp();
  const admin = { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' };
  const bad = await t.app.request('/api/v1/tokens', { method: 'POST', headers: admin, body: '{"host":"<b>"}' });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /^host:/);
  assert.equal(
    (
      await t.app.request('/api/v1/tokens', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"host":"a"}',
      })
    ).status,
    401,
  );
});

test('a second token for a host replaces the first, and the answer says so', async () => {
  const t = testApp();
  const admin = { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' };
  const add = async () =>
    (await (
      await t.app.request('/api/v1/tokens', { method: 'POST', headers: admin, body: JSON.stringify({ host: 'web-9' }) })
    ).json()) as { token: string; replaced: boolean };
  const first = await add();
  const second = await add();
  assert.deepEqual([first.replaced, second.replaced], [false, true]);
  const now = t.clock.now;
  assert.equal((await t.ingest(makeBatch('web-9', [now]), { authorization: `Bearer ${first.token}` })).status, 401);
  assert.equal((await t.ingest(makeBatch('web-9', [now]), { authorization: `Bearer ${second.token}` })).status, 200);
});

// The built page as the server hands it out: from memory, gzip when asked, validators, cache
// rules per kind of file, a rebuilt file picked up at once, and nothing outside the page's folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { webRoute } from './web.ts';
import { tempDir } from '../../test/support/temp.ts';

function builtPage(): string {
  // The page's folder inside a temp folder of its own, so the file beside it goes too.
  const root = path.join(tempDir('berth-web-route-'), 'page');
  fs.mkdirSync(path.join(root, 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>Berth</title><div id="app"></div>');
  // Big enough to be compressed (and compressible, as a bundle is).
  fs.writeFileSync(path.join(root, 'assets', 'page-abc123.js'), 'export const x = 1;\n'.repeat(500));
  fs.writeFileSync(path.join(root, 'outside.txt'), 'never served from /assets');
  fs.writeFileSync(path.join(path.dirname(root), `${path.basename(root)}-secret.txt`), 'not the page');
  return root;
}

test('the page and its client-side routes come back as the page, revalidated by ETag', async () => {
  const app = webRoute(builtPage());
  for (const p of ['/', '/host/app-1', '/container/app-1/web?range=7d']) {
    const res = await app.request(p);
    assert.equal(res.status, 200, p);
    assert.match(res.headers.get('content-type')!, /^text\/html/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.match(await res.text(), /<title>Berth<\/title>/);
  }
  const etag = (await app.request('/')).headers.get('etag')!;
  assert.ok(etag);
  const again = await app.request('/host/app-1', { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  assert.equal(await again.text(), '');
});

test('assets are cached for good, gzip-compressed for a browser that says it takes gzip', async () => {
  const root = builtPage();
  const app = webRoute(root);
  const original = fs.readFileSync(path.join(root, 'assets', 'page-abc123.js'));
  const gz = await app.request('/assets/page-abc123.js', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
  assert.equal(gz.status, 200);
  assert.equal(gz.headers.get('content-encoding'), 'gzip');
  assert.equal(gz.headers.get('cache-control'), 'public, max-age=31536000, immutable');
  assert.match(gz.headers.get('content-type')!, /^text\/javascript/);
  const packed = Buffer.from(await gz.arrayBuffer());
  assert.ok(packed.length < original.length / 5, `gzip ${packed.length} B against ${original.length} B`);
  assert.deepEqual(zlib.gunzipSync(packed), original);
  const plain = await app.request('/assets/page-abc123.js');
  assert.equal(plain.headers.get('content-encoding'), null);
  assert.deepEqual(Buffer.from(await plain.arrayBuffer()), original);
});

test('a file rebuilt while the server runs is served new, with a new ETag', async () => {
  const root = builtPage();
  const app = webRoute(root);
  const before = await app.request('/');
  const etag = before.headers.get('etag');
  await before.text();
  const index = path.join(root, 'index.html');
  fs.writeFileSync(index, '<!doctype html><title>Berth, rebuilt</title>');
  fs.utimesSync(index, new Date(), new Date(Date.now() + 5000));
  const after = await app.request('/', { headers: { 'if-none-match': etag! } });
  assert.equal(after.status, 200);
  assert.notEqual(after.headers.get('etag'), etag);
  assert.match(await after.text(), /rebuilt/);
});

test('a missing asset is 404, an unknown API path is 404, and no path reaches outside the page', async () => {
  const root = builtPage();
  const app = webRoute(root);
  const missing = await app.request('/assets/page-old999.js');
  assert.equal(missing.status, 404);
  assert.match((await missing.json()).error, /no such file/);
  const api = await app.request('/api/v1/nope');
  assert.equal(api.status, 404);
  assert.match((await api.json()).error, /no route/);
  const secret = `${path.basename(root)}-secret.txt`;
  for (const p of [
    '/assets/..%2foutside.txt',
    `/assets/..%2f..%2f${secret}`,
    '/assets/%2e%2e%2foutside.txt',
    `/..%2f${secret}`,
    '/assets/%00.js',
    '/assets/%zz.js',
  ]) {
    const res = await app.request(p);
    const text = await res.text();
    assert.doesNotMatch(text, /never served|not the page/, p);
    assert.ok([400, 404].includes(res.status) || /<title>Berth/.test(text), `${p}: ${res.status}`);
  }
});

test('gzip only for a browser whose Accept-Encoding takes it; validators compare weakly, one per representation', async () => {
  const app = webRoute(builtPage());
  const url = '/assets/page-abc123.js';
  for (const [header, gz] of [
    ['gzip;q=0, identity', false],
    ['identity', false],
    ['*', true],
    ['*;q=0', false],
    ['br, GZIP;q=0.5', true],
    ['gzip;q=0, *', false],
  ] as const) {
    const res = await app.request(url, { headers: { 'accept-encoding': header } });
    assert.equal(res.headers.get('content-encoding'), gz ? 'gzip' : null, header);
    await res.arrayBuffer();
  }
  const plain = (await app.request(url)).headers.get('etag')!;
  const packed = (await app.request(url, { headers: { 'accept-encoding': 'gzip' } })).headers.get('etag')!;
  assert.notEqual(plain, packed);
  for (const inm of [plain, `W/${plain}`, `"other", ${plain}`, '*'])
    assert.equal((await app.request(url, { headers: { 'if-none-match': inm } })).status, 304, inm);
  assert.equal(
    (await app.request(url, { headers: { 'if-none-match': packed } })).status,
    200,
    'the gzip validator does not stand for the plain bytes',
  );
});

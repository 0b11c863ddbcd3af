// GET /agent.mjs: the bundled agent as a download, from memory, gzip only for a client that
// takes it (an install line's plain curl gets the file as it is), revalidated by ETag, picked
// up anew when rebuilt, and a clear 503 while it is not built.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { testApp } from '../test/support/server.ts';
import { tempDir } from '../test/support/temp.ts';

test('the agent bundle downloads whole, gzip when asked, 304 when unchanged, new when rebuilt', async () => {
  const dir = tempDir('berth-agent-download-');
  const file = path.join(dir, 'berth-agent.mjs');
  const t = testApp({ agentFile: file });

  const missing = await t.app.request('/agent.mjs');
  assert.equal(missing.status, 503);
  assert.match(((await missing.json()) as { error: string }).error, /npm run build/);

  const source = `#!/usr/bin/env node\n${'console.log("berth agent");\n'.repeat(400)}`;
  fs.writeFileSync(file, source);
  const plain = await t.app.request('/agent.mjs');
  assert.equal(plain.status, 200);
  assert.equal(plain.headers.get('content-encoding'), null, 'no Accept-Encoding: the file as it is');
  assert.match(plain.headers.get('content-type')!, /^text\/javascript/);
  assert.match(plain.headers.get('content-disposition')!, /attachment; filename="berth-agent\.mjs"/);
  assert.equal(await plain.text(), source);

  const gz = await t.app.request('/agent.mjs', { headers: { 'accept-encoding': 'gzip, deflate' } });
  assert.equal(gz.headers.get('content-encoding'), 'gzip');
  const packed = Buffer.from(await gz.arrayBuffer());
  assert.ok(packed.length < source.length / 4, `compressed to ${packed.length} bytes`);
  assert.equal(zlib.gunzipSync(packed).toString(), source);

  const etag = plain.headers.get('etag')!;
  assert.equal((await t.app.request('/agent.mjs', { headers: { 'if-none-match': etag } })).status, 304);

  // A rebuild (another size) is served at once, under a new validator.
  fs.writeFileSync(file, `${source}// rebuilt\n`);
  const rebuilt = await t.app.request('/agent.mjs', { headers: { 'if-none-match': etag } });
  assert.equal(rebuilt.status, 200);
  assert.notEqual(rebuilt.headers.get('etag'), etag);
  assert.match(await rebuilt.text(), /\/\/ rebuilt\n$/);
});

// Refused ingest in the server's log: the first of each kind at once, then a line a minute
// with the count, control characters written out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memoryLogger } from '../../lib/log.ts';
import { refusalLog } from './refusal-log.ts';
import { testApp, makeBatch } from '../../test/support/server.ts';

test('the first refusal of a kind is logged, the rest of that minute counted into the next line', () => {
  const log = memoryLogger();
  let now = 0;
  const note = refusalLog(log, () => now);
  note(401, 'invalid token', '10.0.0.7');
  note(401, 'invalid token', '10.0.0.7');
  note(400, 'agent.host: cannot be "." or ".."', '10.0.0.8');
  now = 30_000;
  note(401, 'invalid token', '10.0.0.7');
  now = 61_000;
  note(401, 'invalid token', '10.0.0.9');
  note(400, 'body: not valid JSON (\u001b[31m)', undefined);
  note(400, 'containers.0.name: x\u202egnp.exe\u2028next', undefined);
  assert.deepEqual(log.lines, [
    'warn ingest refused 401 from 10.0.0.7: invalid token',
    'warn ingest refused 400 from 10.0.0.8: agent.host: cannot be "." or ".."',
    'warn ingest refused 401 from 10.0.0.9: invalid token (2 more like it in the last 61 s)',
    'warn ingest refused 400: body: not valid JSON (\\x1b[31m)',
    'warn ingest refused 400: containers.0.name: x\\u202egnp.exe\\u2028next',
  ]);
});

test('the ingest route logs a refused request, never its token', async () => {
  const t = testApp();
  const res = await t.ingest(makeBatch('alpha', [t.clock.now]), { authorization: 'Bearer not-the-token-0123456789' });
  assert.equal(res.status, 401);
  assert.ok(
    t.log.lines.some((l) => /^warn ingest refused 401: /.test(l)),
    t.log.lines.join('\n'),
  );
  assert.ok(!t.log.lines.join('\n').includes('not-the-token-0123456789'));
});

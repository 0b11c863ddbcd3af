// The README's tables of metrics and flags are rendered from the code; this keeps them true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { README, renderReadme } from '../scripts/docs.ts';

test('README tables match the metric catalogue and the flag lists (run `npx tsx scripts/docs.ts`)', () => {
  const text = fs.readFileSync(README, 'utf8');
  assert.equal(text, renderReadme(text));
});

test('README opens with the two commands a newcomer runs', () => {
  const text = fs.readFileSync(README, 'utf8');
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
  assert.match(firstBlock, /npm install && npm start/);
  assert.match(firstBlock, /npm test/);
});

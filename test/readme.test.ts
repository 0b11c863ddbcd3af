// The tables of metrics, names and flags in the README and docs/ are rendered from the code;
// this keeps them true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { GENERATED_IN, generatedSections, README, renderGenerated, REPO } from '../scripts/docs.ts';

for (const file of Object.keys(GENERATED_IN)) {
  test(`${file}: its tables match the catalogues and the flag lists (run \`npx tsx scripts/docs.ts\`)`, () => {
    const text = fs.readFileSync(path.join(REPO, file), 'utf8');
    assert.equal(text, renderGenerated(file, text));
  });
}

test('every generated table has a place in the docs', () => {
  assert.deepEqual(Object.values(GENERATED_IN).flat().sort(), Object.keys(generatedSections()).sort());
});

test('README opens with the two commands a newcomer runs', () => {
  const text = fs.readFileSync(README, 'utf8');
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
  assert.match(firstBlock, /npm install && npm start/);
  assert.match(firstBlock, /npm test/);
});

test("CI runs the README's test command, as it is written there", () => {
  const readme = fs.readFileSync(README, 'utf8');
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const command = /^(npm test\b[^#\n]*?)\s*(#|$)/m.exec(firstBlock)?.[1];
  assert.equal(command, 'npm test');
  const ci = fs
    .readFileSync(path.join(REPO, '.ci/run'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  assert.equal(ci.at(-1), command, '.ci/run ends with the command');
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  assert.match(pkg.scripts.test, /test\/run\.ts$/, 'npm test runs the grouped runner');
});

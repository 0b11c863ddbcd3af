// The tables of metrics, names and flags in the README and docs/ are rendered from the code;
// this keeps them true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { GENERATED_IN, generatedSections, README, renderGenerated, REPO } from '../scripts/docs.ts';
import { parseRuleFile } from '../server/alerts/rule-file.ts';

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

test("the README's alert rules are accepted as written", () => {
  const readme = fs.readFileSync(README, 'utf8');
  const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  const config = parseRuleFile(yaml, { smtp: true });
  assert.ok(config.receivers.size > 0, 'it names a receiver');
  assert.deepEqual(
    config.rules.map((r) => r.name),
    [...yaml.matchAll(/name: ([^,\n]+)/g)].map((m) => m[1].trim()),
  );
});

test('every relative link in the README, docs/ and notes/ points at a file that exists', () => {
  const pages = [
    'README.md',
    'ARCHITECTURE.md',
    ...['docs', 'notes'].flatMap((d) =>
      fs
        .readdirSync(path.join(REPO, d))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `${d}/${f}`),
    ),
  ];
  const broken: string[] = [];
  for (const page of pages) {
    const text = fs.readFileSync(path.join(REPO, page), 'utf8');
    for (const m of text.matchAll(/\]\(([^)#\s]+)[^)]*\)|src="([^"]+)"/g)) {
      const target = m[1] ?? m[2];
      if (/^[a-z]+:/i.test(target)) continue;
      if (!fs.existsSync(path.join(REPO, path.dirname(page), target))) broken.push(`${page} → ${target}`);
    }
  }
  assert.ok(pages.length > 5, pages.join(', '));
  assert.deepEqual(broken, []);
});

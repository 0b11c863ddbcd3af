// Every source file is as Prettier writes it (.prettierrc.json, .prettierignore), so a diff
// shows what changed and not how someone's editor wraps lines. `npm run format` fixes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';

test('every tracked source file is formatted by Prettier', async () => {
  const root = path.resolve(import.meta.dirname, '..');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root })
    .toString()
    .split('\0')
    // Not deleted in the work tree, and not a symbolic link (recorded /sys trees keep the kernel's
    // links, and Prettier refuses a link named on its command line).
    .filter(
      (rel) => rel && fs.existsSync(path.join(root, rel)) && !fs.lstatSync(path.join(root, rel)).isSymbolicLink(),
    );
  const extensions = new Set((await prettier.getSupportInfo()).languages.flatMap((l) => l.extensions ?? []));
  const formattable = files.filter((rel) => extensions.has(path.extname(rel)));
  assert.ok(formattable.length > 100, `${formattable.length} files Prettier can format`);
  // Prettier's CLI, for its cache (by content, in node_modules/.cache): a second run, as in
  // `npm run test:unit` over and over, checks only what changed, in a second or two of CPU
  // rather than fifteen. It skips what .prettierignore lists and files it has no parser for.
  const run = spawnSync(
    process.execPath,
    [
      path.join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs'),
      '--list-different',
      '--ignore-unknown',
      '--cache',
      '--cache-strategy',
      'content',
      ...files,
    ],
    { cwd: root, encoding: 'utf8' },
  );
  assert.ok(run.status === 0 || run.status === 1, `prettier failed (${run.status}): ${run.stderr}`);
  const unformatted = run.stdout.split('\n').filter(Boolean);
  assert.deepEqual(unformatted, [], `not formatted (run npm run format): ${unformatted.join(', ')}`);
});

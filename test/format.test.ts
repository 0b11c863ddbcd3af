// Every source file is as Prettier writes it (.prettierrc.json, .prettierignore), so a diff
// shows what changed and not how someone's editor wraps lines. `npm run format` fixes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';

test('every tracked source file is formatted by Prettier', async () => {
  const root = path.resolve(import.meta.dirname, '..');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root })
    .toString()
    .split('\0')
    .filter(Boolean);
  const ignorePath = path.join(root, '.prettierignore');
  const unformatted: string[] = [];
  let checked = 0;
  for (const rel of files) {
    const file = path.join(root, rel);
    if (!fs.existsSync(file)) continue; // deleted in the work tree, not yet in the index
    const info = await prettier.getFileInfo(file, { ignorePath });
    if (info.ignored || info.inferredParser === null) continue;
    const options = await prettier.resolveConfig(file);
    checked++;
    if (!(await prettier.check(fs.readFileSync(file, 'utf8'), { ...options, filepath: file }))) unformatted.push(rel);
  }
  assert.ok(checked > 100, `checked ${checked} files`);
  assert.deepEqual(unformatted, [], `not formatted (run npm run format): ${unformatted.join(', ')}`);
});

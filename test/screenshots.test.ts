// The README's pictures come from a script (`npm run screenshots`), not by hand: the script
// still takes them from demo data in Chromium, and the README shows the files it writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SCREENSHOTS, takeScreenshots, VIEWPORT } from '../scripts/screenshots.ts';
import { browserSkipReason, REPO } from './support/browser.ts';
import { tempDir } from './support/temp.ts';

/** Width and height from a PNG's IHDR chunk, or undefined when the bytes are not a PNG. */
function pngSize(buf: Buffer): { width: number; height: number } | undefined {
  if (buf.length < 24 || buf.toString('latin1', 1, 4) !== 'PNG' || buf.toString('latin1', 12, 16) !== 'IHDR')
    return undefined;
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

test('the README shows the screenshots the script writes, and they are in docs/', () => {
  const readme = fs.readFileSync(path.join(REPO, 'README.md'), 'utf8');
  for (const { file } of Object.values(SCREENSHOTS)) {
    assert.ok(readme.includes(`docs/${file}`), `README.md shows docs/${file}`);
    const size = pngSize(fs.readFileSync(path.join(REPO, 'docs', file)));
    assert.deepEqual(size, VIEWPORT, `docs/${file} is a PNG of the script's viewport`);
  }
});

test(
  'npm run screenshots takes the overview and a host view from demo data',
  { skip: browserSkipReason() },
  async () => {
    const out = tempDir('berth-screenshots-out-');
    const files = await takeScreenshots(out);
    assert.deepEqual(
      files.map((f) => path.basename(f)).sort(),
      Object.values(SCREENSHOTS)
        .map((s) => s.file)
        .sort(),
    );
    for (const f of files) {
      const buf = fs.readFileSync(f);
      assert.deepEqual(pngSize(buf), VIEWPORT, `${path.basename(f)} is a PNG of the viewport`);
      // A blank or half-drawn page compresses to a few kilobytes; charts and text do not.
      assert.ok(buf.length > 40_000, `${path.basename(f)} holds a drawn page (${buf.length} bytes)`);
    }
  },
);

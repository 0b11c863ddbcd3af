// The README's pictures of the page, taken from demo data so they never go stale: a temp
// database seeded by test/support/seed.ts (six hosts, one offline, a day at 30 s), a real
// server on it, Debian's Chromium through playwright-core. Writes docs/overview.png and
// docs/host.png.
//   npm run screenshots                 (npx tsx scripts/screenshots.ts [--out DIR])
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { openDb } from '../server/db/open.ts';
import { loadServerConfig } from '../server/config.ts';
import { startServer } from '../server/server.ts';
import { memoryLogger } from '../lib/log.ts';
import { seedFleet, startLiveFeed } from '../test/support/seed.ts';
import { CHROMIUM, ensureWebBuilt, launchChromium, REPO, WEB_DIST } from '../test/support/browser.ts';
import { tempDir } from '../test/support/temp.ts';

export const SCREENSHOTS = {
  overview: { file: 'overview.png', url: '/?range=24h' },
  // Not the first host: it carries the seed's hostile container name, a test case, not a demo.
  host: { file: 'host.png', url: '/host/db-1?range=24h' },
} as const;

export const VIEWPORT = { width: 1280, height: 800 };

/** Waits until the page has drawn every chart of its first load. */
async function drawn(page: Page): Promise<void> {
  await page.waitForFunction(() => Number(document.documentElement.dataset.ready ?? 0) > 0, undefined, {
    timeout: 30_000,
  });
}

/** Seeds a fleet, serves it and saves each screenshot into `outDir`; returns the files written. */
export async function takeScreenshots(outDir: string): Promise<string[]> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM} (apt-get install chromium)`);
  ensureWebBuilt();
  const dbPath = path.join(tempDir('berth-screenshots-'), 'berth.db');
  const db = openDb(dbPath);
  const fleet = seedFleet(db.$client, { hosts: 6, containers: 8, days: 1, interval: 30, offline: true });
  // Hosts stay online (and their charts reach now) however long the browser takes to start.
  const stopFeed = startLiveFeed(db.$client, fleet);
  const config = loadServerConfig(['--db', dbPath, '--port', '0', '--web-root', WEB_DIST, '--public-read'], {});
  const server = await startServer(config, memoryLogger());
  let browser: Browser | undefined;
  try {
    browser = await launchChromium();
    const written: string[] = [];
    fs.mkdirSync(outDir, { recursive: true });
    for (const shot of Object.values(SCREENSHOTS)) {
      const page = await browser.newPage({ viewport: VIEWPORT, colorScheme: 'light', timezoneId: 'UTC' });
      await page.goto(server.url + shot.url);
      await drawn(page);
      const file = path.join(outDir, shot.file);
      await page.screenshot({ path: file });
      await page.close();
      written.push(file);
    }
    return written;
  } finally {
    await browser?.close();
    await server.close();
    stopFeed();
    db.$client.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: path.join(REPO, 'docs') } } });
  takeScreenshots(path.resolve(values.out!)).then(
    (files) => {
      for (const f of files) console.log(`wrote ${path.relative(process.cwd(), f)}`);
    },
    (err: unknown) => {
      console.error(`screenshots: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}

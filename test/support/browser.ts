// Real Chromium for browser tests and benches (Debian's /usr/bin/chromium through
// playwright-core), and the built page they load. Under CI=true a missing browser is a
// failure; locally the test is skipped with the reason printed.
import fs from 'node:fs';
import zlib from 'node:zlib';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { webStale } from '../../start/build-if-stale.ts';

export const CHROMIUM = process.env.BERTH_CHROMIUM ?? '/usr/bin/chromium';
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const WEB_DIST = path.join(REPO, 'web/dist');
export const ARTIFACTS = path.join(REPO, 'test-artifacts');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/** Why browser tests cannot run here, or undefined when they can. Throws under CI. */
export function browserSkipReason(): string | undefined {
  const missing = fs.existsSync(CHROMIUM)
    ? undefined
    : `Chromium not found at ${CHROMIUM} (apt-get install chromium, or set BERTH_CHROMIUM)`;
  if (missing && process.env.CI === 'true') throw new Error(`CI=true requires the browser tests: ${missing}`);
  if (missing) console.log(`# skipping browser tests: ${missing}`);
  return missing;
}

/**
 * How long a page's waits (selectors, functions, navigation) last: Playwright's 30 s is not
 * always enough for a page rendering while other suites share the machine's two cores (seen at
 * load 25: the host view's process table after 30 s). A longer wait costs nothing when it passes.
 */
const PAGE_WAIT_MS = 90_000;

export async function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: [...ARGS, ...extraArgs] });
  // Every context (browser.newPage makes one too) waits PAGE_WAIT_MS unless a call says otherwise.
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await newContext(options);
    context.setDefaultTimeout(PAGE_WAIT_MS);
    return context;
  };
  return browser;
}

/**
 * Builds web/dist when it is missing or older than its sources (start/build-if-stale.ts), so a
 * test never runs against a stale page. Returns whether it built.
 */
export function ensureWebBuilt(): boolean {
  if (!webStale()) return false;
  execFileSync(
    process.execPath,
    [path.join(REPO, 'node_modules/vite/bin/vite.js'), 'build', 'web', '--logLevel', 'warn'],
    { cwd: REPO, stdio: 'inherit' },
  );
  return true;
}

/** Total gzip size of the JavaScript the page ships, in bytes, per file and summed. */
export function shippedJs(): { files: { name: string; bytes: number; gzip: number }[]; gzip: number } {
  const assets = path.join(WEB_DIST, 'assets');
  const files = fs
    .readdirSync(assets)
    .filter((f) => f.endsWith('.js'))
    .map((name) => {
      const buf = fs.readFileSync(path.join(assets, name));
      return { name, bytes: buf.length, gzip: zlib.gzipSync(buf, { level: 9 }).length };
    });
  return { files, gzip: files.reduce((n, f) => n + f.gzip, 0) };
}

export function artifact(name: string): string {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  return path.join(ARTIFACTS, name);
}

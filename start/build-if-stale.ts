// Builds what a checkout serves when it is missing or older than its sources: the web page
// (web/dist, vite) and the one-file agent handed out at /agent.mjs (dist/berth-agent.mjs,
// esbuild). `npm start` and `npm run server` call it, so a fresh clone serves a page.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../lib/log.ts';
import { AGENT_BUNDLE, buildAgent } from '../agent/build.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_DIST = path.join(REPO, 'web', 'dist');
/** What goes into each output: its folder and the shared ones it imports. */
const WEB_SOURCES = ['web', 'protocol'].map((d) => path.join(REPO, d));
const AGENT_SOURCES = ['agent', 'protocol', 'lib'].map((d) => path.join(REPO, d));

/** The newest modification time of the files under `dir` that go into a build (tests do not). */
function newestSource(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'dist' || e.name === 'node_modules' || e.name.endsWith('.test.ts')) continue;
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Whether `output` is missing or older than any source file under `sourceDirs`. */
export function isStale(output: string, sourceDirs: string[]): boolean {
  return !fs.existsSync(output) || fs.statSync(output).mtimeMs < Math.max(...sourceDirs.map(newestSource));
}

/** Whether the page in web/dist is missing or older than its sources. */
export const webStale = (): boolean => isStale(path.join(WEB_DIST, 'index.html'), WEB_SOURCES);

/**
 * Builds the page and the agent bundle the server is about to serve, each when stale. Only the
 * checkout's own outputs: a --web-root or --agent-file pointing elsewhere is the user's to build.
 */
export async function buildIfStale(served: { webRoot: string; agentFile: string }, log: Logger): Promise<void> {
  if (path.resolve(served.webRoot) === WEB_DIST && webStale()) {
    log.info('building the web page (vite)…');
    const { build } = await import('vite');
    await build({ root: path.join(REPO, 'web'), logLevel: 'warn' });
  }
  if (path.resolve(served.agentFile) === AGENT_BUNDLE && isStale(AGENT_BUNDLE, AGENT_SOURCES)) {
    log.info('building the agent bundle (esbuild)…');
    await buildAgent(AGENT_BUNDLE, { measure: false });
  }
}

// `npm start`: Berth on its embedded default. One process runs the server on 127.0.0.1:8787
// with ./data/berth.db and a built-in agent sampling this machine. The ingest token is made
// on first run and kept beside the database (mode 0600); the web page and the agent bundle
// (what /agent.mjs hands to other hosts) are built if needed.
import fs from 'node:fs';
import path from 'node:path';
import { loadServerConfig } from './config.ts';
import { ConfigError } from '../lib/options.ts';
import { startServer } from './server.ts';
import { newToken } from './auth.ts';
import { createLogger } from '../lib/log.ts';
import { loadAgentConfig } from '../agent/config.ts';
import { startAgent } from '../agent/agent.ts';
import { AGENT_BUNDLE, buildAgent } from '../agent/build.ts';

const log = createLogger('berth');

/** The token file beside the DB: read it, or create it with a fresh random token. */
export function localToken(dbPath: string): string {
  const file = path.join(path.dirname(path.resolve(dbPath)), 'token');
  try {
    const t = fs.readFileSync(file, 'utf8').trim();
    if (t.length >= 16) return t;
  } catch {
    /* first run */
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const t = newToken();
  fs.writeFileSync(file, `${t}\n`, { mode: 0o600 });
  log.info(`created ingest token in ${file}`);
  return t;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'dist' || e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Whether `output` is missing or older than any file under `sources`. */
function stale(output: string, sources: string[]): boolean {
  return (
    !fs.existsSync(output) ||
    fs.statSync(output).mtimeMs < Math.max(...sources.map((d) => newestMtime(path.resolve(d))))
  );
}

async function buildWebIfNeeded(webRoot: string): Promise<void> {
  const src = path.resolve('web');
  if (!stale(path.join(webRoot, 'index.html'), [src])) return;
  log.info('building the web page (vite)…');
  const { build } = await import('vite');
  await build({ root: src, logLevel: 'warn' });
}

/** The one-file agent other hosts download from /agent.mjs, rebuilt when agent/ or protocol/ changed. */
async function buildAgentIfNeeded(): Promise<void> {
  if (!stale(AGENT_BUNDLE, ['agent', 'protocol'])) return;
  log.info('building the agent bundle (esbuild)…');
  await buildAgent(AGENT_BUNDLE, { measure: false });
}

async function main(): Promise<void> {
  const config = loadServerConfig(process.argv.slice(2));
  const token = localToken(config.dbPath);
  config.tokens = [...config.tokens, token];
  await buildWebIfNeeded(path.resolve(config.webRoot));
  await buildAgentIfNeeded();
  const server = await startServer(config, log);
  const agentConfig = loadAgentConfig(
    [
      '--server',
      server.url,
      '--token',
      token,
      '--spool',
      path.join(path.dirname(path.resolve(config.dbPath)), 'spool'),
    ],
    { ...process.env, BERTH_TOKEN: undefined, BERTH_SERVER: undefined, BERTH_SPOOL: undefined },
  );
  const agent = startAgent(agentConfig, log);
  log.info(
    `Berth is running: open ${server.url}/  (database ${config.dbPath}; built-in agent reports as "${agentConfig.host}")`,
  );
  log.info(
    `add a host: open ${server.url}/ and choose "Add a host" (a token of its own and a one-line install; README "Adding hosts")`,
  );
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${sig}: stopping`);
    await agent.stop();
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  console.error(`berth: ${(e as Error).message}`);
  process.exit(e instanceof ConfigError ? 2 : 1);
});

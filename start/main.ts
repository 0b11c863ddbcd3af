// `npm start`: Berth on its embedded default. One process runs the server on 127.0.0.1:8787
// with ./data/berth.db and a built-in agent sampling this machine. The ingest token is made
// on first run and kept beside the database; the web page and the agent bundle (what
// /agent.mjs hands to other hosts) are built when stale. Composes server/ and agent/, which
// never import each other.
import path from 'node:path';
import { ConfigError } from '../lib/options.ts';
import { createLogger } from '../lib/log.ts';
import { loadServerConfig, serverUsage } from '../server/config.ts';
import { startServer } from '../server/server.ts';
import { loadAgentConfig } from '../agent/config.ts';
import { startAgent } from '../agent/agent.ts';
import { buildIfStale } from './build-if-stale.ts';
import { localToken } from './local-token.ts';
import { announceAccess } from '../server/auth/announce.ts';

const log = createLogger('berth');

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(serverUsage(['usage: npm start -- [server flags]   (the built-in agent takes BERTH_* variables)']));
    return;
  }
  const config = loadServerConfig(argv);
  const token = localToken(config.dbPath, log);
  config.tokens = [...config.tokens, token];
  // Read before anything starts, so a bad BERTH_* value stops here; the server's address is
  // known once it listens (--port 0 picks one).
  const agentConfig = loadAgentConfig(
    ['--token', token, '--spool', path.join(path.dirname(path.resolve(config.dbPath)), 'spool')],
    { ...process.env, BERTH_TOKEN: undefined, BERTH_SERVER: undefined, BERTH_SPOOL: undefined },
  );
  await buildIfStale(config, log);
  const server = await startServer(config, log);
  const agent = startAgent({ ...agentConfig, server: server.url }, log);
  log.info(
    `Berth is running: open ${server.url}/  (database ${config.dbPath}; built-in agent reports as "${agentConfig.host}")`,
  );
  log.info(
    `add a host: open ${server.url}/ and choose "Add a host" (a token of its own and a one-line install; README "Adding hosts")`,
  );
  announceAccess(server, config, log);
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

main(process.argv.slice(2)).catch((e) => {
  console.error(`berth: ${(e as Error).message}`);
  process.exit(e instanceof ConfigError ? 2 : 1);
});

// The server's command line: `[flags]` serves; `token add|list|revoke` manages per-host ingest
// tokens in the same database. Run by server/main.ts, and by `npm run server` (start/server.ts),
// which first builds the page and the agent bundle when they are stale.
import fs from 'node:fs';
import { loadServerConfig, serverUsage, type ServerConfig } from './config.ts';
import { ConfigError } from '../lib/options.ts';
import { epochNow } from '../lib/clock.ts';
import { createLogger } from '../lib/log.ts';
import { openDb } from './db/open.ts';
import { addHostToken, listTokens, revokeHostToken } from './auth.ts';
import { HOST_NAME_RULE, isHostName } from '../protocol/constants.ts';
import { ACCESS_USAGE, UsageError, accessCli } from './cli-access.ts';
import { announceAccess } from './auth/announce.ts';

const log = createLogger('berth-server');

function usage(): string {
  return serverUsage([
    'usage: npm run server -- [flags]',
    '       npm run server -- token add HOST | token list | token revoke HOST [--db FILE]',
    ...ACCESS_USAGE,
  ]);
}

async function main(argv: string[], prepare: (config: ServerConfig) => Promise<void>): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(usage());
    return;
  }
  if (await accessCli(argv, (rest) => loadServerConfig(rest).dbPath)) return;
  if (argv[0] === 'token') {
    const [, action, host, ...rest] = argv;
    // The names an agent can report (its --host): a token for any other name could never be used.
    if ((action === 'add' || action === 'revoke') && host !== undefined && !isHostName(host)) {
      console.error(`berth-server: token ${action}: "${host}" is not a host name (${HOST_NAME_RULE})\n\n${usage()}`);
      process.exitCode = 2;
      return;
    }
    const config = loadServerConfig(action === 'list' ? [host, ...rest].filter((x) => x !== undefined) : rest);
    // A mistyped --db must not quietly make a new, empty database to list or revoke from.
    if ((action === 'list' || (action === 'revoke' && host)) && !fs.existsSync(config.dbPath)) {
      console.error(`berth-server: --db (BERTH_DB): no database at ${config.dbPath}`);
      process.exitCode = 2;
      return;
    }
    const isNew = !fs.existsSync(config.dbPath);
    const db = openDb(config.dbPath);
    if (action === 'add' && host) {
      const { token, replaced } = addHostToken(db.$client, host, epochNow());
      console.log(token);
      if (isNew) console.error(`created a new database at ${config.dbPath}`);
      console.error(
        replaced
          ? `token for host "${host}" replaced: the one it had stops working now. The new one is shown once; keep it (the server stores only its hash)`
          : `token for host "${host}" created; it is shown once, keep it (the server stores only its hash)`,
      );
    } else if (action === 'list') {
      for (const t of listTokens(db.$client)) {
        const state = t.revoked_at ? `revoked ${new Date(t.revoked_at * 1000).toISOString()}` : 'active';
        const used = t.last_used_at ? new Date(t.last_used_at * 1000).toISOString() : 'never';
        console.log(`${t.host ?? '(shared)'}\t${state}\tlast used ${used}`);
      }
    } else if (action === 'revoke' && host) {
      const ok = revokeHostToken(db.$client, host, epochNow());
      console.error(ok ? `token for host "${host}" revoked` : `no active token for host "${host}"`);
      if (!ok) process.exitCode = 1;
    } else {
      console.error(usage());
      process.exitCode = 2;
    }
    db.$client.close();
    return;
  }
  const config = loadServerConfig(argv);
  await prepare(config);
  if (config.tokens.length === 0) log.warn('no --token given: only tokens issued with `token add HOST` are accepted');
  // Loaded only to serve: `token` and `user` commands start without the whole server.
  const { startServer } = await import('./server.ts');
  const server = await startServer(config, log);
  log.info(`listening on ${server.url} (db ${config.dbPath})`);
  announceAccess(server, config, log);
  const shutdown = (sig: string) => {
    log.info(`${sig}: closing`);
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

/** Runs the command line; `prepare` runs before serving (not for `token …` or --help). */
export function serverCli(argv: string[], prepare: (config: ServerConfig) => Promise<void> = async () => {}): void {
  main(argv, prepare).catch((e) => {
    if (e instanceof UsageError) {
      console.error(`berth-server: ${e.message}`);
      process.exit(2);
    }
    if (e instanceof ConfigError) {
      console.error(`berth-server: ${e.message}\n\n${usage()}`);
      process.exit(2);
    }
    console.error(`berth-server: ${(e as Error).stack ?? e}`);
    process.exit(1);
  });
}

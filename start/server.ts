// `npm run server -- [flags]`: the server's command line (server/cli.ts), building the page and
// the agent bundle first when they are stale, as `npm start` does.
import { serverCli } from '../server/cli.ts';
import { createLogger } from '../lib/log.ts';
import { buildIfStale } from './build-if-stale.ts';

const log = createLogger('berth-server');
serverCli(process.argv.slice(2), (config) => buildIfStale(config, log));

// The server's plain entry point: `node --import tsx server/main.ts [flags]` serves what is
// built, `… token add|list|revoke` manages tokens (server/cli.ts); tests and benches run it.
// `npm run server` runs start/server.ts, which builds the page and agent bundle when stale.
import { serverCli } from './cli.ts';

serverCli(process.argv.slice(2));

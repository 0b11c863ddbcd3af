// The ingest token of `npm start`'s built-in agent: made on first run and kept beside the
// database (mode 0600), so the agent and the server agree across restarts.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../lib/log.ts';
import { newToken } from '../server/auth.ts';

/** The token file beside the DB: read it, or create it with a fresh random token. */
export function localToken(dbPath: string, log: Logger): string {
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

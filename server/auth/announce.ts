// What a starting server says about access: the first-run setup link while nobody can sign
// in, and that reading is open with --public-read.
import type { ServerConfig } from '../config.ts';
import type { Logger } from '../../lib/log.ts';
import type { RunningServer } from '../server.ts';
import { epochNow } from '../../lib/clock.ts';
import { setupLink, SETUP_LINK_HOURS } from './setup-link.ts';

export function announceAccess(server: RunningServer, config: ServerConfig, log: Logger): void {
  const link = setupLink(server.db.$client, config.publicUrl ?? server.url, epochNow());
  if (link)
    log.info(
      `no user yet: open ${link} to create the first admin (works once, for ${SETUP_LINK_HOURS} h; or: npm run server -- user add NAME --role admin)`,
    );
  if (config.publicRead)
    log.warn('--public-read: anyone who reaches this port reads every host (sign-in is needed only to manage)');
}

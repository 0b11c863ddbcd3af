// The first-run link: while no user exists, each start prints a one-time link (a fresh code,
// any older one void) that creates the first admin. The code rides in the URL's fragment,
// which browsers never send, so no proxy or access log sees it.
import type Database from 'better-sqlite3';
import { AuthStore, SETUP_CODE_TTL_S } from './store.ts';

/** The link to print, or undefined when someone can already sign in. */
export function setupLink(sqlite: Database.Database, baseUrl: string, now: number): string | undefined {
  const store = new AuthStore(sqlite);
  if (store.countUsers() > 0) return undefined;
  return `${baseUrl.replace(/\/$/, '')}/setup#code=${store.newSetupCode(now)}`;
}

export const SETUP_LINK_HOURS = SETUP_CODE_TTL_S / 3600;

// What createApp (app.ts) is built from, and what each route gets: in a module of its own so
// the routes import it without importing the app that mounts them.
import type { Db } from './db/open.ts';
import type { ServerConfig } from './config.ts';
import type { Logger } from '../lib/log.ts';
import type { IngestWriter } from './ingest/writer.ts';
import type { Forwarder } from './forward/forwarder.ts';
import type { Alerts } from './alerts/service.ts';
import type { Auth } from './auth/service.ts';

export interface AppDeps {
  db: Db;
  config: ServerConfig;
  log: Logger;
  /** Epoch seconds; injected so tests control time. */
  now: () => number;
  /** Where ingest writes; in the request's own thread when absent (startServer runs a thread). */
  writer?: IngestWriter;
  /** Remote-write forwarding (--remote-write), told of every stored batch. */
  forwarder?: Forwarder;
  /** Alert rules (--alerts), told of every stored batch. */
  alerts?: Alerts;
}

/**
 * What the routes get: the app's dependencies with the one writer every route that writes
 * shares, and who is asking (sign-in, server/auth/service.ts).
 */
export type RouteDeps = AppDeps & { writer: IngestWriter; auth: Auth };

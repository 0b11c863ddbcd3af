// Starts a real Berth server: open and migrate the DB, build the app, listen, run rollups and
// retention in the background. Used by server/main.ts, `npm start` and integration tests.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { openDb, type Db } from './db/open.ts';
import { createApp } from './app.ts';
import type { ServerConfig } from './config.ts';
import type { Logger } from '../agent/log.ts';
import { startMaintenance } from './maintenance.ts';
import { startCheckpointer } from './db/checkpointer.ts';
import { setAutocheckpoint } from './db/statements.ts';
import { startWriterThread } from './ingest/writer.ts';

export interface RunningServer {
  url: string;
  port: number;
  db: Db;
  close(): Promise<void>;
}

export const epochNow = () => Math.floor(Date.now() / 1000);

export async function startServer(config: ServerConfig, log: Logger, now: () => number = epochNow): Promise<RunningServer> {
  const db = openDb(config.dbPath);
  const writer = startWriterThread(db.$client, { allowDuplicateHostnames: config.allowDuplicateHostnames, log });
  // Up means able to store: the thread has opened the file (a few hundred ms, once).
  await writer.ready;
  // Both connections that write leave checkpoints to the checkpoint worker (and take them
  // back if it stops); set before the first request can reach the writer.
  const checkpointer = startCheckpointer(db.$client, {
    onError: (m) => log.error(m),
    autocheckpoint: (pages) => {
      setAutocheckpoint(db.$client, pages);
      writer.autocheckpoint(pages).catch((e: Error) => log.error(`wal_autocheckpoint on the writer: ${e.message}`));
    },
  });
  const app = createApp({ db, config, log, now, writer });
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.bind }, () => resolve(s));
    s.once('error', reject);
  });
  const port = (server.address() as AddressInfo).port;
  const stop = startMaintenance(writer, { ...config, log, now });
  const host = config.bind.includes(':') ? `[${config.bind}]` : config.bind === '0.0.0.0' ? '127.0.0.1' : config.bind;
  return {
    url: `http://${host}:${port}`,
    port,
    db,
    close: () =>
      new Promise<void>((resolve) => {
        stop();
        server.close(() => {
          void Promise.all([writer.close(), checkpointer.stop()]).then(() => {
            db.$client.close();
            resolve();
          });
        });
        // Keep-alive connections from agents would hold close() open.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

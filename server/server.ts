// Starts a real Berth server: open and migrate the DB, build the app, listen, run rollups and
// retention in the background. Used by server/main.ts, `npm start` and integration tests.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import { openDb, type Db } from './db/open.ts';
import { createApp } from './app.ts';
import type { ServerConfig } from './config.ts';
import { ConfigError } from '../lib/options.ts';
import type { Logger } from '../lib/log.ts';
import { startMaintenance } from './maintenance.ts';
import { startCheckpointer } from './db/checkpointer.ts';
import { setAutocheckpoint } from './db/statements.ts';
import { startWriterThread } from './ingest/writer.ts';
import { throttle } from '../lib/log-throttle.ts';
import { startForwarder } from './forward/forwarder.ts';
import { Alerts } from './alerts/service.ts';
import { epochNow, systemClock, type Clock } from '../lib/clock.ts';

export interface RunningServer {
  url: string;
  port: number;
  db: Db;
  close(): Promise<void>;
}

export async function startServer(
  config: ServerConfig,
  log: Logger,
  now: () => number = epochNow,
  clock: Clock = systemClock,
): Promise<RunningServer> {
  const db = openDb(config.dbPath);
  let url = '';
  let alerts: Alerts | undefined;
  try {
    alerts = config.alertsFile
      ? new Alerts({
          sqlite: db.$client,
          file: config.alertsFile,
          smtp: config.smtp,
          publicUrl: () => config.publicUrl ?? url,
          now,
          clock,
          log,
        })
      : undefined;
  } catch (e) {
    db.$client.close();
    throw e;
  }
  const writer = startWriterThread(db.$client, { allowDuplicateHostnames: config.allowDuplicateHostnames, log });
  // Up means able to store: the thread has opened the file (a few hundred ms, once).
  await writer.ready;
  // Both connections that write leave checkpoints to the checkpoint worker (and take them
  // back if it stops); set before the first request can reach the writer.
  // A checkpoint fails every half second while the disk is full: a line a minute says so.
  const checkpointTrouble = throttle();
  const checkpointer = startCheckpointer(db.$client, {
    onError: (m) => {
      const t = checkpointTrouble(m);
      if (t.write) log.error(`${m}${t.more}`);
    },
    autocheckpoint: (pages) => {
      setAutocheckpoint(db.$client, pages);
      writer.autocheckpoint(pages).catch((e: Error) => log.error(`wal_autocheckpoint on the writer: ${e.message}`));
    },
  });
  // Forwarding starts before the first batch can be stored; what waited from before a restart goes first.
  const forwarder = config.remoteWrite.length
    ? startForwarder({
        targets: config.remoteWrite,
        dir: config.remoteWriteQueueDir,
        maxBytes: config.remoteWriteQueueBytes,
        log,
      })
    : undefined;
  await forwarder?.ready;
  const app = createApp({ db, config, log, now, writer, forwarder, alerts });
  let server: ServerType;
  try {
    server = await new Promise((resolve, reject) => {
      // Node's own limits are minutes long: a client dribbling its headers is let go after 15 s,
      // and a request (an 8 MB body on a slow link included) must be in within 2 min.
      const s = serve(
        {
          fetch: app.fetch,
          port: config.port,
          hostname: config.bind,
          serverOptions: { headersTimeout: 15_000, requestTimeout: 120_000, keepAliveTimeout: 65_000 },
        },
        () => resolve(s),
      );
      // Past this many open connections new ones are refused, before file descriptors run out.
      (s as { maxConnections?: number }).maxConnections = MAX_CONNECTIONS;
      s.once('error', (e: NodeJS.ErrnoException) => reject(listenError(e, config)));
    });
  } catch (e) {
    await Promise.all([writer.close(), checkpointer.stop(), forwarder?.close(), alerts?.close()]);
    db.$client.close();
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  const stop = startMaintenance(writer, { ...config, log, now });
  const host = config.bind.includes(':') ? `[${config.bind}]` : config.bind === '0.0.0.0' ? '127.0.0.1' : config.bind;
  url = `http://${host}:${port}`;
  alerts?.start();
  return {
    url,
    port,
    db,
    close: () =>
      new Promise<void>((resolve) => {
        stop();
        const alertsClosed = alerts?.close();
        server.close(() => {
          // The forwarder after the writer: a request cut off by the close may still have its
          // batch committed, and the writer answers every batch (each handed on to the
          // forwarder) before it stops.
          void Promise.all([writer.close(), checkpointer.stop(), alertsClosed])
            .then(() => forwarder?.close())
            .then(() => {
              db.$client.close();
              resolve();
            });
        });
        // Keep-alive connections from agents would hold close() open.
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      }),
  };
}

/** Open connections at most (agents keep one alive each; a few hundred hosts and their pages fit many times). */
const MAX_CONNECTIONS = 10_000;

/** Why the server could not listen, naming the flag to change. */
export function listenError(e: NodeJS.ErrnoException, config: Pick<ServerConfig, 'port' | 'bind'>): Error {
  switch (e.code) {
    case 'EADDRINUSE':
      return new ConfigError(
        `--port (BERTH_PORT): ${config.bind}:${config.port} is already in use by another program; stop it or choose another port with --port`,
      );
    case 'EACCES':
      return new ConfigError(
        `--port (BERTH_PORT): no permission to listen on ${config.bind}:${config.port} (ports below 1024 need root)`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new ConfigError(
        `--bind (BERTH_BIND): cannot listen on "${config.bind}" (${e.code}): give an address of this machine, such as 127.0.0.1 or 0.0.0.0`,
      );
    default:
      return e;
  }
}

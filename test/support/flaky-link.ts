// A TCP relay between clients and a server that a test can cut: drop() resets every open
// connection (a link that fails mid-request), down(ms) also refuses new ones for a while (a
// link that is gone). The server's port may change under it (retarget), as after a restart.
import net from 'node:net';

export interface FlakyLink {
  readonly port: number;
  drop(): void;
  down(ms: number): void;
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function flakyLink(targetPort: number, host = '127.0.0.1'): Promise<FlakyLink> {
  let target = targetPort;
  let downUntil = 0;
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    if (Date.now() < downUntil) return client.resetAndDestroy();
    const upstream = net.connect(target, host);
    open.add(client);
    open.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const close = () => {
      open.delete(client);
      open.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', close);
    upstream.on('close', close);
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise<void>((r) => server.listen(0, host, r));
  const drop = () => {
    for (const s of open) s.resetAndDestroy();
    open.clear();
  };
  return {
    port: (server.address() as net.AddressInfo).port,
    drop,
    down(ms) {
      downUntil = Date.now() + ms;
      drop();
    },
    retarget(port) {
      target = port;
    },
    close: () =>
      new Promise<void>((r) => {
        drop();
        server.close(() => r());
      }),
  };
}

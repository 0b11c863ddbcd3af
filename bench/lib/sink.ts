// A remote-write receiver for benches: a process of its own (so its CPU is not the server's)
// that reads each request to the end and answers 204, counting requests and bytes. It stands
// for a receiver that keeps up, so what a bench measures is the forwarding side's cost.
import { spawn, type ChildProcess } from 'node:child_process';

export interface Sink {
  url: string;
  requests(): number;
  bytes(): number;
  stop(): Promise<void>;
}

const CHILD = `
const http = require('node:http');
let requests = 0, bytes = 0;
const server = http.createServer((req, res) => {
  req.on('data', (c) => { bytes += c.length; });
  req.on('end', () => {
    requests++;
    res.writeHead(204).end();
    process.send({ requests, bytes });
  });
});
server.keepAliveTimeout = 65000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('disconnect', () => process.exit(0));
`;

export function startSink(): Promise<Sink> {
  const child: ChildProcess = spawn(process.execPath, ['-e', CHILD], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let counts = { requests: 0, bytes: 0 };
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.on('message', (m: { port?: number; requests?: number; bytes?: number }) => {
      if (m.port !== undefined)
        resolve({
          url: `http://127.0.0.1:${m.port}`,
          requests: () => counts.requests,
          bytes: () => counts.bytes,
          stop: () =>
            new Promise<void>((done) => {
              child.once('exit', () => done());
              child.disconnect();
            }),
        });
      else counts = { requests: m.requests!, bytes: m.bytes! };
    });
  });
}

// One gzip batch POSTed to /api/v1/ingest on a new connection, as the agent sends it, for the
// fleet's simulated agents (bench/fleet-client.ts, test/support/sim-fleet.ts). Never rejects:
// a failure is an answer with status 0 and what went wrong as its key.
import http from 'node:http';

export interface TickAnswer {
  /** The HTTP status; 0 when none came (timeout, refused connection, unreadable answer). */
  status: number;
  /** The status as text, or what went wrong ('timeout', 'ECONNREFUSED', 'bad answer'). */
  key: string;
  /** Rows the server said it stored (200 only), and whether it took the batch as a resend. */
  rows: number;
  duplicate: boolean;
  /** From the request's start to the end of its answer. */
  ms: number;
}

export function postTick(
  url: string,
  token: string,
  body: Buffer,
  opts: { timeoutMs: number; headers?: Record<string, string> },
): Promise<TickAnswer> {
  const u = new URL(`${url}/api/v1/ingest`);
  const t0 = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (status: number, key: string, rows = 0, duplicate = false) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ status, key, rows, duplicate, ms: performance.now() - t0 });
    };
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname,
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': body.length,
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status !== 200) return finish(status, String(status));
          try {
            const a = JSON.parse(Buffer.concat(chunks).toString()) as {
              duplicate: boolean;
              hostRows: number;
              containerRows: number;
              seriesRows: number;
            };
            finish(200, '200', a.hostRows + a.containerRows + a.seriesRows, a.duplicate);
          } catch {
            finish(0, 'bad answer');
          }
        });
        res.on('error', (e: NodeJS.ErrnoException) => finish(0, e.code ?? e.message));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish(0, 'timeout');
    }, opts.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish(0, e.code ?? e.message));
    req.end(body);
  });
}

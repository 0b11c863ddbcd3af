// One HTTP(S) POST with a whole-request deadline, on node:http/node:https. The shipper used
// fetch, but Node's fetch (undici) instantiates its own WebAssembly HTTP parser on first use:
// measured with bench/agent.ts, that alone took the agent from 50 MB to 67 MB of RSS (VmHWM
// 51 → 89 MB), more than everything else the agent holds. node:http's parser is built in.
import http from 'node:http';
import https from 'node:https';
import { systemClock, type Clock } from '../lib/clock.ts';

export interface PostAnswer {
  status: number;
  text: string;
  /** Where a redirect points (Location), to name it in the log. */
  location?: string;
}

/** Answers longer than this are cut (the server's answers are a few hundred bytes). */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * Seconds a connection is kept open after an answer for the next batch. Below the 5 s that
 * Node's servers (and so most proxies in front of them) keep an idle connection, so the server
 * is not closing it as it is reused; the shipper sends every --flush seconds, so a 1 s or 2 s
 * flush reuses one connection (at 1 s, a new connection per batch was a third of what sending
 * cost), and a longer one opens a connection per batch as before.
 */
export const KEEP_ALIVE_SECONDS = 4;

const agents = {
  http: new http.Agent({ keepAlive: true, maxFreeSockets: 1, timeout: KEEP_ALIVE_SECONDS * 1000 }),
  https: new https.Agent({ keepAlive: true, maxFreeSockets: 1, timeout: KEEP_ALIVE_SECONDS * 1000 }),
};

/**
 * POSTs `body` and resolves with the status and the answer's text (any status). Rejects with
 * the socket error (its `code`, e.g. ECONNREFUSED, kept) or, after `timeoutMs`, with an error
 * named TimeoutError. A connection kept from the last send is reused; one the server closed
 * meanwhile (a reset before any answer) is retried once on a new connection, as Node's
 * documentation advises (`request.reusedSocket`); the server keeps a batch once by its id.
 */
export function httpPost(
  url: string,
  opts: { headers: Record<string, string>; body: Uint8Array; timeoutMs: number; clock?: Clock },
): Promise<PostAnswer> {
  const clock = opts.clock ?? systemClock;
  const until = clock.now() + opts.timeoutMs;
  return postOnce(url, opts, opts.timeoutMs, true).catch((err: Error & { reused?: boolean; code?: string }) => {
    if (!err.reused || (err.code !== 'ECONNRESET' && err.code !== 'EPIPE')) throw err;
    return postOnce(url, opts, Math.max(1, until - clock.now()), false);
  });
}

function postOnce(
  url: string,
  opts: { headers: Record<string, string>; body: Uint8Array; clock?: Clock },
  timeoutMs: number,
  reuse: boolean,
): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const https_ = u.protocol === 'https:';
    const mod = https_ ? https : http;
    const agent = reuse ? (https_ ? agents.https : agents.http) : false;
    const req = mod.request(
      u,
      { method: 'POST', agent, headers: { ...opts.headers, 'content-length': String(opts.body.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          if (size < MAX_ANSWER_BYTES) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => {
          cancelTimer();
          const location = typeof res.headers.location === 'string' ? res.headers.location : undefined;
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString('utf8').slice(0, MAX_ANSWER_BYTES),
            ...(location ? { location } : {}),
          });
        });
        res.on('error', fail);
      },
    );
    const cancelTimer = (opts.clock ?? systemClock).after(timeoutMs, () => {
      const err = new Error(`POST ${u.origin}${u.pathname}: no complete answer within ${timeoutMs} ms`);
      err.name = 'TimeoutError';
      req.destroy(err);
    });
    function fail(err: Error) {
      cancelTimer();
      reject(Object.assign(err, { reused: req.reusedSocket }));
    }
    req.on('error', fail);
    req.end(opts.body);
  });
}

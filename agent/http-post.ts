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
 * POSTs `body` and resolves with the status and the answer's text (any status). Rejects with
 * the socket error (its `code`, e.g. ECONNREFUSED, kept) or, after `timeoutMs`, with an error
 * named TimeoutError. A new connection each time: at one batch per interval the server has
 * closed an idle keep-alive connection by then anyway, and reusing one it is closing fails.
 */
export function httpPost(
  url: string,
  opts: { headers: Record<string, string>; body: Uint8Array; timeoutMs: number; clock?: Clock },
): Promise<PostAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(
      u,
      { method: 'POST', agent: false, headers: { ...opts.headers, 'content-length': String(opts.body.length) } },
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
    const cancelTimer = (opts.clock ?? systemClock).after(opts.timeoutMs, () => {
      const err = new Error(`POST ${u.origin}${u.pathname}: no complete answer within ${opts.timeoutMs} ms`);
      err.name = 'TimeoutError';
      req.destroy(err);
    });
    function fail(err: Error) {
      cancelTimer();
      reject(err);
    }
    req.on('error', fail);
    req.end(opts.body);
  });
}

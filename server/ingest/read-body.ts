// Reads a request body whole, refusing it past a byte limit. With a Content-Length (what
// agents send) the header is checked and the body read straight off the socket by
// @hono/node-server's direct path; only a body without one (chunked) is streamed and counted.
// Hono's bodyLimit middleware would look at `c.req.raw.body` first, which builds a web
// Request and stream for every request: a fifth of the ingest thread's CPU here.
import type { Context } from 'hono';

export class BodyTooLarge extends Error {}

export async function readBody(c: Context, limit: number): Promise<Buffer> {
  const declared = c.req.header('content-length');
  const chunked = c.req.header('transfer-encoding') !== undefined;
  if (declared !== undefined && !chunked) {
    // The HTTP parser holds the body to its declared length.
    if (!/^\d+$/.test(declared.trim()) || Number(declared) > limit) throw new BodyTooLarge();
    const body = Buffer.from(await c.req.arrayBuffer());
    // Node's parser holds a socket's body to its length; a Request built by hand may not.
    if (body.length > limit) throw new BodyTooLarge();
    return body;
  }
  const stream = c.req.raw.body;
  if (!stream) return Buffer.alloc(0);
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size);
}

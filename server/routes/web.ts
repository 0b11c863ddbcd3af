// The built page (web/dist): files from memory, gzip-compressed once, with validators.
//  - /assets/* carry a content hash in their names: cached by the browser for a year
//    (immutable), so a reload or a second tab asks the server only for its data;
//  - index.html, and every client-side route (/host/…, /container/…), which get the page:
//    revalidated on each load (no-cache + ETag), so a rebuilt page is picked up at once.
// A file is read again when its size or mtime changes (npm run build while the server runs).
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import crypto from 'node:crypto';
import { Hono, type Context } from 'hono';
import { getMimeType } from 'hono/utils/mime';

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt']);

interface Entry {
  size: number;
  mtimeMs: number;
  body: Buffer;
  gzip: Buffer | null;
  etag: string;
  type: string;
}

/** The file's bytes and its gzip, from memory while the file is unchanged; null when missing. */
export function loader(): (file: string) => Entry | null {
  const cache = new Map<string, Entry>();
  return (file) => {
    let st: fs.Stats;
    try {
      st = fs.statSync(file);
    } catch {
      cache.delete(file);
      return null;
    }
    if (!st.isFile()) return null;
    const hit = cache.get(file);
    if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit;
    let body: Buffer;
    try {
      body = fs.readFileSync(file);
    } catch {
      // Deleted between stat and read (a build emptying the folder), or unreadable.
      cache.delete(file);
      return null;
    }
    const ext = path.extname(file).toLowerCase();
    const gz = COMPRESSIBLE.has(ext) && body.length > 1024 ? zlib.gzipSync(body, { level: 9 }) : null;
    const entry: Entry = {
      size: st.size,
      mtimeMs: st.mtimeMs,
      body,
      gzip: gz && gz.length < body.length ? gz : null,
      etag: `"${crypto.createHash('sha1').update(body).digest('base64url').slice(0, 20)}"`,
      type: getMimeType(file) ?? 'application/octet-stream',
    };
    cache.set(file, entry);
    return entry;
  };
}

/** Whether Accept-Encoding takes gzip: listed (or `*`) with a q above 0. */
export function acceptsGzip(header: string | undefined): boolean {
  let gzip: number | undefined;
  let star: number | undefined;
  for (const part of (header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qp === undefined ? 1 : Number(qp.slice(2));
    if (name === 'gzip' || name === 'x-gzip') gzip = Number.isFinite(q) ? q : 0;
    else if (name === '*') star = Number.isFinite(q) ? q : 0;
  }
  return (gzip ?? star ?? 0) > 0;
}

/** A file from memory: gzip when the client takes it, 304 when its validator matches, HEAD without a body. */
export function send(c: Context, e: Entry, cacheControl: string, extra: Record<string, string> = {}): Response {
  const gzip = e.gzip !== null && acceptsGzip(c.req.header('accept-encoding'));
  // Each representation its own strong validator; If-None-Match compares weakly (RFC 9110).
  const etag = gzip ? `${e.etag.slice(0, -1)}-gz"` : e.etag;
  const headers: Record<string, string> = {
    'content-type': e.type,
    'cache-control': cacheControl,
    etag,
    vary: 'accept-encoding',
    ...extra,
  };
  const match = c.req.header('if-none-match');
  if (match !== undefined && match.split(',').some((t) => ['*', etag].includes(t.trim().replace(/^W\//, ''))))
    return c.body(null, 304, headers);
  if (gzip) headers['content-encoding'] = 'gzip';
  const body = gzip ? e.gzip! : e.body;
  headers['content-length'] = String(body.length);
  if (c.req.method === 'HEAD') return c.body(null, 200, headers);
  return c.body(new Uint8Array(body.buffer, body.byteOffset, body.length) as Uint8Array<ArrayBuffer>, 200, headers);
}

export function webRoute(webRoot: string): Hono {
  const root = path.resolve(webRoot);
  const load = loader();
  /** The file a decoded URL path names, when it lies inside `dir`; undefined otherwise. */
  const within = (dir: string, rel: string) => {
    const file = path.resolve(root, `.${rel}`);
    return file.startsWith(dir + path.sep) && !rel.includes('\0') ? file : undefined;
  };
  const app = new Hono();
  const page = (c: Context) => {
    const index = load(path.join(root, 'index.html'));
    if (!index) return c.text('The web page is not built: run `npm run build`.', 503);
    return send(c, index, 'no-cache');
  };
  app.get('/assets/*', (c) => {
    let rel: string;
    try {
      rel = decodeURIComponent(c.req.path);
    } catch {
      return c.json({ error: 'bad path' }, 400);
    }
    // Nothing outside the built page, however the path is spelled.
    const file = within(path.join(root, 'assets'), rel);
    if (!file) return c.json({ error: 'not found' }, 404);
    const e = load(file);
    // A missing asset is a 404, not the page: a stale tab then says it must reload.
    if (!e) return c.json({ error: `no such file: ${rel.slice(0, 200)}` }, 404);
    return send(c, e, 'public, max-age=31536000, immutable');
  });
  // Anything else under the page's root (a favicon, robots.txt) as it is; client-side routes get the page.
  app.get('/*', (c) => {
    const rel = c.req.path;
    if (rel.startsWith('/api/')) return c.json({ error: `no route for GET ${rel.slice(0, 200)}` }, 404);
    if (rel !== '/' && path.extname(rel) !== '') {
      let file: string | undefined;
      try {
        file = within(root, decodeURIComponent(rel));
      } catch {
        return page(c);
      }
      const e = file && load(file);
      if (e) return send(c, e, 'no-cache');
    }
    return page(c);
  });
  return app;
}

// A remote endpoint given on the command line (--remote-write, --read-from): its URL, with
// basic-auth credentials in it if any (user:password@host), and extra headers given as
// 'Name: value'. fetch() refuses a URL with credentials, so they become an Authorization
// header; what may be shown (logs, metric labels, status) is the URL without them and
// without its query, which may hold a token too.
import crypto from 'node:crypto';

export interface RemoteUrl {
  /** What requests go to: the URL without credentials. */
  url: string;
  /** Scheme, host, port and path: safe to log and to show. */
  display: string;
  /** A short name for this endpoint on disk (a hash of `display`). */
  id: string;
  /** Extra headers, the Authorization from the URL's credentials among them. */
  headers: Record<string, string>;
}

const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `Name: value` as a header, or an error message naming what is wrong (never the value). */
export function parseHeader(text: string): [string, string] | string {
  const i = text.indexOf(':');
  if (i <= 0) return `"${text.slice(0, 40).replace(/:.*/, '')}…" is not "Name: value"`;
  const name = text.slice(0, i).trim();
  const value = text.slice(i + 1).trim();
  if (!TOKEN_RE.test(name)) return `"${name.slice(0, 40)}" is not a header name`;
  if (/[\r\n\0]/.test(value)) return `the value of ${name} holds a line break`;
  return [name.toLowerCase(), value];
}

/** The endpoint, or throws an Error whose message names what is wrong without repeating secrets. */
export function parseRemoteUrl(raw: string, headerTexts: readonly string[] = []): RemoteUrl {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new Error(`not a URL (http://host:port/path)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`${u.protocol} is not http: or https:`);
  const headers: Record<string, string> = {};
  for (const t of headerTexts) {
    const h = parseHeader(t);
    if (typeof h === 'string') throw new Error(`header ${h}`);
    headers[h[0]] = h[1];
  }
  if (u.username || u.password) {
    if (headers.authorization) throw new Error('credentials in the URL and an Authorization header: give one of them');
    const user = decodeURIComponent(u.username);
    const pass = decodeURIComponent(u.password);
    headers.authorization = `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`;
    u.username = '';
    u.password = '';
  }
  const display = `${u.protocol}//${u.host}${u.pathname}`;
  return {
    url: u.toString(),
    display,
    id: crypto.createHash('sha256').update(display).digest('hex').slice(0, 16),
    headers,
  };
}

// A seeded generator of hostile requests for test/hostile-input.test.ts: ingest bodies made by
// mutating valid batches (wrong types, huge numbers, NaN and Infinity as strings, deep
// nesting, odd unicode, prototype keys, duplicate keys, truncated text or gzip, wrong
// Content-Encoding) and query strings for the read routes. The same seed gives the same
// corpus, so a failure replays from the seed and the case number.
import zlib from 'node:zlib';
import { CONTAINER_METRIC_NAMES, HOST_METRIC_NAMES } from '../../protocol/metrics.ts';

export interface HostileRequest {
  /** What was done, for the failure message. */
  what: string;
  body: Buffer;
  headers: Record<string, string>;
  /** The JSON text before any encoding, when the body decodes to it (so a 2xx can be checked). */
  text?: string;
}

type R = () => number;
const pick = <T>(r: R, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: R, n: number) => Math.floor(r() * n);

/** A valid v2 batch (host, containers, series over a few ticks), as a plain object. */
export function validBatch(r: R, id: string, now: number): Record<string, unknown> {
  const n = 1 + int(r, 4);
  const ts = Array.from({ length: n }, (_, k) => now - 60 + k * 10);
  const col = () => ts.map(() => (r() < 0.1 ? null : Math.round(r() * 1e6) / 100));
  return {
    v: 2,
    batch_id: id,
    agent: { host: `hostile-${int(r, 5)}`, interval: 10, version: 'hostile' },
    host: { ts, metrics: Object.fromEntries(HOST_METRIC_NAMES.slice(0, 6).map((m) => [m, col()])) },
    containers: Array.from({ length: 1 + int(r, 3) }, (_, c) => ({
      id: `${c}`.repeat(12),
      name: `ctr-${c}`,
      image: 'img:1',
      labels: { 'com.example': 'x' },
      ts,
      metrics: Object.fromEntries(CONTAINER_METRIC_NAMES.slice(0, 4).map((m) => [m, col()])),
    })),
    series: [{ name: 'net_rx_bps', labels: { iface: 'eth0' }, ts, values: col() }],
  };
}

const WEIRD_VALUES: unknown[] = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '',
  '0x10',
  null,
  true,
  false,
  {},
  [],
  [[[]]],
  { valueOf: 1 },
  1e308,
  -1e308,
  2 ** 64,
  Number.MAX_SAFE_INTEGER + 2,
  -0,
  5e-324,
  1.5,
  -1,
  'x'.repeat(5000),
  '\u0000',
  '\ud800',
  '\u202e\u2066evil',
  '\u200b',
  '🐳'.repeat(100),
  'Ａ',
  '../..',
  '<script>alert(1)</script>',
  "'; DROP TABLE hosts; --",
];

const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
];

/** Every [parent, key] in the object tree, for mutating one place at random. */
function places(o: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []) {
  if (Array.isArray(o)) o.forEach((v, i) => (out.push([o, i]), places(v, out)));
  else if (typeof o === 'object' && o !== null)
    for (const k of Object.keys(o))
      (out.push([o as Record<string, unknown>, k]), places((o as Record<string, unknown>)[k], out));
  return out;
}

/** `x` when it is a plain object (an earlier mutation may have replaced it), else undefined. */
const obj = (x: unknown): Record<string, unknown> | undefined =>
  typeof x === 'object' && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>) : undefined;
const hostOf = (b: Record<string, unknown>) => {
  const h = obj(b.host) ?? (b.host = { ts: [1_790_000_000], metrics: {} });
  if (!Array.isArray(h.ts)) h.ts = [1_790_000_000];
  const metrics = obj(h.metrics) ?? (h.metrics = { cpu_pct: (h.ts as unknown[]).map(() => 1) });
  return { ts: h.ts as unknown[], metrics: metrics as Record<string, unknown[]> };
};

function nest(depth: number, inner: string): string {
  return '['.repeat(depth) + inner + ']'.repeat(depth);
}

/** One mutation of a valid batch's object; returns what it did. */
function mutateObject(r: R, b: Record<string, unknown>, now: number): string {
  const all = places(b);
  const [parent, key] = pick(r, all);
  switch (int(r, 9)) {
    case 0: {
      const v = pick(r, WEIRD_VALUES);
      (parent as Record<string, unknown>)[key as string] = v;
      return `${String(key)} = ${JSON.stringify(v)?.slice(0, 30)}`;
    }
    case 1: {
      // A prototype key as a metric, label or top-level name.
      const k = pick(r, PROTO_KEYS);
      const containers = Array.isArray(b.containers) ? b.containers : [];
      const target = pick(
        r,
        [b, hostOf(b).metrics, obj(obj(containers[0])?.labels), obj(b.agent)].filter((x) => x !== undefined),
      ) as Record<string, unknown>;
      Object.defineProperty(target, k, {
        value: pick(r, [[1], 1, { polluted: true }, 'x']),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return `prototype key ${k}`;
    }
    case 2: {
      delete (parent as Record<string, unknown>)[key as string];
      return `deleted ${String(key)}`;
    }
    case 3: {
      // Times out of range, unordered, fractional, a day and more ahead.
      const ts = hostOf(b).ts;
      const v = pick(r, [now + 86_400 * 2, -1, 0, 1.5, 1e20, 'now', null, now - 86_400 * 365 * 40]);
      ts[int(r, ts.length)] = v;
      return `host.ts = ${v}`;
    }
    case 4: {
      // A column of the wrong length.
      const { ts, metrics: m } = hostOf(b);
      const name = Object.keys(m)[0] ?? 'cpu_pct';
      m[name] = [...ts, 1].map(() => 1);
      return `host.metrics.${name} one value too many`;
    }
    case 5: {
      b.v = pick(r, [1, 3, '2', 2.5, null, -2, 1e9]);
      return `v = ${JSON.stringify(b.v)}`;
    }
    case 6: {
      b.batch_id = pick(r, [
        '',
        'short',
        'with space here',
        'x'.repeat(100),
        '../../etc',
        '\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9',
        42,
      ]);
      return `batch_id = ${JSON.stringify(b.batch_id)}`;
    }
    case 7: {
      const agent = obj(b.agent) ?? (b.agent = {});
      agent.host = pick(r, ['', '.', '..', 'a/b', 'x'.repeat(300), '\u0000', 7, null]);
      return `agent.host = ${JSON.stringify(agent.host)}`;
    }
    default: {
      // A metric name the catalogue refuses.
      const { ts, metrics: m } = hostOf(b);
      const name = pick(r, ['', 'a b', 'x'.repeat(200), 'ünï', 'a\u0000b', '1;DROP']);
      m[name] = ts.map(() => 1);
      return `metric name ${JSON.stringify(name)}`;
    }
  }
}

/** A mutation of the JSON text itself (what an object cannot hold). */
function mutateText(r: R, text: string): [string, string] {
  switch (int(r, 7)) {
    case 0: {
      const at = int(r, text.length);
      return [`truncated at ${at}`, text.slice(0, at)];
    }
    case 1:
      // Duplicate keys: the last wins in JSON.parse; here the last is wrong.
      return ['duplicate key v', text.replace('{"v":2', '{"v":2,"v":"two"')];
    case 2:
      return ['deeply nested value', text.replace('"values":[', `"values":[${nest(50_000, '1')},`)];
    case 3:
      return ['deep nesting with __proto__', text.replace('"labels":{', `"labels":{"__proto__":${nest(5000, '{}')},`)];
    case 4:
      return ['NaN literal', text.replace(/(\d+\.\d+)/, 'NaN')];
    case 5:
      return ['lone surrogate escape in a name', text.replace('"ctr-0"', '"ctr-\\ud800"')];
    default:
      return [
        'not a batch',
        pick(r, [
          '',
          ' ',
          'null',
          '[]',
          'true',
          '"string"',
          '{}',
          '{"v":2}',
          '[{"v":2}]',
          '1e400',
          '{"v":2,"batch_id":',
        ]),
      ];
  }
}

/** One hostile ingest request, from a valid batch made wrong in one or a few ways. */
export function hostileIngest(r: R, i: number, now: number): HostileRequest {
  const b = validBatch(r, `hostile-${i}-0123456789`, now);
  const what: string[] = [];
  let text: string | undefined;
  const kind = r();
  if (kind < 0.55) {
    for (let k = 1 + int(r, 3); k > 0; k--) what.push(mutateObject(r, b, now));
    text = JSON.stringify(b);
  } else if (kind < 0.8) {
    const [w, t] = mutateText(r, JSON.stringify(b));
    what.push(w);
    text = t;
  } else {
    text = JSON.stringify(b);
  }
  let body: Buffer = Buffer.from(text ?? '');
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  // How it travels: plain, gzip, or broken on the way.
  const enc = r();
  if (enc < 0.4) {
    body = zlib.gzipSync(body);
    headers['content-encoding'] = pick(r, ['gzip', 'x-gzip', 'GZIP', 'identity, gzip']);
  } else if (enc < 0.5) {
    const gz = zlib.gzipSync(body);
    body = gz.subarray(0, int(r, gz.length));
    headers['content-encoding'] = 'gzip';
    what.push(`gzip truncated to ${body.length} of ${gz.length} bytes`);
    text = undefined;
  } else if (enc < 0.58) {
    const [w, b2] = pick(r, [
      ['deflate sent as gzip', zlib.deflateSync(body)],
      ['gzip twice, said once', zlib.gzipSync(zlib.gzipSync(body))],
      ['plain sent as gzip', body],
      [
        'gzip of garbage bytes',
        Buffer.concat([zlib.gzipSync(body).subarray(0, 10), Buffer.from([0xff, 0xfe, 0xfd, 0x00])]),
      ],
    ] as const);
    body = b2;
    headers['content-encoding'] = 'gzip';
    what.push(w);
    text = undefined;
  } else if (enc < 0.66) {
    headers['content-encoding'] = pick(r, [
      'br',
      'deflate',
      'gzip, gzip',
      'compress',
      'zstd',
      'identity;q=0',
      '\u00ff',
      'gzip, br',
    ]);
    if (headers['content-encoding'].includes('gzip')) body = zlib.gzipSync(body);
    what.push(`Content-Encoding ${headers['content-encoding']}`);
    text = undefined;
  } else if (enc < 0.72) {
    // Bytes that are not UTF-8 in the middle of a name.
    const at = body.indexOf('ctr-0');
    if (at >= 0)
      body = Buffer.concat([body.subarray(0, at), Buffer.from([0xc0, 0xaf, 0xed, 0xa0, 0x80]), body.subarray(at)]);
    what.push('invalid UTF-8 bytes');
  }
  if (r() < 0.05) {
    headers['content-type'] = pick(r, [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      '',
    ]);
    what.push(`Content-Type ${headers['content-type']}`);
  }
  return { what: what.join('; ') || 'valid', body, headers, text };
}

/** Names a read route may take, and values meant to break them. */
const KEYS = [
  'host',
  'container',
  'containers',
  'metrics',
  'metric',
  'series',
  'from',
  'to',
  'maxPoints',
  'minmax',
  'digits',
  'limit',
  'label.iface',
  'label.',
  'label.%ZZ',
  'hosts',
  'kind',
  '',
  '%',
  'from[]',
  '__proto__',
  'constructor',
  'toString',
];
const VALUES = [
  '',
  'hostile-0',
  'hostile-1',
  'ctr-0',
  'ctr-0,ctr-1',
  '*',
  'cpu_pct',
  'cpu_pct,mem_bytes',
  ',,',
  'net_rx_bps',
  'bogus',
  '0',
  '-1',
  '1',
  '2',
  '1e3',
  '1e400',
  'NaN',
  'Infinity',
  '-0',
  '0x10',
  '999999999999999999999',
  '-999999999999999999999',
  '1790000000',
  '2026-09-21T12:00:00Z',
  '2026-13-45T99:99:99Z',
  '0000-01-01',
  'true',
  'null',
  '%',
  '%E0%A4%A',
  '%00',
  '%FF%FE',
  '%C0%AF',
  '%ED%A0%80',
  "1' OR '1'='1",
  'cpu_pct;DROP TABLE hosts',
  '<script>',
  '%F0%9F%90%B3',
  '%E2%80%AE',
  'x'.repeat(5000),
  'a,'.repeat(2000),
  '__proto__',
  'constructor',
];

/** A random query string for a read route (a real host most of the time, so the handler gets past the lookup). */
export function hostileQuery(r: R, now: number): string {
  const parts: string[] = [];
  if (r() < 0.6) parts.push(`host=hostile-${int(r, 3)}`);
  for (let n = int(r, 7); n > 0; n--) {
    const k = pick(r, KEYS);
    let v = r() < 0.2 ? `${pick(r, VALUES)}${pick(r, VALUES)}` : pick(r, VALUES);
    if (k === 'from' || k === 'to') v = r() < 0.5 ? String(now - int(r, 86_400 * 30)) : v;
    parts.push(r() < 0.05 ? k : `${k}=${v}`);
  }
  if (r() < 0.05) parts.push('&&&=&');
  return parts.join('&');
}

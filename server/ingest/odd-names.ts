// Names a parsed body may hold that the store cannot keep faithfully, refused with where they
// are. Pure.
//  - A "__proto__" key: JSON.parse makes it an own property, but the schema's records quietly
//    leave it out (zod), so a metric of that name would be dropped, or two label sets
//    differing only there merged, while the agent is told all went in.
//  - A string with half a UTF-16 surrogate pair (JSON's "\ud800" escape): SQLite would keep
//    bytes that are not UTF-8, read back as U+FFFD, so two such names become one.
// Both can only come in through JSON's \u escapes (or the name itself), so most bodies are
// passed by one scan of their text.

const LONE_SURROGATE = /\p{Cs}/u;

/** Whether the body's text can hold either at all. */
export function mayHoldOddNames(text: string): boolean {
  return text.includes('\\u') || text.includes('__proto__');
}

/** A batch is a few levels deep (batch, containers, one container, metrics, a column); deeper is not one. */
export const MAX_DEPTH = 32;

/** What was found: why, and the path to it, innermost first (built only on the way out). */
type Found = { why: string; path: string[] };

/**
 * The first such key or string, as `path: why` (`snapshots.0.host.__proto__: …`), or undefined;
 * also a body nested deeper than MAX_DEPTH (so the scan's own depth is bounded). A path is
 * only spelled out for what is found, so a body of millions of values is one cheap pass.
 */
export function oddName(body: unknown): string | undefined {
  const found = scan(body, 0);
  return found && `${found.path.reverse().join('.') || '(body)'}: ${found.why}`;
}

function scan(value: unknown, depth: number): Found | undefined {
  if (typeof value === 'string')
    return LONE_SURROGATE.test(value) ? { why: 'holds half a UTF-16 surrogate pair (not text)', path: [] } : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  if (depth >= MAX_DEPTH) return { why: `nested deeper than ${MAX_DEPTH} levels (not a batch)`, path: [] };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v !== 'object' && typeof v !== 'string') continue;
      const f = scan(v, depth + 1);
      if (f) return (f.path.push(String(i)), f);
    }
    return undefined;
  }
  if (Object.hasOwn(value, '__proto__')) return { why: '"__proto__" is not a name Berth takes', path: ['__proto__'] };
  for (const k in value) {
    if (LONE_SURROGATE.test(k)) return { why: 'the name holds half a UTF-16 surrogate pair (not text)', path: [k] };
    const f = scan((value as Record<string, unknown>)[k], depth + 1);
    if (f) return (f.path.push(k), f);
  }
  return undefined;
}

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

/** The first such key or string, as `path: why` (`snapshots.0.host.__proto__: …`), or undefined. */
export function oddName(value: unknown, at: string[] = []): string | undefined {
  if (typeof value === 'string') {
    return LONE_SURROGATE.test(value) ? `${at.join('.') || '(body)'}: holds half a UTF-16 surrogate pair (not text)` : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'object' || typeof v === 'string') {
        const p = oddName(v, [...at, String(i)]);
        if (p) return p;
      }
    }
    return undefined;
  }
  if (Object.hasOwn(value, '__proto__')) return `${[...at, '__proto__'].join('.')}: "__proto__" is not a name Berth takes`;
  for (const k of Object.keys(value)) {
    if (LONE_SURROGATE.test(k)) return `${[...at, k].join('.')}: the name holds half a UTF-16 surrogate pair (not text)`;
    const p = oddName((value as Record<string, unknown>)[k], [...at, k]);
    if (p) return p;
  }
  return undefined;
}

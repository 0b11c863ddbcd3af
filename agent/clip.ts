// Cutting text to the lengths the wire schema allows, without leaving half a surrogate pair. Pure.

/**
 * At most `max` UTF-16 units (what the server's schema counts), never half a surrogate pair:
 * one found alone becomes U+FFFD, and a pair the cut would split is left out, so no name or
 * label the agent sends can get its host's batches refused (server/ingest/odd-names.ts).
 */
export function clip(text: string, max: number): string {
  let t = text.replace(/\p{Cs}/gu, '\ufffd').slice(0, max);
  if (/[\ud800-\udbff]$/.test(t)) t = t.slice(0, -1);
  return t;
}

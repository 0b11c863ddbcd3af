// Log lines for refused ingest requests, so an operator sees a misconfigured agent in the
// server's log and not only as a counter in /api/v1/status: the first refusal of each kind,
// then at most one line a minute for it with how many came since.
import type { Logger } from '../../agent/log.ts';

const EVERY_MS = 60_000;

/** Control characters written out, the text cut: a refusal's message may quote what a client sent. */
export function printable(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

export function refusalLog(log: Logger, clock: () => number = () => performance.now()) {
  const seen = new Map<string, { at: number; since: number }>();
  return (status: number, message: string, from: string | undefined): void => {
    // One kind: the status and the message up to its first colon (the field or the reason).
    const kind = `${status} ${message.split(':')[0]}`;
    const now = clock();
    const s = seen.get(kind);
    if (s && now - s.at < EVERY_MS) {
      s.since++;
      return;
    }
    const more = s && s.since > 0 ? ` (${s.since} more like it in the last ${Math.round((now - s.at) / 1000)} s)` : '';
    seen.set(kind, { at: now, since: 0 });
    log.warn(`ingest refused ${status}${from ? ` from ${from}` : ''}: ${printable(message)}${more}`);
  };
}

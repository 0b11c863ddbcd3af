// Log lines for refused ingest requests, so an operator sees a misconfigured agent in the
// server's log and not only as a counter in /api/v1/status: the first refusal of each kind,
// then at most one line a minute for it with how many came since (server/log-throttle.ts).
import type { Logger } from '../../agent/log.ts';
import { throttle } from '../log-throttle.ts';

/**
 * Control characters written out, the text cut: a refusal's message may quote what a client
 * sent. Line and paragraph separators and bidi overrides too, which would break or reorder a
 * log line in a viewer.
 */
export function printable(text: string, max = 200): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  return cut.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    const code = ch.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\x${code.toString(16).padStart(2, '0')}`;
  });
}

export function refusalLog(log: Logger, clock?: () => number) {
  const due = throttle(undefined, clock);
  return (status: number, message: string, from: string | undefined): void => {
    // One kind: the status and the message up to its first colon (the field or the reason).
    const t = due(`${status} ${message.split(':')[0]}`);
    if (t.write) log.warn(`ingest refused ${status}${from ? ` from ${from}` : ''}: ${printable(message)}${t.more}`);
  };
}

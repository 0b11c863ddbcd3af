// Log lines for refused ingest requests, so an operator sees a misconfigured agent in the
// server's log and not only as a counter in /api/v1/status: the first refusal of each kind,
// then at most one line a minute for it with how many came since (lib/log-throttle.ts).
import { escapeControls, type Logger } from '../../lib/log.ts';
import { throttle } from '../../lib/log-throttle.ts';

/** The text cut and escaped (lib/log.ts): a refusal's message may quote what a client sent. */
export function printable(text: string, max = 200): string {
  return escapeControls(text.length > max ? `${text.slice(0, max)}…` : text);
}

export function refusalLog(log: Logger, clock?: () => number) {
  const due = throttle(undefined, clock);
  return (status: number, message: string, from: string | undefined): void => {
    // One kind: the status and the message up to its first colon (the field or the reason).
    const t = due(`${status} ${message.split(':')[0]}`);
    if (t.write) log.warn(`ingest refused ${status}${from ? ` from ${from}` : ''}: ${printable(message)}${t.more}`);
  };
}

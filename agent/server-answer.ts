// What a send's result means for the batch: delivered, kept to be tried again, or refused for
// good; and the server's words made fit for the agent's log. Pure: the delivery policy
// (delivery-policy.ts) reads every answer through here.
import { escapeControls } from '../lib/log.ts';

/** An HTTP answer, whatever its status. */
export interface Answer {
  status: number;
  text: string;
  /** Where a redirect points. */
  location?: string;
}

/** Why no answer came: the socket error's code (ECONNREFUSED, ECONNRESET…) or a TimeoutError. */
export interface NoAnswer {
  name?: string;
  code?: string;
  message: string;
}

/**
 * `retry`: kept, tried again after a backoff; `mayBeStored` when the server may have stored it
 * all the same (a timeout, a connection reset, a gateway's 502 or 504). `refused`: dropped.
 */
export type Outcome =
  | { kind: 'delivered' }
  | { kind: 'retry'; message: string; mayBeStored: boolean; status?: number }
  | { kind: 'refused'; message: string; status: number };

/**
 * Whether a refusal is about the batch itself, so that dropping it is right: a 400 (malformed,
 * or stamped by a clock a day ahead; sent again it is refused again), except for a protocol
 * version the server does not know yet (it may be upgraded), and a 413 (it will not shrink).
 * Every other answer (a redirect, 401 for a revoked token, 403 from a proxy, 404 for a wrong
 * path, 409 for a host-name conflict, 415, 5xx) is about where or how it was sent, fixed by
 * whoever runs it: the batch stays and is retried with backoff.
 */
export function refusedForGood(status: number, message: string): boolean {
  if (status === 413) return true;
  return status === 400 && !message.startsWith('v: ');
}

/** Text from the server fit for the log: the token never (a proxy may echo the request), control characters escaped. */
export function forLog(text: string, token: string): string {
  // A token of a few characters ("t") is masked only where it stands alone, or "cannot reach
  // http://…" would read "canno[token] reach h[token][token]p://…"; a longer one everywhere.
  const masked = !token
    ? text
    : token.length >= 8
      ? text.split(token).join('[token]')
      : text.replace(
          new RegExp(`(?<![\\w-])${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w-])`, 'g'),
          '[token]',
        );
  return escapeControls(masked);
}

export function outcomeOfAnswer(a: Answer, token: string): Outcome {
  let said: { ok?: unknown; error?: unknown } | undefined;
  try {
    said = JSON.parse(a.text) as typeof said;
  } catch {
    /* not JSON: keep the text */
  }
  const ok = a.status >= 200 && a.status < 300;
  if (ok && said?.ok === true) return { kind: 'delivered' };
  // A 200 from something that is not Berth (a web page at --server): not delivered.
  if (ok)
    return {
      kind: 'retry',
      message: `HTTP ${a.status} but not a Berth server's answer: ${forLog(a.text.slice(0, 120), token)}`,
      mayBeStored: false,
    };
  const error = typeof said?.error === 'string' ? said.error : a.text.slice(0, 300);
  const where =
    a.status >= 300 && a.status < 400 ? ` (redirected to ${a.location ?? 'nowhere said'}: point --server there)` : '';
  const message = forLog(`HTTP ${a.status}: ${error}${where}`, token);
  if (refusedForGood(a.status, error)) return { kind: 'refused', message, status: a.status };
  return { kind: 'retry', message, status: a.status, mayBeStored: a.status === 502 || a.status === 504 };
}

export function outcomeOfNoAnswer(e: NoAnswer, server: string, token: string): Outcome {
  const timedOut = e.name === 'TimeoutError';
  return {
    kind: 'retry',
    message: forLog(`cannot reach ${server} (${timedOut ? 'timed out' : (e.code ?? e.message)})`, token),
    // Not EPIPE: the server closed the connection before it had the whole body.
    mayBeStored: timedOut || e.code === 'ECONNRESET',
  };
}

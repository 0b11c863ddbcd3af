// What the status line says about forwarding to remote-write targets (--remote-write): how far
// behind it is, what waits in its queue and what it dropped, as the server counts them
// (GET /api/v1/status/forwarding, the figures GET /metrics exposes as berth_remote_write_*).
import type { ForwardStats } from '../api.ts';
import { formatBytes, formatCount, formatDuration } from '../format.ts';

/** Behind by this much, forwarding is called late (a few send rounds, well past a retry). */
export const LATE_SECONDS = 60;

export interface ForwardingSummary {
  /** One line for every target together: the worst lag, the queued and dropped samples. */
  text: string;
  /** Each target on a line of its own, with its last error. */
  detail: string;
  /** Late, or a target's last request failed (drops are counted since the server started, so they only show). */
  trouble: boolean;
}

const samples = (n: number) => `${formatCount(n)} sample${n === 1 ? '' : 's'}`;
const behind = (seconds: number) => (seconds < 1 ? 'up to date' : `${formatDuration(seconds)} behind`);

/** Null when the server forwards nowhere: the page then says nothing about it. */
export function forwardingSummary(targets: readonly ForwardStats[]): ForwardingSummary | null {
  if (targets.length === 0) return null;
  const lag = Math.max(...targets.map((t) => t.lagSeconds));
  const queued = targets.reduce((n, t) => n + t.queueSamples, 0);
  const dropped = targets.reduce((n, t) => n + t.droppedFull + t.droppedRejected, 0);
  return {
    text: `Forwarding ${behind(lag)}, ${samples(queued)} queued, ${formatCount(dropped)} dropped`,
    detail: targets
      .map(
        (t) =>
          `${t.target}: ${behind(t.lagSeconds)}, ${samples(t.queueSamples)} (${formatBytes(t.queueBytes)}) queued, ` +
          `${formatCount(t.droppedFull)} dropped for a full queue, ${formatCount(t.droppedRejected)} refused by the target` +
          (t.lastError === null ? '' : `; last error: ${t.lastError}`),
      )
      .join('\n'),
    trouble: lag >= LATE_SECONDS || targets.some((t) => t.lastError !== null),
  };
}

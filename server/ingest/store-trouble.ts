// The server log's account of a store that cannot write (a full disk, an I/O error): one line
// when batches start being answered 503, at most one a minute while it lasts (with how many
// since), and one when a batch is stored again, saying how many were refused meanwhile. A
// nearly full disk flaps (a small batch fits, the next does not): "storing again" too is
// said at most once a minute, the refusals counted on until it is.
import type { Logger } from '../../lib/log.ts';
import { throttle } from '../../lib/log-throttle.ts';
import { unavailableReason, type StoreUnavailable } from './unavailable.ts';

export function storeTrouble(log: Logger, clock?: () => number) {
  const due = throttle(undefined, clock);
  let refused = 0;
  let since: number | undefined;
  const now = clock ?? (() => performance.now());
  return {
    failed(e: StoreUnavailable): void {
      refused++;
      since ??= now();
      const t = due(e.code);
      if (t.write) log.error(`ingest: answering 503, ${unavailableReason(e.code)} (${e.code}): ${e.message}${t.more}`);
    },
    stored(): void {
      if (since === undefined || !due('stored').write) return;
      log.info(
        `ingest: storing again after ${Math.round((now() - since) / 1000)} s; ${refused} batches were answered 503 meanwhile (their agents send them again)`,
      );
      refused = 0;
      since = undefined;
    },
  };
}

// How batches are delivered, as data: one pure function from the delivery state and an event
// (a flush, the retry timer, the outbox's oldest batches, a merge's result, the server's answer
// or no answer) to the next state and the actions the loop (shipper.ts) performs (all of them
// in delivery-types.ts). Time and jitter come in with the events.
//
// The rules: batches go oldest first; when more than one waits, the oldest go as one catch-up
// batch (catch-up.ts) with an id its members always give. A refusal of the batch itself
// (server-answer.ts) drops it, counted; anything else keeps it and backs off, exponentially
// with jitter. A catch-up batch whose answer was lost goes again as it was, once; refused as a
// whole, its members go one at a time; after a 413 or a second lost answer later ones are
// halved. While the server fails, the oldest alone tries it.
import { CATCH_UP_MAX_BATCHES } from './catch-up.ts';
import { plural } from '../lib/log.ts';
import { outcomeOfAnswer, outcomeOfNoAnswer, type Outcome } from './server-answer.ts';
import type {
  Attempt,
  DeliveryAction,
  DeliveryEvent,
  DeliveryState,
  PolicyConfig,
  Step,
  Waiting,
} from './delivery-types.ts';

/** A catch-up send takes longer than one batch's: this many times the send timeout. */
export const CATCH_UP_TIMEOUT_FACTOR = 4;

export function step(cfg: PolicyConfig, s: DeliveryState, e: DeliveryEvent): Step {
  switch (e.type) {
    case 'flush':
    case 'timer':
      // One drain at a time; none while backing off, unless forced (the agent stops).
      if (s.drain || (!(e.type === 'flush' && e.force) && e.now < s.retryAt)) return { state: s, actions: [] };
      return read({ ...s, drain: { replayed: 0, requests: 0, run: [] } }, []);
    case 'oldest':
      return s.drain ? oldest(cfg, s, e.run) : { state: s, actions: [] };
    case 'merged':
      return s.drain ? merged(cfg, s, e) : { state: s, actions: [] };
    case 'answer':
    case 'no-answer': {
      const attempt = s.drain?.attempt;
      if (!attempt) return { state: s, actions: [] };
      const outcome = e.type === 'answer' ? outcomeOfAnswer(e, cfg.token) : outcomeOfNoAnswer(e, cfg.server, cfg.token);
      return answered(cfg, { ...s, drain: { ...s.drain!, attempt: undefined } }, attempt, outcome, e);
    }
  }
}

function read(s: DeliveryState, actions: DeliveryAction[]): Step {
  const max = s.singlesLeft ? 1 : CATCH_UP_MAX_BATCHES;
  return { state: s, actions: [...actions, { type: 'read', max, maxBytes: s.catchUpBytes }] };
}

/** The drain ends: a line when it replayed a backlog (batches that went out at their first try are the normal case). */
function finish(s: DeliveryState, actions: DeliveryAction[], left: number): Step {
  const { replayed, requests } = s.drain!;
  if (replayed > 1 || (replayed > 0 && left > 0)) {
    const inRequests = requests < replayed ? ` in ${plural(requests, 'request', 'requests')}` : '';
    actions.push({
      type: 'log',
      level: 'info',
      text: `replayed ${plural(replayed, 'spooled batch', 'spooled batches')}${inRequests}; ${left} left`,
    });
  }
  return { state: { ...s, drain: undefined }, actions };
}

function send(cfg: PolicyConfig, s: DeliveryState, attempt: Attempt): Step {
  const timeoutMs = cfg.timeoutMs * (attempt.catchUp ? CATCH_UP_TIMEOUT_FACTOR : 1);
  return {
    state: { ...s, drain: { ...s.drain!, attempt } },
    actions: [{ type: 'send', keys: attempt.keys, batchId: attempt.batchId, catchUp: attempt.catchUp, timeoutMs }],
  };
}

const single = (w: Waiting): Attempt => ({
  keys: [w.key],
  batchId: w.batchId,
  bytes: w.bytes,
  memberBytes: w.bytes,
  catchUp: false,
  again: false,
});

/**
 * What goes out for the oldest batches `run`: the catch-up batch whose answer was lost, again,
 * while its members are still the oldest; else a new merge, but not while the server is failing
 * (then the oldest alone tries it, and the merge is made once it answers).
 */
function oldest(cfg: PolicyConfig, s: DeliveryState, run: readonly Waiting[]): Step {
  if (!run.length) return finish(s, [], 0);
  const st = { ...s, drain: { ...s.drain!, run } };
  if (run.length > 1) {
    const r = st.resend;
    if (r && r.keys.every((k, i) => run[i]?.key === k)) return send(cfg, st, { ...r, again: true });
    st.resend = undefined;
    if (st.failures === 0) return { state: st, actions: [{ type: 'merge', maxBytes: st.catchUpBytes }] };
  }
  return send(cfg, st, single(run[0]));
}

function merged(cfg: PolicyConfig, s: DeliveryState, m: { count: number; batchId: string; bytes: number }): Step {
  const run = s.drain!.run;
  // Whatever the files hold, the drain goes on: the oldest then goes out alone.
  if (m.count < 2) return send(cfg, s, single(run[0]));
  const members = run.slice(0, m.count);
  return send(cfg, s, {
    keys: members.map((w) => w.key),
    batchId: m.batchId,
    bytes: m.bytes,
    memberBytes: members.reduce((n, w) => n + w.bytes, 0),
    catchUp: true,
    again: false,
  });
}

function answered(
  cfg: PolicyConfig,
  s: DeliveryState,
  a: Attempt,
  o: Outcome,
  e: { now: number; waiting: number; jitter: number },
): Step {
  const actions: DeliveryAction[] = [];
  const log = (level: 'info' | 'warn' | 'error', text: string) => actions.push({ type: 'log', level, text });
  const members = a.keys.length;
  const drain = s.drain!;
  /** Later catch-up batches at most half this one's members' bytes. */
  const halved = Math.floor(a.memberBytes / 2);

  if (o.kind === 'delivered') {
    if (s.failures > 0) log('info', `server answers again after ${s.failures} failed attempts`);
    if (cfg.verbose)
      log(
        'info',
        `sent batch ${a.batchId} (${a.bytes} bytes${a.catchUp ? `, ${members} spooled batches as one` : ''})`,
      );
    actions.push({ type: 'stop-waiting' }, { type: 'remove', keys: a.keys });
    return read(
      {
        ...s,
        failures: 0,
        retryAt: 0,
        lastRefusal: '',
        lastRetryMessage: '',
        sent: s.sent + members,
        resend: a.catchUp ? undefined : s.resend,
        singlesLeft: a.catchUp ? s.singlesLeft : Math.max(0, s.singlesLeft - 1),
        drain: { ...drain, replayed: drain.replayed + members, requests: drain.requests + 1 },
      },
      actions,
    );
  }

  if (o.kind === 'retry') {
    const failures = s.failures + 1;
    const base = cfg.minBackoff * 2 ** Math.min(failures - 1, 10);
    const wait = Math.min(cfg.maxBackoff, base) * (0.5 + e.jitter / 2);
    actions.push({ type: 'wait', ms: wait * 1000 + 1 });
    // The first failures, then every 20th, and whenever the reason changes: an outage of a
    // day is a few dozen lines, not thousands.
    if (failures <= 3 || failures % 20 === 0 || o.message !== s.lastRetryMessage) {
      const inARow = failures > 3 ? ` (${failures} failed tries in a row)` : '';
      log(
        'warn',
        `send failed: ${o.message}; ${plural(e.waiting, 'batch', 'batches')} kept, next try in ${wait.toFixed(1)} s${inARow}`,
      );
    }
    // A catch-up batch the server may have stored (its answer lost) goes again as it was, once:
    // the same id, absorbed as a duplicate. Any other failure, or the second: the oldest alone
    // tries next (a link too slow for it, a proxy's body limit, a proxy answering 502 for a
    // server that is down), and the next catch-up batches are smaller.
    const st: DeliveryState = { ...s, failures, retryAt: e.now + wait * 1000, lastRetryMessage: o.message };
    if (a.catchUp) {
      st.resend = o.mayBeStored && !a.again ? { ...a, again: false } : undefined;
      if (a.again) st.catchUpBytes = halved;
    }
    return finish(st, actions, e.waiting);
  }

  if (a.catchUp) {
    // Refused as a whole (one bad member, or too large for this server): its members go one
    // at a time, so that only a bad one is dropped; after a 413, later ones are made smaller.
    log(
      'warn',
      `server refused a catch-up batch of ${members} spooled batches (${o.message}): sending them one at a time`,
    );
    return read(
      {
        ...s,
        resend: undefined,
        singlesLeft: members,
        catchUpBytes: o.status === 413 ? halved : s.catchUpBytes,
      },
      actions,
    );
  }
  const rejected = s.rejected + 1;
  // Each new reason, and a running count now and then for the same one.
  if (o.message !== s.lastRefusal || rejected % 100 === 0)
    log(
      'error',
      `server refused batch ${a.batchId}: ${o.message} (dropped, not retried; ${rejected} dropped since start)`,
    );
  actions.push({ type: 'remove', keys: a.keys });
  return read({ ...s, rejected, lastRefusal: o.message, singlesLeft: Math.max(0, s.singlesLeft - 1) }, actions);
}

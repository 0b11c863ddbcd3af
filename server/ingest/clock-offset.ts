// How far an agent's clock is off the server's, from one request. Samples are stamped by the
// agent's clock and stored as stamped, so a host whose clock is off draws its lines minutes
// early or late; the page says so from this. Pure.
//  - From the request's Date header (RFC 9110 §6.6.1; Berth's agent sends one): the agent's
//    clock when it sent, against the arrival. Right even for a spooled batch sent hours late.
//  - Without one: the batch's newest sample against the arrival. Ahead shows at once (no
//    delay makes a sample newer than its arrival); behind is taken less the interval a live
//    batch may lag by, and only from a batch newer than any the host sent before (a replayed
//    backlog is old because it waited, not because a clock is off).

/** Seconds the agent's clock is ahead of the server's (negative: behind), or undefined when this request cannot tell. */
export function clockOffset(opts: {
  /** The request's Date header, if any. */
  date: string | undefined;
  /** Server time of arrival (epoch s). */
  arrival: number;
  /** The batch's newest sample time, and whether it is newer than anything the host sent before. */
  newest?: number;
  newestEver?: boolean;
  /** The agent's interval (s). */
  interval?: number;
}): number | undefined {
  if (opts.date !== undefined) {
    const ms = Date.parse(opts.date);
    // A Date header that does not parse, or names a time no clock shows, says nothing.
    if (Number.isFinite(ms) && ms > 0) return Math.round(ms / 1000) - opts.arrival;
  }
  if (opts.newest === undefined) return undefined;
  const ahead = opts.newest - opts.arrival;
  if (ahead > 0) return ahead;
  if (!opts.newestEver) return undefined;
  return Math.min(0, ahead + (opts.interval ?? 10));
}

// What a page's main thread did during one load, read from a Chrome trace (devtools.timeline):
// the tasks it ran from the navigation to a mark (performance.mark), as wall-clock time busy and
// as the thread's own CPU time. On a shared machine the CPU time barely moves with the load
// average, where the wall-clock figures do; the breakdown names what the time went to.
// Pure: takes the trace's JSON, so it can be read again from a saved file.

/** The trace categories these figures need, cheap enough to record on every timed load. */
export const TRACE_CATEGORIES = ['disabled-by-default-devtools.timeline', 'devtools.timeline', 'blink.user_timing'];

interface TraceEvent {
  name: string;
  ph: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  tdur?: number;
  args?: { data?: { url?: string; functionName?: string } };
}

export interface MainThread {
  /** Wall-clock milliseconds of top-level tasks between the navigation and the mark. */
  busy: number;
  /** The thread's CPU milliseconds over those tasks. */
  cpu: number;
  /** CPU milliseconds by what the time went to (self time of each kind of event), largest first. */
  by: [string, number][];
}

/** Names the breakdown folds together: a trace has dozens of kinds, a reader wants a few. */
function kind(e: TraceEvent): string {
  switch (e.name) {
    case 'v8.evaluateModule':
    case 'EvaluateScript':
    case 'v8.compileModule':
    case 'v8.compile':
      return 'evaluate scripts';
    case 'FunctionCall':
    case 'RunMicrotasks':
    case 'FireAnimationFrame':
    case 'FireIdleCallback':
    case 'TimerFire':
    case 'EventDispatch':
      return 'run scripts';
    case 'Layout':
      return 'layout';
    case 'UpdateLayoutTree':
    case 'ParseAuthorStyleSheet':
      return 'style';
    case 'Paint':
    case 'PrePaint':
    case 'Layerize':
    case 'Commit':
    case 'Decode Image':
      return 'paint';
    case 'ParseHTML':
      return 'parse HTML';
    case 'RunTask':
      return 'other (network, parsing answers)';
    default:
      return e.name.startsWith('V8.GC') || e.name.endsWith('GC') ? 'garbage collection' : 'run scripts';
  }
}

/**
 * The main thread's work from the last navigation before `mark` up to it, on the thread that
 * recorded the mark. Undefined when the trace holds no such mark.
 */
export function mainThreadTo(
  trace: { traceEvents: TraceEvent[] } | TraceEvent[],
  mark: string,
): MainThread | undefined {
  const events = Array.isArray(trace) ? trace : trace.traceEvents;
  const marks = events.filter((e) => e.name === mark);
  const m = marks[marks.length - 1];
  if (!m) return undefined;
  const starts = events.filter((e) => e.name === 'navigationStart' && e.pid === m.pid && e.ts <= m.ts);
  const from = starts.length ? Math.max(...starts.map((e) => e.ts)) : -Infinity;
  const thread = events
    .filter((e) => e.pid === m.pid && e.tid === m.tid && e.ph === 'X' && e.dur !== undefined && e.ts >= from)
    .filter((e) => e.ts < m.ts)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  let busy = 0;
  let cpu = 0;
  const self = new Map<string, number>();
  const open: TraceEvent[] = [];
  let task: TraceEvent | undefined;
  for (const e of thread) {
    if (e.name === 'RunTask' && (!task || e.ts >= task.ts + task.dur!)) {
      task = e;
      open.length = 0;
      busy += e.dur!;
      cpu += e.tdur ?? 0;
    }
    if (!task || e.ts >= task.ts + task.dur!) continue;
    while (open.length && open[open.length - 1].ts + open[open.length - 1].dur! <= e.ts) open.pop();
    const t = e.tdur ?? 0;
    const parent = open[open.length - 1];
    if (parent) self.set(kind(parent), (self.get(kind(parent)) ?? 0) - t);
    self.set(kind(e), (self.get(kind(e)) ?? 0) + t);
    open.push(e);
  }
  const ms = (us: number) => us / 1000;
  return {
    busy: ms(busy),
    cpu: ms(cpu),
    by: [...self]
      .map(([k, v]): [string, number] => [k, ms(v)])
      .filter(([, v]) => v >= 0.5)
      .sort((a, b) => b[1] - a[1]),
  };
}

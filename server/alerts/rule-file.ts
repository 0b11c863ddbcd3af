// The --alerts file: YAML parsed with positions, checked with zod, turned into rules and
// receivers. A problem is reported with its line and the field's path ("line 12: rules[1].within:
// …"), so whoever edits the file sees where; the caller keeps the previous rules running.
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { z } from 'zod';
import { ALERT_EVENTS, type AlertEvent } from '../../protocol/alerts.ts';
import { parseDuration, formatDuration } from './duration.ts';
import { globMatcher, type Matcher } from './glob.ts';

export const RECEIVER_KINDS = ['webhook', 'email', 'ntfy', 'slack', 'discord'] as const;
export type ReceiverKind = (typeof RECEIVER_KINDS)[number];

export interface Receiver {
  name: string;
  kind: ReceiverKind;
  /** A URL (webhook, ntfy, slack, discord) or an e-mail address. Never logged: it may hold a token. */
  target: string;
}

interface RuleBase {
  name: string;
  notify: string[];
  hosts: Matcher;
  containers: Matcher;
  composeProject: Matcher;
  /** The globs as written, for the page. */
  scope: string;
}

export interface EventRule extends RuleBase {
  kind: 'event';
  event: AlertEvent;
  /** restart_loop: this many unrequested deaths within `withinS` fire it. */
  restarts: number;
  withinS: number;
  /** host_offline: silent this long (past two intervals) before it fires. */
  forS: number;
}

export interface MetricRule extends RuleBase {
  kind: 'metric';
  entity: 'host' | 'container';
  metric: string;
  op: 'above' | 'below';
  threshold: number;
  forS: number;
}

export type Rule = EventRule | MetricRule;

export interface AlertConfig {
  receivers: Map<string, Receiver>;
  rules: Rule[];
}

export class RuleFileError extends Error {}

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const s = parseDuration(v);
  if (s === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a duration (like 90s, 10m, 2h)` });
    return z.NEVER;
  }
  return s;
});
const globs = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);
const url = z.string().refine(
  (s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  },
  { message: 'must be an http:// or https:// URL' },
);

const receiver = z
  .strictObject({
    webhook: url.optional(),
    ntfy: url.optional(),
    slack: url.optional(),
    discord: url.optional(),
    email: z.email({ message: 'must be an e-mail address' }).optional(),
  })
  .refine((r) => Object.values(r).filter((v) => v !== undefined).length === 1, {
    message: `give exactly one of ${RECEIVER_KINDS.join(', ')}`,
  });

const scope = {
  name: z.string().min(1).max(200),
  notify: z.union([z.string().min(1), z.array(z.string().min(1))]).transform((v) => (Array.isArray(v) ? v : [v])),
  hosts: globs.optional(),
  containers: globs.optional(),
  compose_project: globs.optional(),
};

const eventRule = z.strictObject({
  ...scope,
  event: z.enum(ALERT_EVENTS, { message: `must be one of ${ALERT_EVENTS.join(', ')}` }),
  restarts: z.number().int().min(1).max(10_000).optional(),
  within: duration.optional(),
  for: duration.optional(),
});

const metricRule = z.strictObject({
  ...scope,
  entity: z.enum(['host', 'container'], { message: 'must be host or container' }),
  metric: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/, { message: 'must be a metric name' }),
  above: z.number().optional(),
  below: z.number().optional(),
  for: duration.optional(),
});

const file = z.strictObject({
  receivers: z.record(z.string().min(1), receiver).default({}),
  rules: z.array(z.unknown()).default([]),
});

type Path = (string | number)[];

function lineOf(doc: Document, lc: LineCounter, path: Path): number | undefined {
  // The deepest node the path reaches: a missing key is reported at its parent.
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
  }
  return undefined;
}

function pathText(path: Path): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s ? `.${p}` : p;
  return s || '(file)';
}

function issueText(doc: Document, lc: LineCounter, path: Path, message: string): string {
  const line = lineOf(doc, lc, path);
  return `${line === undefined ? '' : `line ${line}: `}${pathText(path)}: ${message}`;
}

function firstIssue(doc: Document, lc: LineCounter, base: Path, error: z.ZodError): never {
  const i = error.issues[0];
  let path = [...base, ...(i.path as Path)];
  let message = i.message;
  if (i.code === 'unrecognized_keys') {
    path = [...path, i.keys[0]];
    message = `unknown key (${i.keys.length > 1 ? `also ${i.keys.slice(1).join(', ')}` : 'not one this file understands'})`;
  }
  throw new RuleFileError(issueText(doc, lc, path, message));
}

/** Parses and checks a rules file; throws RuleFileError naming the line and the field. */
export function parseRuleFile(text: string, opts: { smtp: boolean }): AlertConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const line = lc.linePos(e.pos[0]).line;
    throw new RuleFileError(`line ${line}: not valid YAML: ${e.message.split('\n')[0]}`);
  }
  const raw = doc.toJS() ?? {};
  const top = file.safeParse(raw);
  if (!top.success) firstIssue(doc, lc, [], top.error);
  const fail = (path: Path, message: string): never => {
    throw new RuleFileError(issueText(doc, lc, path, message));
  };

  const receivers = new Map<string, Receiver>();
  for (const [name, r] of Object.entries(top.data.receivers)) {
    const kind = RECEIVER_KINDS.find((k) => r[k] !== undefined)!;
    if (kind === 'email' && !opts.smtp)
      fail(['receivers', name, 'email'], 'an e-mail receiver needs the server started with --smtp smtp://host:port');
    receivers.set(name, { name, kind, target: r[kind]! });
  }

  const rules: Rule[] = [];
  const names = new Set<string>();
  top.data.rules.forEach((r, i) => {
    const at: Path = ['rules', i];
    if (typeof r !== 'object' || r === null || Array.isArray(r)) fail(at, 'a rule is a mapping (name:, notify:, …)');
    const o = r as Record<string, unknown>;
    const isEvent = 'event' in o;
    if (!isEvent && !('metric' in o))
      fail(at, 'give event: (oom, die, restart_loop, unhealthy, host_offline) or metric:');
    if (isEvent && ('metric' in o || 'entity' in o))
      fail([...at, 'metric' in o ? 'metric' : 'entity'], 'an event rule has no metric:/entity:');
    const parsed = (isEvent ? eventRule : metricRule).safeParse(o);
    if (!parsed.success) firstIssue(doc, lc, at, parsed.error);
    const d = parsed.data!;
    if (names.has(d.name)) fail([...at, 'name'], `"${d.name}" is the name of another rule`);
    names.add(d.name);
    d.notify.forEach((n, j) => {
      if (!receivers.has(n)) fail([...at, 'notify', j], `no receiver named "${n}" under receivers:`);
    });
    const scopeText = [
      d.hosts && `hosts ${[d.hosts].flat().join(', ')}`,
      d.containers && `containers ${[d.containers].flat().join(', ')}`,
      d.compose_project && `compose project ${[d.compose_project].flat().join(', ')}`,
    ]
      .filter(Boolean)
      .join('; ');
    const base: RuleBase = {
      name: d.name,
      notify: d.notify,
      hosts: globMatcher(d.hosts),
      containers: globMatcher(d.containers),
      composeProject: globMatcher(d.compose_project),
      scope: scopeText,
    };
    if (isEvent) {
      const e = d as z.infer<typeof eventRule>;
      if (e.event !== 'restart_loop')
        for (const k of ['restarts', 'within'] as const)
          if (e[k] !== undefined) fail([...at, k], 'only a restart_loop rule takes it');
      if (e.event !== 'host_offline' && e.for !== undefined)
        fail([...at, 'for'], 'only host_offline and metric rules take it');
      if (e.event === 'host_offline' && (e.containers || e.compose_project))
        fail([...at, e.containers ? 'containers' : 'compose_project'], 'host_offline is about hosts: use hosts:');
      rules.push({
        ...base,
        kind: 'event',
        event: e.event,
        restarts: e.restarts ?? 3,
        withinS: e.within ?? 600,
        forS: e.for ?? 0,
      });
    } else {
      const m = d as z.infer<typeof metricRule>;
      if ((m.above === undefined) === (m.below === undefined)) fail(at, 'give one of above: or below:');
      if (m.entity === 'host' && (m.containers || m.compose_project))
        fail([...at, m.containers ? 'containers' : 'compose_project'], 'a host rule is about hosts: use hosts:');
      rules.push({
        ...base,
        kind: 'metric',
        entity: m.entity,
        metric: m.metric,
        op: m.above !== undefined ? 'above' : 'below',
        threshold: (m.above ?? m.below)!,
        forS: m.for ?? 0,
      });
    }
  });
  return { receivers, rules };
}

/** A rule in a few words, for the page. */
export function describeRule(r: Rule): string {
  let s: string;
  if (r.kind === 'metric') {
    s = `${r.entity} ${r.metric} ${r.op} ${r.threshold}${r.forS ? ` for ${formatDuration(r.forS)}` : ''}`;
  } else if (r.event === 'restart_loop') {
    s = `${r.restarts} restarts within ${formatDuration(r.withinS)}`;
  } else if (r.event === 'host_offline') {
    s = `host silent${r.forS ? ` for ${formatDuration(r.forS)}` : ''}`;
  } else
    s = `container ${r.event === 'unhealthy' ? 'turns unhealthy' : r.event === 'oom' ? 'OOM-killed' : 'dies on its own'}`;
  return r.scope ? `${s} (${r.scope})` : s;
}

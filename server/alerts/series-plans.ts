// Which metric rules can match which series, worked out once per host and series instead of per
// sample: a host's plan holds the rules whose hosts: glob matched it (and its host_offline rules),
// each of its containers' plans the rules whose containers:/compose_project: globs matched too,
// grouped by metric, with a slot per rule for the series' pending or firing instance. Container
// names repeat across a fleet, so the grouped rules are shared between hosts alike. Plans are
// dropped when the rules change; instances that outlive them (or were read back from SQLite)
// wait, detached, for their series to come by again.
import type { EventRule, MetricRule, Rule } from './rule-file.ts';
import type { Instance } from './store.ts';

/** An instance's key in alert_state: its rule and its series (or host, or container). */
export const instanceKey = (rule: string, key: string) => `${rule}\u0000${key}`;
/** A series' key: host, container, canonical labels. */
export const seriesKey = (host: string, container: string | null, labels: string) =>
  `${host}\u0000${container ?? ''}\u0000${labels}`;

export interface Group {
  metric: string;
  rules: MetricRule[];
  /** The first of these rules' slots. */
  at: number;
  /**
   * The lowest `above:` and the highest `below:` of these rules (±Infinity when none): a value
   * neither above the one nor below the other is on the good side of every rule, so a series with
   * nothing pending or firing costs one comparison per sample, not one per rule.
   */
  above: number;
  below: number;
}

function group(metric: string, rules: MetricRule[], at: number): Group {
  let above = Infinity;
  let below = -Infinity;
  for (const r of rules)
    if (r.op === 'above') above = Math.min(above, r.threshold);
    else below = Math.max(below, r.threshold);
  return { metric, rules, at, above, below };
}

/** Empties a plan's slot; a plan with nothing in any slot has none (the quick way through, above). */
export function clearSlot(plan: SeriesPlan, n: number): void {
  const slots = plan.slots;
  if (!slots) return;
  slots[n] = undefined;
  for (let k = 0; k < slots.length; k++) if (slots[k] !== undefined) return;
  plan.slots = null;
}

export interface SeriesPlan {
  key: string;
  host: string;
  container: string | null;
  labels: Record<string, string> | null;
  /** The compose project the rules were matched against (container series). */
  project: string | null;
  groups: Group[];
  size: number;
  /** The rules' instances, in group order; null while there is none (see clearSlot). */
  slots: (Instance | undefined)[] | null;
}

export interface HostPlan {
  name: string;
  self: SeriesPlan;
  containerRules: MetricRule[];
  /** Which container rules matched this host: hosts alike share their containers' groups. */
  sig: string;
  containers: Map<string, SeriesPlan>;
  labelled: Map<string, SeriesPlan>;
  offline: EventRule[];
  offlineKeys: string[];
  detached: Map<string, Instance[]> | undefined;
}

const GROUP_CACHE_MAX = 50_000;

function grouped(rules: MetricRule[]): { groups: Group[]; size: number } {
  const by = new Map<string, MetricRule[]>();
  for (const r of rules) {
    const list = by.get(r.metric);
    if (list) list.push(r);
    else by.set(r.metric, [r]);
  }
  const groups: Group[] = [];
  let at = 0;
  for (const [metric, list] of by) {
    groups.push(group(metric, list, at));
    at += list.length;
  }
  return { groups, size: at };
}

export class SeriesPlans {
  private rules: Rule[] = [];
  private labelledHost = new Set<string>();
  private labelledContainer = new Set<string>();
  private hosts = new Map<string, HostPlan>();
  private groupCache = new Map<string, { groups: Group[]; size: number }>();
  private detached = new Map<string, Map<string, Instance[]>>();
  anyMetric = false;
  anyOffline = false;

  /** New rules; `waiting` are the metric instances to hand back to their series when they come by. */
  reset(rules: Rule[], waiting: Iterable<Instance>): void {
    this.rules = rules;
    this.hosts.clear();
    this.groupCache.clear();
    this.detached.clear();
    const metric = rules.filter((r): r is MetricRule => r.kind === 'metric');
    this.anyMetric = metric.length > 0;
    this.anyOffline = rules.some((r) => r.kind === 'event' && r.event === 'host_offline');
    this.labelledHost = new Set(metric.filter((r) => r.entity === 'host').map((r) => r.metric));
    this.labelledContainer = new Set(metric.filter((r) => r.entity === 'container').map((r) => r.metric));
    for (const i of waiting) {
      let byKey = this.detached.get(i.host);
      if (!byKey) this.detached.set(i.host, (byKey = new Map()));
      const list = byKey.get(i.key);
      if (list) list.push(i);
      else byKey.set(i.key, [i]);
    }
  }

  /** Whether a labelled series of this entity and name has rules at all. */
  labelledMetric(entity: 'host' | 'container', name: string): boolean {
    return (entity === 'host' ? this.labelledHost : this.labelledContainer).has(name);
  }

  host(name: string): HostPlan {
    let hp = this.hosts.get(name);
    if (hp) return hp;
    const hostRules: MetricRule[] = [];
    const containerRules: MetricRule[] = [];
    const sig: number[] = [];
    const offline: EventRule[] = [];
    this.rules.forEach((r, n) => {
      if (!r.hosts(name)) return;
      if (r.kind === 'event') {
        if (r.event === 'host_offline') offline.push(r);
      } else if (r.entity === 'host') hostRules.push(r);
      else {
        containerRules.push(r);
        sig.push(n);
      }
    });
    const g = grouped(hostRules);
    hp = {
      name,
      self: {
        key: seriesKey(name, null, ''),
        host: name,
        container: null,
        labels: null,
        project: null,
        ...g,
        slots: null,
      },
      containerRules,
      sig: sig.join(','),
      containers: new Map(),
      labelled: new Map(),
      offline,
      offlineKeys: offline.map((r) => instanceKey(r.name, name)),
      detached: this.detached.get(name),
    };
    this.attach(hp, hp.self);
    this.hosts.set(name, hp);
    return hp;
  }

  /** The plan of a container's unlabelled columns. */
  container(hp: HostPlan, name: string, project: string | null): SeriesPlan {
    const plan = hp.containers.get(name);
    if (plan && plan.project === project) return plan;
    const ck = `${hp.sig}\u0000${name}\u0000${project ?? '\u0001'}`;
    let g = this.groupCache.get(ck);
    if (!g) {
      g = grouped(hp.containerRules.filter((r) => r.containers(name) && r.composeProject(project)));
      if (this.groupCache.size >= GROUP_CACHE_MAX) this.groupCache.clear();
      this.groupCache.set(ck, g);
    }
    const next: SeriesPlan = {
      key: plan?.key ?? seriesKey(hp.name, name, ''),
      host: hp.name,
      container: name,
      labels: null,
      project,
      ...g,
      slots: null,
    };
    hp.containers.set(name, this.install(hp, next, plan));
    return next;
  }

  /** The plan of one labelled series (a mount, an interface…) of the host or of a container. */
  labelled(
    hp: HostPlan,
    container: string | null,
    labels: Record<string, string>,
    canonical: string,
    metric: string,
    project: string | null,
  ): SeriesPlan {
    const mk = `${container ?? ''}\u0000${canonical}\u0000${metric}`;
    const plan = hp.labelled.get(mk);
    if (plan && plan.project === project) return plan;
    const rules =
      container === null
        ? (hp.self.groups.find((g) => g.metric === metric)?.rules ?? [])
        : hp.containerRules.filter((r) => r.metric === metric && r.containers(container) && r.composeProject(project));
    const next: SeriesPlan = {
      key: plan?.key ?? seriesKey(hp.name, container, canonical),
      host: hp.name,
      container,
      labels,
      project,
      groups: rules.length ? [group(metric, rules, 0)] : [],
      size: rules.length,
      slots: null,
    };
    hp.labelled.set(mk, this.install(hp, next, plan));
    return next;
  }

  /**
   * A series' new plan (its compose project changed, or it is new): what the plan before it had
   * carries over to the rules that still match, and what waited for it detached is handed over.
   */
  private install(hp: HostPlan, next: SeriesPlan, before: SeriesPlan | undefined): SeriesPlan {
    if (before?.slots)
      this.place(
        next,
        before.slots.filter((i) => i !== undefined),
      );
    this.attach(hp, next);
    return next;
  }

  /** Takes an instance out of its series' slot (or out of those waiting for their series). */
  unslot(i: Instance): void {
    const hp = this.hosts.get(i.host);
    const waiting = (hp?.detached ?? this.detached.get(i.host))?.get(i.key);
    if (waiting?.includes(i)) waiting.splice(waiting.indexOf(i), 1);
    if (!hp) return;
    const plans = [hp.self, ...hp.containers.values(), ...hp.labelled.values()];
    for (const p of plans) {
      if (p.key !== i.key || !p.slots) continue;
      const n = p.slots.indexOf(i);
      if (n >= 0) clearSlot(p, n);
    }
  }

  /** Hands a new plan the instances read back or left by the plans before it. */
  private attach(hp: HostPlan, plan: SeriesPlan): void {
    const waiting = hp.detached?.get(plan.key);
    if (!waiting) return;
    const left = this.place(plan, waiting);
    if (left.length) hp.detached!.set(plan.key, left);
    else hp.detached!.delete(plan.key);
  }

  /** Puts each instance in its rule's slot; returns those whose rule this plan has not. */
  private place(plan: SeriesPlan, instances: Instance[]): Instance[] {
    const left: Instance[] = [];
    for (const i of instances) {
      let slot = -1;
      for (const g of plan.groups) {
        const n = g.rules.findIndex((r) => r.name === i.rule);
        if (n >= 0) slot = g.at + n;
      }
      if (slot < 0) left.push(i);
      else (plan.slots ??= new Array<Instance | undefined>(plan.size))[slot] = i;
    }
    return left;
  }
}

// What an alert says: the webhook payload of a transition and its one human line. Pure.
import type { AlertEvent, AlertPayload } from '../../protocol/alerts.ts';
import { formatDuration } from './duration.ts';
import { band, type ThresholdRule } from './threshold.ts';
import type { Rule } from './rule-file.ts';

export interface Subject {
  host: string;
  container: string | null;
  labels: Record<string, string> | null;
}

/** The page's view of that host or container (web/state.ts routes). */
export function pageUrl(base: string, s: Subject): string {
  const host = `${base.replace(/\/+$/, '')}/host/${encodeURIComponent(s.host)}`;
  return s.container === null ? host : `${host}/container/${encodeURIComponent(s.container)}`;
}

function where(s: Subject): string {
  return s.container === null ? s.host : `${s.container} on ${s.host}`;
}

function seriesName(metric: string, labels: Record<string, string> | null): string {
  if (!labels || Object.keys(labels).length === 0) return metric;
  return `${metric}{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`;
}

const round = (v: number) => Number(v.toPrecision(4));

export function metricSummary(
  rule: ThresholdRule & { metric: string },
  s: Subject,
  status: 'firing' | 'resolved',
  value: number,
): string {
  const what = `${seriesName(rule.metric, s.labels)} of ${where(s)}`;
  if (status === 'firing')
    return `${what} is ${round(value)}, ${rule.op} ${rule.threshold}${rule.forS ? ` for ${formatDuration(rule.forS)}` : ''}`;
  const back = rule.op === 'above' ? rule.threshold - band(rule) : rule.threshold + band(rule);
  return `${what} is back ${rule.op === 'above' ? 'below' : 'above'} ${round(back)} (${round(value)})`;
}

export function eventSummary(
  event: AlertEvent,
  s: Subject,
  status: 'firing' | 'resolved',
  detail: { exitCode?: number | null; count?: number; withinS?: number; since?: number; why?: string },
): string {
  const w = where(s);
  if (status === 'resolved') {
    if (detail.why) return `${w}: ${detail.why}`;
    switch (event) {
      case 'host_offline':
        return `${s.host} is sending again`;
      case 'unhealthy':
        return `${w} is healthy again`;
      case 'restart_loop':
        return `${w} has not crashed for ${formatDuration(detail.withinS ?? 0)}`;
      default:
        return `${w} is running again`;
    }
  }
  switch (event) {
    case 'oom':
      return `${w} was OOM-killed`;
    case 'die':
      return `${w} exited${detail.exitCode === null || detail.exitCode === undefined ? '' : ` with code ${detail.exitCode}`}`;
    case 'unhealthy':
      return `${w} is unhealthy`;
    case 'restart_loop':
      return `${w} died ${detail.count} times within ${formatDuration(detail.withinS ?? 0)}`;
    case 'host_offline':
      return `${s.host} has sent nothing since ${new Date((detail.since ?? 0) * 1000).toISOString().replace('.000Z', 'Z')}`;
  }
}

export function payload(
  rule: Rule,
  s: Subject,
  status: 'firing' | 'resolved',
  times: { started: number; ended: number | null },
  value: number | null,
  summary: string,
  base: string,
): AlertPayload {
  return {
    status,
    rule: rule.name,
    host: s.host,
    container: s.container,
    event: rule.kind === 'event' ? rule.event : null,
    metric: rule.kind === 'metric' ? rule.metric : null,
    value: value === null ? null : value,
    threshold: rule.kind === 'metric' ? rule.threshold : null,
    started_at: times.started,
    ended_at: status === 'resolved' ? times.ended : null,
    url: pageUrl(base, s),
    summary,
  };
}

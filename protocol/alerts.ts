// Alerts: what the server sends to a receiver for each transition, and what GET /api/v1/alerts
// answers (the page reads the same types). Pure; no zod, so the page can take it.

/** Event rules: container events, and a host that went silent. */
export const ALERT_EVENTS = ['oom', 'die', 'restart_loop', 'unhealthy', 'host_offline'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/** The JSON a webhook receives: one object per transition (fired, resolved). */
export interface AlertPayload {
  status: 'firing' | 'resolved';
  rule: string;
  host: string;
  container: string | null;
  event: AlertEvent | null;
  metric: string | null;
  value: number | null;
  threshold: number | null;
  /** Epoch seconds: when the condition began (the event's time, or the first sample past the threshold). */
  started_at: number;
  /** Epoch seconds: when it ended (resolved only). */
  ended_at: number | null;
  /** The page's view of that host or container. */
  url: string;
  /** One human line. */
  summary: string;
}

export interface AlertRuleView {
  name: string;
  /** What it watches, in a few words ("cpu_pct above 80 for 2m on container web*"). */
  condition: string;
  notify: string[];
}

export interface FiringAlert {
  rule: string;
  host: string;
  container: string | null;
  /** Labels of a labelled series ({"mount":"/"}), or null. */
  labels: Record<string, string> | null;
  value: number | null;
  started_at: number;
  /** False while it fired during an outage and was not sent yet (it is once its data is current). */
  notified: boolean;
  url: string;
  summary: string;
}

export interface AlertHistoryEntry {
  id: number;
  status: 'firing' | 'resolved';
  rule: string;
  host: string;
  container: string | null;
  started_at: number;
  ended_at: number | null;
  summary: string;
  /** It happened while the data came in late (an agent replaying its spool): recorded, not sent. */
  late: boolean;
  /** Server time it was recorded (epoch s). */
  at: number;
  /** Per receiver: delivered, waiting for a retry, or given up. */
  deliveries: {
    receiver: string;
    state: 'delivered' | 'retrying' | 'failed';
    attempts: number;
    error: string | null;
  }[];
}

export interface DeliveryFailure {
  receiver: string;
  rule: string;
  host: string;
  status: 'firing' | 'resolved';
  attempts: number;
  error: string;
  /** Epoch s of the next try; null when given up. */
  next_at: number | null;
}

export interface AlertsResponse {
  /** The rules file (--alerts), null when none is given. */
  file: { path: string; loaded_at: number | null; error: string | null } | null;
  rules: AlertRuleView[];
  receivers: { name: string; kind: string }[];
  firing: FiringAlert[];
  history: AlertHistoryEntry[];
  failures: DeliveryFailure[];
}

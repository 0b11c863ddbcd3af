// GET /api/v1/alerts: the rules, what is firing, the recent notifications and the deliveries
// that failed (protocol/alerts.ts AlertsResponse). Without --alerts: no rules, nothing firing.
import { Hono } from 'hono';
import type { AlertsResponse } from '../../protocol/alerts.ts';
import type { Alerts } from '../alerts/service.ts';

const NONE: AlertsResponse = { file: null, rules: [], receivers: [], firing: [], history: [], failures: [] };

export function alertsRoute(alerts: Alerts | undefined) {
  return new Hono().get('/', (c) => {
    c.header('cache-control', 'no-store');
    return c.json(alerts ? alerts.view() : NONE);
  });
}

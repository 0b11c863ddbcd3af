// The Grafana dashboard shipped in packaging/, read the way the tests look at it.
import fs from 'node:fs';
import path from 'node:path';
import { REPO } from './processes.ts';

export const DASHBOARD = path.join(REPO, 'packaging/grafana-dashboard.json');

export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: { expr: string; refId: string }[];
}

/** Every query of every panel, with its panel's title. */
export function dashboardQueries(): { title: string; expr: string }[] {
  const d = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  return d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ title: p.title, expr: t.expr })));
}

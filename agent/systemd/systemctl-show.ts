// `systemctl show --property=… UNIT…` output: `Key=Value` lines, one block per unit, blocks
// separated by an empty line (systemctl(1)). Values are printed as systemd holds them; a unit
// that is not loaded still gets a block (LoadState=not-found), an empty value is `Key=`.

export interface UnitState {
  /** The unit's name (Id=). */
  unit: string;
  loadState?: string;
  /** active, inactive, failed, activating, deactivating, reloading. */
  activeState?: string;
  subState?: string;
  /** Result of the last run: success, exit-code, signal, core-dump, timeout, oom-kill… */
  result?: string;
  /** Automatic restarts since the unit was loaded (NRestarts=, systemd 235 and later). */
  restarts?: number;
  /** Its cgroup, relative to the cgroup root (ControlGroup=); absent while it runs nothing. */
  controlGroup?: string;
}

const FIELDS: Record<string, keyof UnitState> = {
  Id: 'unit',
  LoadState: 'loadState',
  ActiveState: 'activeState',
  SubState: 'subState',
  Result: 'result',
  NRestarts: 'restarts',
  ControlGroup: 'controlGroup',
};

/** The properties to ask for, in the order the parser knows them. */
export const SYSTEMCTL_PROPERTIES = Object.keys(FIELDS);

export function parseSystemctlShow(text: string): UnitState[] {
  const out: UnitState[] = [];
  let cur: Partial<Record<keyof UnitState, string>> = {};
  const flush = () => {
    if (cur.unit) {
      const u: UnitState = { unit: cur.unit };
      for (const k of ['loadState', 'activeState', 'subState', 'result', 'controlGroup'] as const) {
        if (cur[k]) u[k] = cur[k];
      }
      const restarts = cur.restarts !== undefined && /^\d+$/.test(cur.restarts) ? Number(cur.restarts) : undefined;
      if (restarts !== undefined) u.restarts = restarts;
      out.push(u);
    }
    cur = {};
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      flush();
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const field = FIELDS[line.slice(0, eq)];
    if (field) cur[field] = line.slice(eq + 1);
  }
  flush();
  return out;
}

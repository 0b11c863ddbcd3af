// Which systemd services Berth reports and with what state values: pure rules over what
// `systemctl show` said. Every service that is running, starting, stopping or reloading, every
// failed one, and any that systemd restarted by itself; not the many inactive ones that ran
// and ended well (oneshot jobs, timers' services), which would only add lines of zeros.
import type { UnitState } from './systemctl-show.ts';

const RUNNING_STATES = new Set(['active', 'reloading', 'activating', 'deactivating', 'refreshing']);

export function reported(u: UnitState): boolean {
  if (u.loadState !== undefined && u.loadState !== 'loaded') return false;
  return RUNNING_STATES.has(u.activeState ?? '') || u.activeState === 'failed' || (u.restarts ?? 0) > 0;
}

/** unit_active, unit_failed and unit_restarts of a reported unit. */
export function stateValues(u: UnitState): { active: number; failed: number; restarts?: number } {
  const out: { active: number; failed: number; restarts?: number } = {
    active: u.activeState === 'active' || u.activeState === 'reloading' || u.activeState === 'refreshing' ? 1 : 0,
    failed: u.activeState === 'failed' ? 1 : 0,
  };
  if (u.restarts !== undefined) out.restarts = u.restarts;
  return out;
}

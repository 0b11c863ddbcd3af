// What a container's row says of its events over the window: how often it restarted and how
// it last exited ("↻ 3", "exit 137 OOM"), short enough for a legend button, with the whole
// sentence as its title.
import type { ContainerEventSummary } from '../../protocol/events.ts';
import { el } from '../dom.ts';
import { formatTime } from '../format.ts';

/** "exit 137 OOM", "exit 0 stopped", "exit 1". */
export function lastExitText(s: ContainerEventSummary): string | undefined {
  const x = s.last_exit;
  if (!x) return undefined;
  const code = x.exit_code === null ? 'exited' : `exit ${x.exit_code}`;
  return x.cause === 'oom' ? `${code} OOM` : x.cause === 'kill' ? `${code} stopped` : code;
}

/** Whether the last exit is news (a crash or an OOM kill, not a stop someone asked for nor a clean end). */
function badExit(s: ContainerEventSummary): boolean {
  const x = s.last_exit;
  return !!x && x.cause !== 'kill' && (x.cause === 'oom' || x.exit_code !== 0);
}

/** The badges for a row, or null when nothing happened in the window. */
export function eventBadges(s: ContainerEventSummary | undefined): HTMLElement | null {
  if (!s) return null;
  const exit = lastExitText(s);
  if (!s.restarts && !exit && s.health !== 'unhealthy') return null;
  const title = [
    s.restarts ? `restarted ${s.restarts} ${s.restarts === 1 ? 'time' : 'times'} in this range` : '',
    exit && s.last_exit ? `last ${exit} at ${formatTime(s.last_exit.ts, 86400)}` : '',
    s.ooms ? `${s.ooms} OOM ${s.ooms === 1 ? 'kill' : 'kills'}` : '',
    s.health === 'unhealthy' ? 'unhealthy' : '',
  ]
    .filter(Boolean)
    .join('; ');
  return el('span', { class: 'ev-badges', title }, [
    s.restarts ? el('span', { class: 'ev-restarts' }, [`↻ ${s.restarts}`]) : null,
    exit ? el('span', { class: `ev-exit${badExit(s) ? ' bad' : ''}` }, [exit]) : null,
    s.health === 'unhealthy' ? el('span', { class: 'ev-exit bad' }, ['unhealthy']) : null,
  ]);
}

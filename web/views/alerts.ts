// The alerts page (/alerts): the rules file's state, what is firing now, deliveries that failed
// and the recent notifications, from GET /api/v1/alerts. Every name and line in it came from
// outside (rule names, hosts, containers): text nodes only (dom.ts).
import type { AlertsResponse } from '../../protocol/alerts.ts';
import { fetchAlerts } from '../api.ts';
import { el, link } from '../dom.ts';
import { formatTime } from '../format.ts';
import type { View, ViewCtx } from './view.ts';

const when = (t: number | null) => (t === null ? '' : formatTime(t));

export class AlertsView implements View {
  readonly el = el('section', { class: 'alerts-view' });

  constructor(private ctx: ViewCtx) {}

  async refresh(signal: AbortSignal): Promise<void> {
    this.render(await fetchAlerts(signal));
  }

  private where(host: string, container: string | null): Node {
    return container === null
      ? link(this.ctx.href({ view: 'host', host }), [host])
      : link(this.ctx.href({ view: 'container', host, container }), [`${container} on ${host}`]);
  }

  private render(a: AlertsResponse): void {
    const parts: Node[] = [];
    if (!a.file) {
      parts.push(el('p', { class: 'note' }, ['No rules: start the server with --alerts FILE (see docs/alerts.md).']));
    } else {
      parts.push(
        el('p', { class: 'note' }, [
          `Rules from ${a.file.path}`,
          a.file.loaded_at ? `, loaded ${when(a.file.loaded_at)}` : '',
        ]),
      );
      if (a.file.error)
        parts.push(
          el('p', { class: 'error', role: 'alert', 'data-testid': 'rules-error' }, [
            `The file was refused: ${a.file.error}`,
          ]),
        );
    }
    parts.push(
      el('h2', {}, [`Firing now (${a.firing.length})`]),
      a.firing.length
        ? table(
            ['Rule', 'Where', 'Since', 'What'],
            a.firing.map((f) => [
              f.rule,
              this.where(f.host, f.container),
              when(f.started_at),
              f.summary + (f.notified ? '' : ' (not sent: its data came late)'),
            ]),
            'firing',
          )
        : el('p', { class: 'note' }, ['Nothing is firing.']),
    );
    if (a.failures.length)
      parts.push(
        el('h2', {}, ['Deliveries that failed']),
        table(
          ['Receiver', 'Rule', 'Host', 'Status', 'Tries', 'Why', 'Next try'],
          a.failures.map((f) => [
            f.receiver,
            f.rule,
            f.host,
            f.status,
            String(f.attempts),
            f.error,
            f.next_at === null ? 'given up' : when(f.next_at),
          ]),
          'failures',
        ),
      );
    parts.push(
      el('h2', {}, [`Rules (${a.rules.length})`]),
      table(
        ['Name', 'Condition', 'Notify'],
        a.rules.map((r) => [
          r.name,
          r.condition,
          r.notify.map((n) => `${n} (${a.receivers.find((x) => x.name === n)?.kind ?? '?'})`).join(', '),
        ]),
        'rules',
      ),
      el('h2', {}, ['Recent notifications']),
      a.history.length
        ? table(
            ['At', 'Status', 'Rule', 'Where', 'What', 'Sent to'],
            a.history.map((h) => [
              when(h.at),
              h.status,
              h.rule,
              this.where(h.host, h.container),
              h.summary,
              h.late
                ? 'not sent (late data)'
                : h.deliveries.map((d) => `${d.receiver}: ${d.state}${d.error ? ` (${d.error})` : ''}`).join(', '),
            ]),
            'history',
          )
        : el('p', { class: 'note' }, ['None yet.']),
    );
    this.el.replaceChildren(...parts);
  }

  applyToggles(): void {}
  preview(): void {}
  resize(): void {}
  period(): number {
    return 10;
  }
  destroy(): void {}
}

function table(head: string[], rows: (string | Node)[][], id: string): HTMLElement {
  return el('table', { class: 'alerts', 'data-testid': id }, [
    el('thead', {}, [
      el(
        'tr',
        {},
        head.map((h) => el('th', {}, [h])),
      ),
    ]),
    el(
      'tbody',
      {},
      rows.map((r) =>
        el(
          'tr',
          {},
          r.map((c) => el('td', {}, [c])),
        ),
      ),
    ),
  ]);
}

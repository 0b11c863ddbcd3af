// The shared legend of the per-container charts: containers grouped by compose project, each
// a toggle for all four charts at once; a project's heading toggles the whole project; All,
// None and Top buttons for quick comparisons. Names are text nodes only.
import { el } from '../dom.ts';

export interface LegendEntry {
  name: string;
  project: string | null;
  color: string;
  running: boolean;
  /** What its events say over the window (restarts, last exit), when anything. */
  badges?: HTMLElement | null;
}

export class ContainerLegend {
  readonly el: HTMLElement;
  private entries: LegendEntry[] = [];
  private top: string[] = [];
  private hidden = new Set<string>();
  private readonly groupsEl: HTMLElement;
  private readonly topBtn: HTMLButtonElement;

  constructor(private readonly onChange: (hidden: string[]) => void) {
    const btn = (label: string, title: string, fn: () => void) => {
      const b = el('button', { type: 'button', class: 'mini', title }, [label]);
      b.addEventListener('click', fn);
      return b;
    };
    this.topBtn = btn('Top 5', 'Show only the five highest by the chosen metric', () =>
      this.set(this.entries.map((e) => e.name).filter((n) => !this.top.slice(0, 5).includes(n))),
    );
    this.groupsEl = el('div', { class: 'legend-groups' });
    this.el = el('div', { class: 'legend' }, [
      el('div', { class: 'legend-actions' }, [
        btn('All', 'Show every container', () => this.set([])),
        btn('None', 'Hide every container', () => this.set(this.entries.map((e) => e.name))),
        this.topBtn,
      ]),
      this.groupsEl,
    ]);
  }

  /** Names ranked by the chosen metric, for the Top button. */
  setTop(names: string[]): void {
    this.top = names;
    this.topBtn.disabled = names.length === 0;
  }

  render(entries: LegendEntry[], hidden: readonly string[]): void {
    this.entries = entries;
    this.hidden = new Set(hidden);
    const groups = new Map<string | null, LegendEntry[]>();
    for (const e of entries) groups.set(e.project, [...(groups.get(e.project) ?? []), e]);
    const blocks = [...groups.entries()].map(([project, list]) => {
      const names = list.map((e) => e.name);
      const head = el(
        'button',
        {
          type: 'button',
          class: 'legend-project',
          title: `${project ?? 'No compose project'}: show or hide the whole project`,
        },
        [project ?? 'no compose project'],
      );
      if (project === null) head.classList.add('none');
      head.addEventListener('click', () => {
        const allShown = names.every((n) => !this.hidden.has(n));
        const next = new Set(this.hidden);
        for (const n of names) allShown ? next.add(n) : next.delete(n);
        this.set([...next]);
      });
      const items = list.map((e) => {
        const b = el(
          'button',
          {
            type: 'button',
            class: 'legend-item',
            'data-name': e.name,
            title: e.running ? 'Show or hide' : 'Not running now (history stays)',
          },
          [
            el('i', { class: 'swatch', style: `--c:${e.color}` }),
            el('span', { class: 'legend-name' }, [el('bdi', {}, [e.name])]),
            e.badges ?? null,
          ],
        );
        if (!e.running) b.classList.add('gone');
        b.addEventListener('click', (ev) => {
          // Alt/Option-click shows this one alone, the quickest way to isolate a line.
          if (ev.altKey) this.set(this.entries.map((x) => x.name).filter((n) => n !== e.name));
          else
            this.set(this.hidden.has(e.name) ? [...this.hidden].filter((n) => n !== e.name) : [...this.hidden, e.name]);
        });
        return b;
      });
      return el('div', { class: 'legend-group' }, [head, el('div', { class: 'legend-items' }, items)]);
    });
    this.groupsEl.replaceChildren(...blocks);
    this.paint();
  }

  /** Repaints for a state that changed elsewhere (back button, a link). */
  setHidden(hidden: readonly string[]): void {
    this.hidden = new Set(hidden);
    this.paint();
  }

  private set(hidden: string[]): void {
    this.hidden = new Set(hidden);
    this.paint();
    this.onChange(hidden);
  }

  private paint(): void {
    for (const b of this.groupsEl.querySelectorAll<HTMLElement>('.legend-item')) {
      const off = this.hidden.has(b.dataset.name ?? '');
      b.classList.toggle('off', off);
      b.setAttribute('aria-pressed', String(!off));
    }
  }
}

// The time controls in the header: presets, a custom range, the zoom trail (step out, reset),
// the refresh period and what the page is doing (live, fixed, unreachable).
import { el } from '../dom.ts';
import { formatRange, fromLocalInput, toLocalInput } from '../format.ts';
import { baseWindow, PRESETS, type Preset, type ViewState } from '../state.ts';
import type { ForwardingSummary } from './forwarding.ts';

export interface TimeBarActions {
  preset(p: Preset): void;
  custom(from: number, to: number): void;
  unzoom(): void;
  resetZoom(): void;
  refresh(seconds: number | null): void;
}

const REFRESH: [string, string][] = [
  ['auto', 'Auto'],
  ['5', '5 s'],
  ['10', '10 s'],
  ['30', '30 s'],
  ['60', '1 min'],
  ['off', 'Off'],
];

export class TimeBar {
  readonly el: HTMLElement;
  private readonly presets = new Map<Preset, HTMLButtonElement>();
  private readonly customBtn: HTMLButtonElement;
  private readonly form: HTMLFormElement;
  private readonly fromIn: HTMLInputElement;
  private readonly toIn: HTMLInputElement;
  private readonly zoomEl: HTMLElement;
  private readonly zoomText: HTMLElement;
  private readonly refreshSel: HTMLSelectElement;
  private readonly statusEl: HTMLElement;
  private readonly forwardingEl: HTMLElement;

  constructor(private readonly act: TimeBarActions) {
    const group = el('div', { class: 'presets', role: 'group', 'aria-label': 'Time range' });
    for (const p of Object.keys(PRESETS) as Preset[]) {
      const b = el('button', { type: 'button', 'data-preset': p }, [p]);
      b.addEventListener('click', () => act.preset(p));
      this.presets.set(p, b);
      group.append(b);
    }
    this.customBtn = el('button', { type: 'button', 'aria-expanded': 'false' }, ['Custom']);
    this.customBtn.addEventListener('click', () => this.toggleForm());
    group.append(this.customBtn);

    this.fromIn = el('input', { type: 'datetime-local', required: true, 'aria-label': 'From' });
    this.toIn = el('input', { type: 'datetime-local', required: true, 'aria-label': 'To' });
    const formMsg = el('span', { class: 'error' });
    this.form = el('form', { class: 'custom-range', hidden: true }, [
      el('label', {}, ['From ', this.fromIn]),
      el('label', {}, ['to ', this.toIn]),
      el('button', { type: 'submit' }, ['Apply']),
      formMsg,
    ]);
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      const from = fromLocalInput(this.fromIn.value);
      const to = fromLocalInput(this.toIn.value);
      if (from === undefined || to === undefined || from >= to) {
        formMsg.textContent = 'The start must be before the end.';
        return;
      }
      formMsg.textContent = '';
      this.form.hidden = true;
      this.customBtn.setAttribute('aria-expanded', 'false');
      act.custom(from, to);
    });

    this.zoomText = el('span', { class: 'zoom-text' });
    const out = el('button', { type: 'button', class: 'mini', title: 'Step back out (or double-click a chart)' }, [
      'Zoom out',
    ]);
    out.addEventListener('click', () => act.unzoom());
    const reset = el('button', { type: 'button', class: 'mini', title: 'Back to the whole range' }, ['Reset']);
    reset.addEventListener('click', () => act.resetZoom());
    this.zoomEl = el('div', { class: 'zoom', hidden: true }, [this.zoomText, out, reset]);

    this.refreshSel = el(
      'select',
      { 'aria-label': 'Refresh every' },
      REFRESH.map(([v, l]) => el('option', { value: v }, [l])),
    );
    this.refreshSel.addEventListener('change', () => {
      const v = this.refreshSel.value;
      act.refresh(v === 'auto' ? null : v === 'off' ? 0 : Number(v));
    });
    this.statusEl = el('span', { class: 'status', role: 'status' });
    this.forwardingEl = el('span', { class: 'forwarding', hidden: true });

    this.el = el('div', { class: 'timebar' }, [
      group,
      el('label', { class: 'refresh' }, [el('span', { class: 'refresh-label' }, ['Refresh ']), this.refreshSel]),
      this.statusEl,
      this.forwardingEl,
      this.form,
      this.zoomEl,
    ]);
  }

  private toggleForm(): void {
    this.form.hidden = !this.form.hidden;
    this.customBtn.setAttribute('aria-expanded', String(!this.form.hidden));
    if (!this.form.hidden) this.fromIn.focus();
  }

  render(state: ViewState, now: number): void {
    const preset = 'preset' in state.range ? state.range.preset : null;
    for (const [p, b] of this.presets) b.setAttribute('aria-pressed', String(p === preset));
    this.customBtn.setAttribute('aria-pressed', String(preset === null));
    const base = baseWindow(state.range, now);
    if (this.form.hidden) {
      this.fromIn.value = toLocalInput(base.from);
      this.toIn.value = toLocalInput(base.to);
    }
    const z = state.zoom[state.zoom.length - 1];
    this.zoomEl.hidden = !z;
    if (z)
      this.zoomText.textContent = `Zoomed to ${formatRange(z[0], z[1])}${state.zoom.length > 1 ? ` (${state.zoom.length} levels)` : ''}`;
    this.refreshSel.value = state.refresh === null ? 'auto' : state.refresh === 0 ? 'off' : String(state.refresh);
    if (this.refreshSel.value === '') {
      // A period from a link that is not in the list: show it as an extra option.
      this.refreshSel.append(el('option', { value: String(state.refresh) }, [`${state.refresh} s`]));
      this.refreshSel.value = String(state.refresh);
    }
    this.refreshSel.disabled = preset === null;
  }

  status(kind: 'live' | 'fixed' | 'loading' | 'error', message: string): void {
    this.statusEl.className = `status ${kind}`;
    this.statusEl.textContent = message;
  }

  /** Forwarding to remote-write targets, or nothing when the server forwards nowhere. */
  forwarding(summary: ForwardingSummary | null): void {
    this.forwardingEl.hidden = summary === null;
    if (!summary) return;
    this.forwardingEl.className = summary.trouble ? 'forwarding trouble' : 'forwarding';
    this.forwardingEl.textContent = summary.text;
    this.forwardingEl.title = summary.detail;
  }
}

// The host view's top processes: a table of the processes a host's agent listed at one moment,
// the moment the charts' shared cursor points at (or the window's end when it points nowhere),
// sorted by CPU, memory or I/O. "What was eating the CPU at 03:12?": point at 03:12.
import uPlot from 'uplot';
import { fetchProcesses, isAbort, type ProcessesResponse } from '../api.ts';
import { SYNC_KEY } from '../charts.ts';
import { el } from '../dom.ts';
import { formatBytes, formatBytesRate, formatPct, formatTime } from '../format.ts';
import { failure } from './view.ts';

type By = 'cpu' | 'mem' | 'io';
const BY_LABEL: Record<By, string> = { cpu: 'CPU', mem: 'memory', io: 'I/O' };
/** Wait this long after the cursor stops before asking (a sweep across a chart is one ask). */
const CURSOR_DELAY_MS = 150;

export class TopProcesses {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly when: HTMLElement;
  private readonly msg: HTMLElement;
  private readonly bySel: HTMLSelectElement;
  private windowEnd = 0;
  private cursorAt: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private asking: AbortController | undefined;
  private shown: string | undefined;
  private readonly client: { pub(type: string, src: uPlot, x: number): void };

  constructor(private readonly host: string) {
    this.bySel = el(
      'select',
      { 'aria-label': 'Top processes by' },
      (Object.keys(BY_LABEL) as By[]).map((b) => el('option', { value: b }, [BY_LABEL[b]])),
    );
    this.bySel.addEventListener('change', () => void this.load());
    this.when = el('span', { class: 'count' });
    this.msg = el('p', { class: 'section-msg', hidden: true });
    this.body = el('tbody');
    this.el = el('section', { class: 'top-processes', hidden: true }, [
      el('div', { class: 'section-head' }, [el('h2', {}, ['Top processes']), this.when]),
      this.msg,
      el('div', { class: 'panel' }, [
        el('div', { class: 'top-head' }, [
          el('h3', {}, ['at the cursor, else the newest']),
          el('label', {}, ['by ', this.bySel]),
        ]),
        el('div', { class: 'table-scroll' }, [
          el('table', { class: 'list-table process-table' }, [
            el('thead', {}, [
              el(
                'tr',
                {},
                ['PID', 'command', 'user', 'container', 'CPU', 'memory', 'read', 'write'].map((h, i) =>
                  el('th', i === 0 || i >= 4 ? { class: 'num' } : {}, [h]),
                ),
              ),
            ]),
            this.body,
          ]),
        ]),
      ]),
    ]);
    // A listener on the charts' shared cursor: uPlot hands every member the mouse's position.
    this.client = {
      pub: (type, src, x) => {
        if (type === 'mousemove' && x >= 0) this.point(Math.round(src.posToVal(x, 'x')));
        else if (type === 'mouseleave') this.point(undefined);
      },
    };
    uPlot.sync(SYNC_KEY).sub(this.client as unknown as uPlot);
  }

  /** A new window (refresh): the table follows its end unless the cursor says otherwise. */
  async refresh(windowEnd: number): Promise<void> {
    this.windowEnd = windowEnd;
    await this.load();
  }

  private point(at: number | undefined): void {
    this.cursorAt = at;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.load(), CURSOR_DELAY_MS);
  }

  private async load(): Promise<void> {
    const at = this.cursorAt ?? this.windowEnd;
    const by = this.bySel.value as By;
    const key = `${at} ${by}`;
    if (key === this.shown) return;
    this.asking?.abort();
    const ask = (this.asking = new AbortController());
    let r: ProcessesResponse;
    try {
      r = await fetchProcesses({ host: this.host, at, by }, ask.signal);
    } catch (e) {
      if (isAbort(e)) return;
      this.msg.hidden = false;
      this.msg.classList.add('error');
      this.msg.textContent = failure(e);
      return;
    }
    this.shown = key;
    this.msg.hidden = true;
    this.msg.classList.remove('error');
    // Shown once the host has ever listed processes; a moment without any says so.
    if (r.ts === null) {
      if (this.el.hidden) return;
      this.when.textContent = `none reported near ${formatTime(at, 0)}`;
      this.body.replaceChildren();
      return;
    }
    this.el.hidden = false;
    this.when.textContent = `at ${formatTime(r.ts, 0)}`;
    this.body.replaceChildren(
      ...r.rows.map((p) =>
        el('tr', {}, [
          el('td', { class: 'num' }, [String(p.pid)]),
          el('td', { class: 'cmd', title: p.command }, [el('bdi', {}, [p.command])]),
          el('td', {}, [el('bdi', {}, [p.user ?? ''])]),
          el('td', {}, [el('bdi', {}, [p.container ?? ''])]),
          el('td', { class: 'num' }, [p.cpu_pct === null ? '–' : formatPct(p.cpu_pct)]),
          el('td', { class: 'num' }, [formatBytes(p.mem_bytes)]),
          el('td', { class: 'num' }, [p.read_bps === null ? '–' : formatBytesRate(p.read_bps)]),
          el('td', { class: 'num' }, [p.write_bps === null ? '–' : formatBytesRate(p.write_bps)]),
        ]),
      ),
    );
  }

  destroy(): void {
    clearTimeout(this.timer);
    this.asking?.abort();
    uPlot.sync(SYNC_KEY).unsub(this.client as unknown as uPlot);
    this.el.remove();
  }
}

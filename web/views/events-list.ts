// The container events of a window as a list, newest first: when, which container (on the
// host view, a link to it), what happened in words, and the details the engine gave (exit
// code and why, signal, image, Compose service). Names and every value are text nodes.
import { eventText, signalName, type EventRecord, markerKind } from '../../protocol/events.ts';
import { el, link } from '../dom.ts';
import { formatTime } from '../format.ts';

/** Rows the list shows at most; the answer may hold more (the charts mark them all). */
const MAX_ROWS = 100;

/** The engine's details in words; what came from outside (images, Compose names) each in its own <bdi>. */
function details(e: EventRecord): (string | HTMLElement)[] {
  const parts: (string | HTMLElement)[][] = [];
  const outside = (text: string) => el('bdi', {}, [text]);
  if (e.type === 'die' && e.cause === 'kill') parts.push(['stopped or killed through the engine']);
  if (e.type === 'die' && e.cause === 'exit' && e.exit_code !== 0) parts.push(['exited by itself']);
  if (e.type === 'kill' && e.signal !== null) parts.push([signalName(e.signal)]);
  if (e.type === 'deploy' && e.attrs.previous_image) {
    // The same tag pulled anew: the image ids say what changed.
    const ids = e.attrs.previous_image_id && e.attrs.image_id;
    parts.push([
      'was ',
      outside(e.attrs.previous_image),
      ...(ids ? [` (image ${e.attrs.previous_image_id} → ${e.attrs.image_id})`] : []),
    ]);
  } else if (e.image && (e.type === 'create' || e.type === 'start')) parts.push([outside(e.image)]);
  if (e.compose_project)
    parts.push([outside(e.compose_project), ...(e.compose_service ? [' / ', outside(e.compose_service)] : [])]);
  return parts.flatMap((p, i) => (i ? [' · ', ...p] : p));
}

export class EventsList {
  readonly el: HTMLElement;
  private readonly body: HTMLElement;
  private readonly countEl: HTMLElement;

  /** `containerHref`: on a host's view, each container's name links there; absent: one container's list. */
  constructor(private readonly containerHref?: (name: string) => string) {
    this.body = el('tbody');
    this.countEl = el('span', { class: 'count' });
    const heads = ['Time', ...(containerHref ? ['Container'] : []), 'Event', 'Details'];
    this.el = el('section', { class: 'panel events-list' }, [
      el('div', { class: 'top-head' }, [el('h3', {}, ['Container events']), this.countEl]),
      el('div', { class: 'table-scroll' }, [
        el('table', { class: 'events-table' }, [
          el('thead', {}, [
            el(
              'tr',
              {},
              heads.map((h) => el('th', {}, [h])),
            ),
          ]),
          this.body,
        ]),
      ]),
    ]);
  }

  render(events: readonly EventRecord[], truncated: boolean, span: number): void {
    const cols = this.containerHref ? 4 : 3;
    const shown = events.slice(0, MAX_ROWS);
    this.countEl.textContent = events.length
      ? `${events.length}${truncated ? '+' : ''} in this range${events.length > shown.length ? `, newest ${shown.length} listed` : ''}`
      : '';
    if (shown.length === 0) {
      this.body.replaceChildren(
        el('tr', {}, [el('td', { colspan: cols, class: 'muted' }, ['No container events in this range'])]),
      );
      return;
    }
    this.body.replaceChildren(
      ...shown.map((e) => {
        // An OOM death has no mark of its own (the oom event's says it), but reads as bad.
        const kind = markerKind(e) ?? (e.type === 'die' && e.cause === 'oom' ? 'bad' : undefined);
        return el('tr', { class: kind ? `ev-${kind}` : undefined, 'data-type': e.type }, [
          el('td', { class: 'ev-time', title: e.time }, [formatTime(e.ts, span)]),
          this.containerHref
            ? el('td', { class: 'name' }, [link(this.containerHref(e.container), [el('bdi', {}, [e.container])])])
            : null,
          // The words may end with outside text (an image, an old name): isolated as a whole.
          el('td', { class: 'ev-what' }, [el('bdi', {}, [eventText(e)])]),
          el('td', { class: 'muted' }, details(e)),
        ]);
      }),
    );
  }

  showError(message: string): void {
    this.countEl.textContent = '';
    this.body.replaceChildren(
      el('tr', {}, [el('td', { colspan: this.containerHref ? 4 : 3, class: 'error' }, [message])]),
    );
  }
}

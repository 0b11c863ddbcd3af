// Container events on the charts: a uPlot plugin that draws each event as a vertical mark at
// the moment it happened, coloured by how much it matters, with a flag that says what on
// hover or focus ("OOM-killed", "exited 137", "web: new image nginx:1.27"). Marks closer than
// a few pixels share one flag. Text goes in as text nodes and names in <bdi>, like every
// name the page shows.
import type uPlot from 'uplot';
import { eventText, markerKind, type EventRecord, type MarkerKind } from '../protocol/events.ts';
import { el } from './dom.ts';
import { formatTime } from './format.ts';

export interface Marker {
  ts: number;
  text: string;
  kind: MarkerKind;
  /** The container, when the chart holds several (the host's container charts). */
  name?: string;
}

/** The events worth a mark on a chart, oldest first; `named`: say whose (charts of many containers). */
export function markersOf(events: readonly EventRecord[], named = false): Marker[] {
  const out: Marker[] = [];
  for (const e of events) {
    const kind = markerKind(e);
    if (!kind) continue;
    out.push({ ts: e.ts, text: eventText(e), kind, ...(named ? { name: e.container } : {}) });
  }
  return out.sort((a, b) => a.ts - b.ts);
}

const RANK: Record<MarkerKind, number> = { bad: 3, warn: 2, info: 1, ok: 0 };

/** A mark's hover strip is this wide (style.css `.marker`): closer marks would cover each other. */
export const MARK_WIDTH = 9;

/**
 * Marks at pixel `x` (from `pos`), within [0, width]: neighbours closer than `px` become one,
 * at the first one's place, in the colour of the worst of them.
 */
export function groupMarkers(
  markers: readonly Marker[],
  pos: (ts: number) => number,
  width: number,
  px = MARK_WIDTH + 1,
): { x: number; kind: MarkerKind; items: Marker[] }[] {
  const groups: { x: number; kind: MarkerKind; items: Marker[] }[] = [];
  for (const m of markers) {
    const x = pos(m.ts);
    if (!Number.isFinite(x) || x < -1 || x > width + 1) continue;
    const last = groups[groups.length - 1];
    if (last && x - last.x < px) {
      last.items.push(m);
      if (RANK[m.kind] > RANK[last.kind]) last.kind = m.kind;
    } else groups.push({ x, kind: m.kind, items: [m] });
  }
  return groups;
}

/** Lines a flag's note shows at most; the rest are counted. */
const MAX_LINES = 6;

function noteLines(items: readonly Marker[]): HTMLElement[] {
  const lines = items.slice(0, MAX_LINES).map((m) =>
    el('div', { class: 'marker-line' }, [
      el('span', { class: 'muted' }, [formatTime(m.ts)]),
      ' ',
      m.name !== undefined ? el('bdi', {}, [m.name]) : null,
      m.name !== undefined ? ': ' : null,
      // The words may end with outside text (an image, an old name).
      el('bdi', {}, [m.text]),
    ]),
  );
  if (items.length > MAX_LINES) lines.push(el('div', { class: 'muted' }, [`and ${items.length - MAX_LINES} more`]));
  return lines;
}

/** The plugin; `markers` is read on every draw, so a chart's marks follow its data, scale and size. */
export function markersPlugin(markers: () => readonly Marker[]): uPlot.Plugin {
  let layer: HTMLElement;
  let note: HTMLElement;
  /** What the layer shows now: redrawn alike (a live refresh), it is left as it is, note and all. */
  let shown = '';
  const hide = () => (note.hidden = true);
  const show = (u: uPlot, x: number, items: Marker[]) => {
    note.replaceChildren(...noteLines(items));
    note.hidden = false;
    // Beside the mark, turned to the left in the right half so it stays inside the chart.
    const left = u.over.offsetLeft + x;
    const right = left > u.over.offsetLeft + u.over.clientWidth / 2;
    note.style.left = right ? '' : `${left + 8}px`;
    note.style.right = right ? `${u.root.clientWidth - left + 8}px` : '';
    note.style.top = `${u.over.offsetTop + 4}px`;
  };
  return {
    hooks: {
      init: [
        (u) => {
          layer = el('div', { class: 'markers' });
          note = el('div', { class: 'marker-note', role: 'tooltip', hidden: true });
          u.over.append(layer);
          u.root.append(note);
        },
      ],
      draw: [
        (u) => {
          const list = markers();
          const groups = groupMarkers(list, (ts) => u.valToPos(ts, 'x'), u.over.clientWidth || u.bbox.width);
          const key = JSON.stringify(groups.map((g) => [Math.round(g.x), g.items.map((m) => [m.ts, m.text, m.name])]));
          if (key === shown) return;
          shown = key;
          hide();
          layer.replaceChildren(
            ...groups.map((g) => {
              const label = g.items
                .map((m) => `${formatTime(m.ts)} ${m.name !== undefined ? `${m.name}: ` : ''}${m.text}`)
                .join('; ');
              const flag = el('button', { type: 'button', class: 'marker-flag', 'aria-label': label });
              const mark = el('div', { class: `marker m-${g.kind}`, style: `left:${g.x}px` }, [flag]);
              mark.dataset.text = g.items.map((m) => m.text).join('\n');
              mark.addEventListener('mouseenter', () => show(u, g.x, g.items));
              mark.addEventListener('mouseleave', hide);
              flag.addEventListener('focus', () => show(u, g.x, g.items));
              flag.addEventListener('blur', hide);
              return mark;
            }),
          );
        },
      ],
    },
  };
}

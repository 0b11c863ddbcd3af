// A small uPlot without axes or cursor for the fleet overview: a host's CPU and memory share
// (both 0–100 %) over the selected range, gaps kept.
import uPlot from 'uplot';
import type { Column } from './chart-data.ts';

export class Sparkline {
  private u: uPlot | null = null;
  readonly el: HTMLElement;

  constructor(
    private readonly colors: [string, string],
    private readonly height = 40,
  ) {
    this.el = document.createElement('div');
    this.el.className = 'spark';
    this.el.style.height = `${height}px`;
  }

  setData(t: number[], cpu: Column, mem: Column, from: number, to: number): void {
    const data: uPlot.AlignedData = [t, cpu, mem];
    if (this.u) {
      this.u.setData(data);
      this.u.setScale('x', { min: from, max: to });
      return;
    }
    const [c1, c2] = this.colors;
    this.u = new uPlot(
      {
        width: Math.max(100, this.el.clientWidth),
        height: this.height,
        pxAlign: false,
        cursor: { show: false },
        select: { show: false, left: 0, top: 0, width: 0, height: 0 },
        legend: { show: false },
        padding: [2, 0, 2, 0],
        scales: {
          x: { time: true, range: (_u, a, b) => [Math.min(a, from), Math.max(b, to)] },
          y: { range: [0, 100] },
        },
        axes: [{ show: false }, { show: false }],
        series: [
          {},
          { stroke: c1, width: 1.5, fill: `color-mix(in srgb, ${c1} 18%, transparent)`, points: { show: false } },
          { stroke: c2, width: 1, points: { show: false } },
        ],
      },
      data,
      this.el,
    );
  }

  resize(): void {
    const w = this.el.clientWidth;
    if (this.u && w > 0 && w !== this.u.width) this.u.setSize({ width: w, height: this.height });
  }

  destroy(): void {
    this.u?.destroy();
    this.u = null;
  }
}

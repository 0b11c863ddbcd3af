// Collects what every collector produced during one tick into one protocol snapshot.
import type { ContainerSample, SeriesSample, Snapshot } from '../protocol/batch.ts';

export class SnapshotBuilder {
  readonly host: Record<string, number> = {};
  readonly containers: ContainerSample[] = [];
  readonly series: SeriesSample[] = [];
  private closed = false;

  constructor(readonly ts: number) {}

  /** From now on every write is ignored: the tick is over (a late collector adds nothing). */
  seal(): void {
    this.closed = true;
  }

  get sealed(): boolean {
    return this.closed;
  }

  /** A core host metric (see protocol/metrics.ts); non-finite values are dropped. */
  hostMetric(name: string, value: number | undefined): void {
    if (!this.closed && value !== undefined && Number.isFinite(value)) this.host[name] = value;
  }

  container(sample: ContainerSample): void {
    if (!this.closed) this.containers.push(sample);
  }

  /** A labelled series value; non-finite values are dropped. */
  seriesValue(name: string, labels: Record<string, string>, value: number | undefined, container?: string): void {
    if (this.closed || value === undefined || !Number.isFinite(value)) return;
    this.series.push(container === undefined ? { name, labels, value } : { name, labels, value, container });
  }

  toSnapshot(): Snapshot {
    return { ts: this.ts, host: this.host, containers: this.containers, series: this.series };
  }
}

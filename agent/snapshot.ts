// Collects what every collector produced during one tick into one protocol snapshot.
import type { ContainerEvent, ContainerSample, ProcessSample, SeriesSample, Snapshot } from '../protocol/batch.ts';

export class SnapshotBuilder {
  readonly host: Record<string, number> = {};
  readonly containers: ContainerSample[] = [];
  readonly series: SeriesSample[] = [];
  readonly events: ContainerEvent[] = [];
  readonly processes: ProcessSample[] = [];
  private closed = false;

  /**
   * `priming`: the first read of a run, which only primes the rates; nothing is taken from a
   * queue into it (its sample is thrown away).
   */
  constructor(
    readonly ts: number,
    readonly priming = false,
  ) {}

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

  /** A container event (agent/docker/events.ts); false when the tick is over and it was not taken. */
  event(e: ContainerEvent): boolean {
    if (this.closed) return false;
    this.events.push(e);
    return true;
  }

  /** One of the tick's top processes. */
  process(p: ProcessSample): void {
    if (!this.closed) this.processes.push(p);
  }

  toSnapshot(): Snapshot {
    const s: Snapshot = { ts: this.ts, host: this.host, containers: this.containers, series: this.series };
    if (this.events.length) s.events = this.events;
    if (this.processes.length) s.processes = this.processes;
    return s;
  }
}

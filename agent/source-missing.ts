// The one error that says "this source is not here" (no socket, no such /proc file), not a
// bug: the procfs and docker readers throw it, and the collector runner (collectors/
// collector.ts) turns a collector off for a while instead of logging a failure each tick.
/** Thrown when a collector's source is absent (no socket, no such /proc file): not a bug. */
export class SourceMissing extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceMissing';
  }
}

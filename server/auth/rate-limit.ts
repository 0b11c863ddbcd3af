// Failed sign-ins counted per key (an account name, an address) over a sliding window; past
// the limit the key waits until its oldest failure leaves the window. Memory is bounded: past
// MAX_KEYS the least recently failed key is forgotten.
export class FailureLimit {
  private readonly fails = new Map<string, number[]>();
  constructor(
    private readonly limit: number,
    private readonly windowS: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** Seconds until `key` may try again; 0 when it may now. */
  retryAfter(key: string, now: number): number {
    const list = this.recent(key, now);
    return list.length >= this.limit ? Math.max(1, list[0] + this.windowS - now) : 0;
  }

  fail(key: string, now: number): void {
    const list = this.recent(key, now);
    list.push(now);
    this.fails.delete(key);
    this.fails.set(key, list);
    if (this.fails.size > this.maxKeys) this.fails.delete(this.fails.keys().next().value!);
  }

  clear(key: string): void {
    this.fails.delete(key);
  }

  private recent(key: string, now: number): number[] {
    const list = (this.fails.get(key) ?? []).filter((t) => t > now - this.windowS);
    if (list.length) this.fails.set(key, list);
    else this.fails.delete(key);
    return list;
  }
}

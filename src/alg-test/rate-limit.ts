/**
 * Per-source token buckets in a bounded table: at most `maxSources` entries, the least recently
 * seen one is evicted first (a Map keeps insertion order; a hit re-inserts). Pure apart from the clock passed in.
 */
export class SourceLimiter {
  private readonly table = new Map<string, { tokens: number; at: number }>();
  evicted = 0;

  constructor(private readonly perSecond: number, private readonly burst: number, readonly maxSources: number) {}

  /** true when `source` may send one more message at time `nowMs` */
  allow(source: string, nowMs: number): boolean {
    let e = this.table.get(source);
    if (e === undefined) {
      if (this.table.size >= this.maxSources) {
        const oldest = this.table.keys().next().value;
        if (oldest !== undefined) this.table.delete(oldest);
        this.evicted++;
      }
      e = { tokens: this.burst, at: nowMs };
    } else {
      this.table.delete(source);
      e.tokens = Math.min(this.burst, e.tokens + ((nowMs - e.at) / 1000) * this.perSecond);
      e.at = nowMs;
    }
    this.table.set(source, e);
    if (e.tokens < 1) return false;
    e.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.table.size;
  }
}

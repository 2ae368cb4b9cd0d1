/**
 * Bounded delay statistics for a probe that may run for days: exact min, max and mean, and p50/p95
 * from fixed 0.05 ms bins over -2 s .. +10 s (values outside are counted in the end bins; min and max
 * stay exact). Memory is fixed (240,000 bins) whatever the number of packets.
 */
import type { DelayStats } from '../model/report.js';

const BIN_MS = 0.05;
const LOW_MS = -2000;
const HIGH_MS = 10_000;
const BINS = Math.round((HIGH_MS - LOW_MS) / BIN_MS);

export class DelayHistogram {
  private readonly bins = new Uint32Array(BINS);
  count = 0;
  private sum = 0;
  min = Infinity;
  max = -Infinity;

  add(ms: number): void {
    if (!Number.isFinite(ms)) return;
    let i = Math.floor((ms - LOW_MS) / BIN_MS);
    if (i < 0) i = 0;
    else if (i >= BINS) i = BINS - 1;
    this.bins[i] = this.bins[i]! + 1;
    this.count += 1;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  get mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  /** the q-quantile (0..1), as the middle of its bin clamped to [min, max] */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BINS; i++) {
      seen += this.bins[i]!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, LOW_MS + (i + 0.5) * BIN_MS));
    }
    return this.max;
  }

  stats(): DelayStats | null {
    if (this.count === 0) return null;
    return { min: this.min, mean: this.mean, p50: this.quantile(0.5), p95: this.quantile(0.95), max: this.max };
  }
}

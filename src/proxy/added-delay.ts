/**
 * The distribution of the delay the proxy adds to forwarded packets (kernel receive stamp to send),
 * per leg, in bounded memory whatever the running time: counts in 1 microsecond bins up to 20 ms
 * (the proxy's target is p99 < 1 ms; a bin is far finer than that), beyond that one overflow count
 * and the maximum. Percentiles are read from the bins (the bin's upper edge: never optimistic).
 */
import type { DelayDistribution } from '../model/report.js';

const BIN_NS = 1000;
const BINS = 20_000;

export class AddedDelay {
  private readonly bins = new Uint32Array(BINS);
  private overflow = 0;
  private count = 0;
  private sumNs = 0;
  private minNs = Infinity;
  private maxNs = 0;

  observe(ns: number): void {
    if (!(ns >= 0)) return;
    const bin = Math.floor(ns / BIN_NS);
    if (bin < BINS) this.bins[bin]!++;
    else this.overflow++;
    this.count++;
    this.sumNs += ns;
    if (ns < this.minNs) this.minNs = ns;
    if (ns > this.maxNs) this.maxNs = ns;
  }

  get observations(): number {
    return this.count;
  }

  /** milliseconds; null before the first packet */
  distribution(): DelayDistribution | null {
    if (this.count === 0) return null;
    const ms = (ns: number): number => Math.round(ns / 100) / 10_000;
    return {
      min: ms(this.minNs), mean: ms(this.sumNs / this.count),
      p50: ms(this.quantileNs(0.5)), p95: ms(this.quantileNs(0.95)), p99: ms(this.quantileNs(0.99)), max: ms(this.maxNs),
    };
  }

  private quantileNs(q: number): number {
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < BINS; i++) {
      seen += this.bins[i]!;
      if (seen >= rank) return Math.min((i + 1) * BIN_NS, this.maxNs);
    }
    return this.maxNs;
  }
}

/**
 * A bounded distribution of signed per-packet delay figures (microseconds): min, max, mean and
 * count are always exact; percentiles are exact while there are at most EXACT_LIMIT values (they
 * are kept), and after that come from a log-linear histogram: 1 us buckets below 1024 us, then
 * 1024 buckets per power of two, so a percentile is within 1/2048 (0.05 %) of the value of the
 * nearest-rank sample: 0.02 ms at 40 ms, 0.5 ms at 1 s. Memory: at most EXACT_LIMIT doubles, then
 * one map entry per occupied bucket (a few thousand at most for delays up to minutes).
 *
 * Percentiles are nearest-rank (the value at rank ceil(p n)), of the values or of their negation
 * (quantile(p, true): a stream seen B before A has delay = -(tB - tA)).
 */
export const EXACT_LIMIT = 20000;

const SUB = 1024;

/** bucket index of |v| (v in us): identity below 1024, then (octave, 1024 sub-buckets) */
function bucketOf(a: number): number {
  if (a < SUB) return Math.floor(a);
  const e = Math.floor(Math.log2(a));
  const width = 2 ** (e - 10);
  const sub = Math.min(SUB * 2 - 1, Math.floor(a / width));
  return (e - 9) * SUB + (sub - SUB);
}

/** the middle of a bucket (its representative value) */
function valueOf(b: number): number {
  if (b < SUB) return b + 0.5;
  const e = Math.floor(b / SUB) + 9;
  const width = 2 ** (e - 10);
  return (SUB + (b % SUB)) * width + width / 2;
}

export class DelayStats {
  count = 0;
  min = Infinity;
  max = -Infinity;
  private sum = 0;
  private exact: number[] | null = [];
  /** signed bucket key (negative values: -(bucket + 1)) -> count */
  private hist: Map<number, number> | null = null;

  push(us: number): void {
    this.count++;
    this.sum += us;
    if (us < this.min) this.min = us;
    if (us > this.max) this.max = us;
    if (this.exact !== null) {
      this.exact.push(us);
      if (this.exact.length > EXACT_LIMIT) this.toHistogram();
      return;
    }
    this.add(us);
  }

  get mean(): number {
    return this.count === 0 ? NaN : this.sum / this.count;
  }

  /** true while every value is kept (percentiles exact) */
  get isExact(): boolean {
    return this.exact !== null;
  }

  /** nearest-rank percentile (0 < p <= 1) of the values, or of their negation */
  quantile(p: number, negate = false): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(p * this.count));
    if (this.exact !== null) {
      const s = [...this.exact].sort((a, b) => a - b);
      return negate ? -s[s.length - rank]! : s[rank - 1]!;
    }
    const keys = [...this.hist!.keys()].sort((a, b) => keyValue(a) - keyValue(b));
    if (negate) keys.reverse();
    let seen = 0;
    for (const k of keys) {
      seen += this.hist!.get(k)!;
      if (seen >= rank) {
        const v = keyValue(k);
        return clamp(negate ? -v : v, negate ? -this.max : this.min, negate ? -this.min : this.max);
      }
    }
    return negate ? -this.min : this.max;
  }

  /** every value with its count (the kept values, or each occupied bucket's middle): to re-bucket elsewhere */
  forEachValue(visit: (us: number, count: number) => void): void {
    if (this.exact !== null) {
      for (const v of this.exact) visit(v, 1);
      return;
    }
    for (const [k, n] of this.hist!) visit(clamp(keyValue(k), this.min, this.max), n);
  }

  private toHistogram(): void {
    const values = this.exact!;
    this.exact = null;
    this.hist = new Map();
    for (const v of values) this.add(v);
  }

  private add(us: number): void {
    const key = us >= 0 ? bucketOf(us) : -(bucketOf(-us) + 1);
    const h = this.hist!;
    h.set(key, (h.get(key) ?? 0) + 1);
  }
}

function keyValue(k: number): number {
  return k >= 0 ? valueOf(k) : -valueOf(-k - 1);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

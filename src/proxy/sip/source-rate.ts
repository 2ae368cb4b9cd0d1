/**
 * Requests per second from one source address, as a token bucket (Kamailio's pike module does the
 * same job): a REGISTER/INVITE flood from one host (a scanner, a phone in a loop) is dropped at the
 * proxy and counted, instead of being relayed to the PBX, anchoring media and growing state for each
 * request. A burst of twice the rate is allowed (a phone's boot: REGISTER, SUBSCRIBEs, an INVITE).
 * Bounded: at most MAX_SOURCES buckets; when full, the ones refilled completely are forgotten first.
 */
const MAX_SOURCES = 4096;

interface Bucket {
  tokens: number;
  atMs: number;
}

export class SourceRate {
  private readonly buckets = new Map<string, Bucket>();
  private readonly burst: number;

  /** perSecond 0: no limit */
  constructor(private readonly perSecond: number) {
    this.burst = 2 * perSecond;
  }

  /** whether one more request from `address` at nowMs is within the rate (and takes a token) */
  allow(address: string, nowMs: number): boolean {
    if (this.perSecond <= 0) return true;
    let b = this.buckets.get(address);
    if (b === undefined) {
      if (this.buckets.size >= MAX_SOURCES) this.forgetIdle(nowMs);
      b = { tokens: this.burst, atMs: nowMs };
      this.buckets.set(address, b);
    }
    b.tokens = Math.min(this.burst, b.tokens + ((nowMs - b.atMs) * this.perSecond) / 1000);
    b.atMs = nowMs;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  get sources(): number {
    return this.buckets.size;
  }

  /** drops the buckets that would be full by now (their sources are within the rate); all, if none is */
  private forgetIdle(nowMs: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((nowMs - b.atMs) * this.perSecond) / 1000 >= this.burst) this.buckets.delete(k);
    }
    if (this.buckets.size >= MAX_SOURCES) this.buckets.clear();
  }
}

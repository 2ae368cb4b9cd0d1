/**
 * pcapng timestamps: a 64-bit count of interface-specific units (if_tsresol, pcapng draft
 * section 4.2: a power of 10 when the top bit is clear, a power of 2 when set; default 10^-6),
 * stored as two 32-bit words. We turn them into exact seconds + nanoseconds without BigInt per
 * packet: the high word changes rarely (every 4.3 s at ns resolution), so the split of
 * high * 2^32 units into whole seconds and a remainder is cached per interface, and each packet
 * only adds its low word to the cached remainder (exact while units/s < 2^52). Seconds past 2^53
 * (only a corrupt timestamp gets there) take BigInt per packet: one rounding, as the WebAssembly
 * walker's u64 arithmetic gives, so that both readers of a pcapng block agree.
 */
const TWO32 = 4294967296;
const MAX_EXACT_UNITS = 2 ** 52;
/** past 2^53 s whole seconds are no longer exact doubles: cached + extra would round twice */
const MAX_EXACT_SEC = 2 ** 53;

export class TsResolution {
  /** units per second */
  readonly unitsPerSec: number;
  /** true for 10^-k resolutions: nanoseconds are then rem * nsMul / nsDiv exactly */
  private readonly nsMul: number;
  private readonly nsDiv: number;
  private readonly bigUnits: bigint;
  /** resolutions too fine for exact double arithmetic (> 2^-32 binary, >= 2^52 units/s) */
  private readonly slow: boolean;
  private cachedHigh = -1;
  private cachedSec = 0;
  private cachedRem = 0;
  /** the cached high word's seconds are too large for the cached sum (a corrupt timestamp): BigInt */
  private cachedBig = false;
  /** results of the last convert() */
  sec = 0;
  nsec = 0;

  constructor(tsresol: number) {
    const exp = tsresol & 0x7f;
    const pow2 = (tsresol & 0x80) !== 0;
    this.bigUnits = pow2 ? 1n << BigInt(exp) : 10n ** BigInt(exp);
    this.unitsPerSec = Number(this.bigUnits);
    this.slow = this.unitsPerSec >= MAX_EXACT_UNITS || (pow2 && exp > 32);
    if (!pow2 && exp <= 9) {
      this.nsMul = 10 ** (9 - exp);
      this.nsDiv = 1;
    } else if (!pow2) {
      this.nsMul = 1;
      this.nsDiv = 10 ** (exp - 9);
    } else {
      // 2^-k: ns = floor(rem * 1e9 / 2^k) = floor(rem * 5^9 / 2^(k-9)), exact in doubles for
      // k <= 32 (rem * 5^9 < 2^53); finer binary resolutions take the BigInt path
      this.nsMul = exp >= 9 ? 1953125 : 1e9;
      this.nsDiv = exp >= 9 ? 2 ** (exp - 9) : this.unitsPerSec;
    }
  }

  /** convert (high, low) unit words; the result is left in this.sec / this.nsec */
  convert(high: number, low: number): void {
    if (this.slow) {
      this.convertBig(high, low);
      return;
    }
    if (high !== this.cachedHigh) {
      this.cacheHigh(high);
    }
    if (this.cachedBig) {
      // one rounding of the exact quotient, as the WebAssembly walker (src/wasm/fast-path.ts) gives
      this.convertBig(high, low);
      return;
    }
    const total = this.cachedRem + low; // < 2^52 + 2^32: exact
    const u = this.unitsPerSec;
    const extra = Math.floor(total / u);
    this.sec = this.cachedSec + extra;
    this.nsec = this.remToNs(total - extra * u);
  }

  private remToNs(rem: number): number {
    if (this.nsDiv === 1) {
      return rem * this.nsMul;
    }
    // 10^-k with k > 9 (nsMul 1), or 2^-k: floor(rem * nsMul / nsDiv) with nsMul * rem < 2^53
    return Math.floor((rem * this.nsMul) / this.nsDiv);
  }

  /** once per high-word change: BigInt here is fine, it is not per packet */
  private cacheHigh(high: number): void {
    const units = BigInt(high) * BigInt(TWO32);
    this.cachedHigh = high;
    this.cachedSec = Number(units / this.bigUnits);
    this.cachedRem = Number(units % this.bigUnits);
    this.cachedBig = this.cachedSec + TWO32 >= MAX_EXACT_SEC;
  }

  private convertBig(high: number, low: number): void {
    const units = BigInt(high) * BigInt(TWO32) + BigInt(low);
    this.sec = Number(units / this.bigUnits);
    const rem = units % this.bigUnits;
    this.nsec = Number((rem * 1_000_000_000n) / this.bigUnits);
  }
}

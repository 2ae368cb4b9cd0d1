/**
 * 16-bit RTP sequence arithmetic and our own RFC 3550 Appendix A.1/A.3 loss accounting, independent of
 * tshark's figures: duplicates, out-of-order, sequence errors and the longest run of lost packets, from
 * a bounded window of recently received sequence numbers (no growth with the stream length).
 */

/** RFC 3550 A.1: sequence numbers are modulo 2^16; signed distance a -> b in -32768..32767 */
export function seqDelta16(from: number, to: number): number {
  const d = (to - from) & 0xffff;
  return d >= 0x8000 ? d - 0x10000 : d;
}

/** RFC 3550 A.1: a is before b, modulo 2^16 (serial number arithmetic, RFC 1982) */
export function seqLess16(a: number, b: number): boolean {
  return seqDelta16(a, b) > 0;
}

/** next sequence number with the wrap 65535 -> 0 */
export function seqNext16(seq: number): number {
  return (seq + 1) & 0xffff;
}

/** RFC 3550 A.1 constants */
export const MAX_DROPOUT = 3000;
export const MAX_MISORDER = 100;
const RTP_SEQ_MOD = 0x10000;

/** window of recent sequence numbers kept for duplicate and burst detection (power of two) */
const WINDOW = 1024;
const MASK = WINDOW - 1;

/**
 * Per-stream sequence tracker (RFC 3550 A.1 extended sequence numbers, A.3 expected/lost).
 * push(seq) per packet; flush() at the end settles the packets still in the window.
 */
export class SequenceTracker {
  /** packets pushed */
  received = 0;
  duplicates = 0;
  outOfOrder = 0;
  /** packets whose sequence number was not the one after the previous packet */
  sequenceErrors = 0;
  longestLossBurst = 0;
  /** RFC 3550 A.1: resynchronisations after a jump larger than MAX_DROPOUT */
  resyncs = 0;

  private started = false;
  private baseExt = 0;
  private highestExt = 0;
  private lastSeq = -1;
  private badSeq = -1;
  private run = 0;
  private flushed = false;
  /** expected packets of the segments before the last resync */
  private expectedBefore = 0;
  /** the window as a bit set (bit ext & MASK): 128 bytes per stream rather than 1 KiB */
  private readonly seen = new Uint32Array(WINDOW / 32);

  push(seq: number): void {
    this.received++;
    if (!this.started) {
      this.started = true;
      this.reset(seq);
      this.lastSeq = seq;
      return;
    }
    if (seq !== seqNext16(this.lastSeq)) this.sequenceErrors++;
    this.lastSeq = seq;
    const highest16 = this.highestExt & 0xffff;
    const udelta = (seq - highest16) & 0xffff;
    if (udelta === 0) {
      this.duplicates++;
    } else if (udelta < MAX_DROPOUT) {
      this.badSeq = -1;
      this.advance(this.highestExt + udelta);
      this.mark(this.highestExt);
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // RFC 3550 A.1: a very large jump; accept it only when the next packet confirms it
      if (seq === this.badSeq) {
        this.resyncs++;
        this.settleWindow();
        this.expectedBefore += this.highestExt - this.baseExt + 1;
        this.reset(seq);
      } else {
        this.badSeq = (seq + 1) & 0xffff;
      }
    } else {
      this.late(this.highestExt - (RTP_SEQ_MOD - udelta));
    }
  }

  /** RFC 3550 A.3: expected = highest extended - base + 1 (our own figure, not tshark's) */
  get expected(): number {
    return this.started ? this.expectedBefore + this.highestExt - this.baseExt + 1 : 0;
  }

  /** settle the packets still in the window (call once at the end; idempotent) */
  flush(): void {
    if (this.flushed || !this.started) return;
    this.flushed = true;
    this.settleWindow();
  }

  toJSON(): Record<string, number> {
    return {
      received: this.received,
      expected: this.expected,
      duplicates: this.duplicates,
      outOfOrder: this.outOfOrder,
      sequenceErrors: this.sequenceErrors,
      longestLossBurst: this.longestLossBurst,
    };
  }

  private reset(seq: number): void {
    this.seen.fill(0);
    this.baseExt = this.highestExt = seq;
    this.mark(seq);
    this.run = 0;
  }

  /** a packet older than the highest: a late arrival (fills a hole) or a duplicate */
  private late(ext: number): void {
    if (ext < this.baseExt || ext <= this.highestExt - WINDOW) {
      this.outOfOrder++;
      return;
    }
    if (this.isSeen(ext)) {
      this.duplicates++;
    } else {
      this.mark(ext);
      this.outOfOrder++;
    }
  }

  /** move the highest sequence to `ext`, settling the sequence numbers that leave the window */
  private advance(ext: number): void {
    const from = this.highestExt + 1;
    const steps = ext - this.highestExt;
    const reuse = steps < WINDOW ? steps : WINDOW;
    // the slots of the new numbers are those of the numbers leaving the window: settle those first
    for (let i = 0; i < reuse; i++) {
      if (from + i - WINDOW >= this.baseExt) this.settle(this.isSeen(from + i));
      this.unmark(from + i);
    }
    // a jump wider than the window: the numbers in between never arrived and leave at once
    for (let i = WINDOW; i < steps; i++) this.settle(false);
    this.highestExt = ext;
  }

  private settleWindow(): void {
    let start = this.highestExt - WINDOW + 1;
    if (start < this.baseExt) start = this.baseExt;
    for (let s = start; s <= this.highestExt; s++) this.settle(this.isSeen(s));
    this.run = 0;
  }

  private isSeen(ext: number): boolean {
    const slot = ext & MASK;
    return (this.seen[slot >>> 5]! & (1 << (slot & 31))) !== 0;
  }

  private mark(ext: number): void {
    const slot = ext & MASK;
    this.seen[slot >>> 5]! |= 1 << (slot & 31);
  }

  private unmark(ext: number): void {
    const slot = ext & MASK;
    this.seen[slot >>> 5]! &= ~(1 << (slot & 31));
  }

  private settle(received: boolean): void {
    if (received) {
      this.run = 0;
      return;
    }
    this.run++;
    if (this.run > this.longestLossBurst) this.longestLossBurst = this.run;
  }
}

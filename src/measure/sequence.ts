/**
 * 16-bit RTP sequence arithmetic and our own RFC 3550 Appendix A.1/A.3 loss accounting, independent of
 * tshark's figures: duplicates, out-of-order, sequence errors and the longest run of lost packets, from
 * a bounded window of recently received sequence numbers (no growth with the stream length).
 * The accounting runs in WebAssembly (src/wasm/streams.ts, seqPush) on the stream's record; the
 * SequenceTracker here is the TypeScript view of it.
 */
import { SLOT, StreamRecord } from './stream-arena.js';


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

/**
 * Per-stream sequence tracker (RFC 3550 A.1 extended sequence numbers, A.3 expected/lost).
 * push(seq) per packet; flush() at the end settles the packets still in the window.
 */
export class SequenceTracker {
  readonly record: StreamRecord;

  constructor(record: StreamRecord = new StreamRecord()) {
    this.record = record;
  }

  /** packets pushed */
  get received(): number { return this.record.get(SLOT.Q_RECEIVED); }
  get duplicates(): number { return this.record.get(SLOT.Q_DUPLICATES); }
  get outOfOrder(): number { return this.record.get(SLOT.Q_OUT_OF_ORDER); }
  /** packets whose sequence number was not the one after the previous packet */
  get sequenceErrors(): number { return this.record.get(SLOT.Q_SEQ_ERRORS); }
  get longestLossBurst(): number { return this.record.get(SLOT.Q_LONGEST_BURST); }
  /** runs of consecutive lost packets (G.107's loss bursts), counted as numbers leave the 1024 reorder window */
  get lossRuns(): number { return this.record.get(SLOT.Q_LOSS_RUNS); }
  /** RFC 3550 A.1: resynchronisations after a jump larger than MAX_DROPOUT (3000) */
  get resyncs(): number { return this.record.get(SLOT.Q_RESYNCS); }

  push(seq: number): void {
    this.record.arena.x.seqPush(this.record.byteOffset, seq);
  }

  /** RFC 3550 A.3: expected = highest extended - base + 1 (our own figure, not tshark's) */
  get expected(): number {
    const r = this.record;
    return r.get(SLOT.Q_STARTED) !== 0 ? r.get(SLOT.Q_EXPECTED_BEFORE) + r.get(SLOT.Q_HIGHEST_EXT) - r.get(SLOT.Q_BASE_EXT) + 1 : 0;
  }

  /** settle the packets still in the window (call once at the end; idempotent) */
  flush(): void {
    this.record.arena.x.seqFlush(this.record.byteOffset);
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
}

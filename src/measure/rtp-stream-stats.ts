/**
 * Per-stream RTP statistics, a faithful port of tshark 4.0's rtppacket_analyse (ui/tap-rtp-analysis.c)
 * so that packets, lost, max delta and mean/max jitter equal `tshark -z rtp,streams`. Own code, same
 * arithmetic: RFC 3550 A.8 jitter in ms (J += (|D| - J) / 16), sequence cycles counted with tshark's
 * `under` flag, expected = stop + cycles * 65536 - start + 1 where stop is the LAST sequence number seen.
 *
 * What 4.0 does, checked against tshark 4.0.17 on the public captures (rtpproxy-g729-reorder: lost -475,
 * max jitter 376.163, mean 4.641 to the printed digit) rather than against the newer sources online:
 * a packet is "in time sequence" when its timestamp is within 2^31 AFTER the stream's first timestamp
 * (modulo 2^32); only such packets update jitter, delta and the reference time; nominal time is the
 * timestamp distance from the first packet, so expected = time + (nominal - last nominal).
 *
 * Hot path: push() takes numbers only and allocates nothing.
 */
import { PT_CN, PT_CN_OLD } from './rtp-clock.js';

/** tshark's STAT_FLAG_* bits (ui/tap-rtp-analysis.h) */
export const FLAG_FIRST = 0x001;
export const FLAG_MARKER = 0x002;
export const FLAG_WRONG_SEQ = 0x004;
export const FLAG_PT_CHANGE = 0x008;
export const FLAG_PT_CN = 0x010;
export const FLAG_FOLLOW_PT_CN = 0x020;
export const FLAG_REG_PT_CHANGE = 0x040;
export const FLAG_WRONG_TIMESTAMP = 0x080;
export const FLAG_PT_T_EVENT = 0x100;

/** RFC 3550 5.1: timestamps are modulo 2^32; distance from the first timestamp, 0..2^32-1 */
export function timestampSinceFirst(first: number, ts: number): number {
  const diff = ts - first;
  if (diff >= 0 && diff < 4294967296) return diff; // the usual case, without a floating-point modulo
  const d = diff % 4294967296;
  return d < 0 ? d + 4294967296 : d;
}

/**
 * tshark's nstime_to_msec of (frame time - first frame time), with the nanosecond borrow of nstime_delta.
 */
export function relativeMs(tsSec: number, tsNsec: number, originSec: number, originNsec: number): number {
  let sec = tsSec - originSec;
  let nsec = tsNsec - originNsec;
  if (nsec < 0 && sec > 0) {
    nsec += 1e9;
    sec -= 1;
  } else if (nsec > 0 && sec < 0) {
    nsec -= 1e9;
    sec += 1;
  }
  return sec * 1000 + nsec / 1e6;
}

const TIMED = new Float64Array(2);

export class RtpStreamStats {
  /** tshark total_nr */
  packets = 0;
  startSeq = 0;
  /** last sequence number seen (tshark's stop_seq_nr) */
  stopSeq = 0;
  seqCycles = 0;
  /** tshark's "sequence" counter: packets whose number was not the expected one */
  sequenceErrors = 0;
  flags = 0;
  /** current interarrival jitter, ms */
  jitter = 0;
  maxJitter = 0;
  meanJitter = 0;
  minJitter = -1;
  delta = 0;
  maxDelta = 0;
  minDelta = -1;
  meanDelta = 0;
  /** frame number where the max delta was seen */
  maxDeltaFrame = 0;
  diff = 0;
  skew = 0;
  maxSkew = 0;
  /** last clock rate used (0 until a packet with a known clock) */
  clockRate = 0;
  startMs = 0;
  lastMs = 0;
  firstFrame = 0;
  lastFrame = 0;

  private under = false;
  private seqNum = 0;
  /** arrival time of the last in-time-sequence packet (tshark statinfo->time) */
  private time = 0;
  private pt = -1;
  private regPt = -1;
  private lastNominal = 0;
  private firstTs = 0;
  private lastArrival = 0;

  /** tshark: expected = stop + cycles * 65536 - start + 1 */
  get expected(): number {
    return this.packets === 0 ? 0 : this.stopSeq + this.seqCycles * 65536 - this.startSeq + 1;
  }

  /** tshark: lost = expected - total_nr (negative with duplicates) */
  get lost(): number {
    return this.expected - this.packets;
  }

  /**
   * Inputs of pushTimed() that are not small integers: [0] relMs, [1] extTs. A hot caller writes them
   * here instead of passing them, because a double passed to a call V8 does not inline is boxed.
   * One array shared by all streams (it stays in the CPU cache; pushTimed reads it first thing).
   */
  readonly timed = TIMED;

  /**
   * One packet. relMs: tshark's rel_ts in ms; extTs: the RTP timestamp (raw or extended: only its value
   * modulo 2^32 relative to the first packet matters); clockRate: tsharkClockRate() (0 = no jitter); isTelephoneEvent only sets a flag.
   */
  push(
    relMs: number,
    seq: number,
    extTs: number,
    pt: number,
    marker: boolean,
    clockRate: number,
    isTelephoneEvent: boolean,
    frame: number,
  ): number {
    this.timed[0] = relMs;
    this.timed[1] = extTs;
    return this.pushTimed(seq, pt, marker, clockRate, isTelephoneEvent, frame);
  }

  /** push() with relMs and extTs taken from this.timed */
  pushTimed(seq: number, pt: number, marker: boolean, clockRate: number, isTelephoneEvent: boolean, frame: number): number {
    const relMs = this.timed[0]!;
    const extTs = this.timed[1]!;
    this.lastMs = relMs;
    this.lastFrame = frame;
    if (this.packets === 0) return this.first(relMs, seq, extTs, pt, marker, frame);
    let flags = 0;
    const sinceFirst = timestampSinceFirst(this.firstTs, extTs);
    const inTimeSequence = sinceFirst < 0x80000000;
    if (!inTimeSequence) flags |= FLAG_WRONG_TIMESTAMP;
    this.countCycles(seq, inTimeSequence);
    flags |= this.checkSequence(seq, inTimeSequence);
    if (pt === PT_CN || pt === PT_CN_OLD) flags |= FLAG_PT_CN;
    if (this.pt === PT_CN || this.pt === PT_CN_OLD) flags |= FLAG_FOLLOW_PT_CN;
    if (pt !== this.pt) flags |= FLAG_PT_CHANGE;
    this.pt = pt;
    if (isTelephoneEvent) flags |= FLAG_PT_T_EVENT;
    const currentJitter = inTimeSequence ? this.timing(relMs, sinceFirst, clockRate) : 0;
    if (marker) flags |= FLAG_MARKER;
    if ((flags & (FLAG_MARKER | FLAG_PT_CN | FLAG_WRONG_TIMESTAMP | FLAG_FOLLOW_PT_CN)) === 0) {
      this.regular(clockRate, currentJitter, frame);
    }
    if ((flags & FLAG_PT_CN) === 0) {
      if (this.pt !== this.regPt && this.regPt !== -1) flags |= FLAG_REG_PT_CHANGE;
      this.regPt = this.pt;
    }
    if (inTimeSequence) {
      this.time = relMs;
    }
    this.stopSeq = seq;
    this.packets++;
    this.flags = flags;
    return flags;
  }

  toJSON(): Record<string, number> {
    return {
      packets: this.packets,
      expected: this.expected,
      lost: this.lost,
      sequenceErrors: this.sequenceErrors,
      maxDeltaMs: this.maxDelta,
      meanDeltaMs: this.meanDelta,
      jitterMs: this.jitter,
      jitterMeanMs: this.meanJitter,
      jitterMaxMs: this.maxJitter,
    };
  }

  private first(relMs: number, seq: number, extTs: number, pt: number, marker: boolean, frame: number): number {
    this.firstTs = extTs;
    this.startSeq = this.stopSeq = this.seqNum = seq;
    this.startMs = this.time = relMs;
    this.pt = this.regPt = pt;
    this.firstFrame = frame;
    this.packets = 1;
    this.flags = FLAG_FIRST | (marker ? FLAG_MARKER : 0);
    return this.flags;
  }

  /** tshark's seq_cycles / under bookkeeping (wraps counted relative to the FIRST sequence number) */
  private countCycles(seq: number, inTime: boolean): void {
    if (!inTime) return;
    if (seq < this.startSeq && !this.under) {
      this.seqCycles++;
      this.under = true;
    } else if (seq === 0 && this.stopSeq === 65535 && !this.under) {
      this.seqCycles++;
      this.under = true;
    } else if (seq > this.startSeq && this.under) {
      this.under = false;
    }
  }

  /** tshark's sequence-error classification; C int arithmetic on 16-bit values kept as plain ints */
  private checkSequence(seq: number, inTime: boolean): number {
    const last = this.seqNum;
    if (inTime && last + 1 === seq) {
      this.seqNum = seq;
    } else if (inTime && last === 65535 && seq === 0) {
      this.seqNum = seq;
    } else if (inTime && (last + 1 < seq || last - seq > 0xff00)) {
      this.seqNum = seq;
      this.sequenceErrors++;
      return FLAG_WRONG_SEQ;
    } else if (last + 1 > seq) {
      this.sequenceErrors++;
      return FLAG_WRONG_SEQ;
    }
    return 0;
  }

  /** delta, RFC 3550 A.8 jitter and skew; returns the jitter for the mean (0 without a clock) */
  private timing(relMs: number, sinceFirst: number, clockRate: number): number {
    if (clockRate === 0) {
      this.delta = relMs - this.time;
      return 0;
    }
    this.clockRate = clockRate;
    // tshark divides by (clock_rate / 1000) in unsigned integer arithmetic: 44100 Hz -> 44
    const nominalNow = sinceFirst / Math.floor(clockRate / 1000);
    const nominalDiff = nominalNow - this.lastNominal;
    const expectedTime = this.time + nominalDiff;
    const currentDiff = Math.abs(relMs - expectedTime);
    const currentJitter = (15 * this.jitter + currentDiff) / 16;
    this.delta = relMs - this.time;
    this.jitter = currentJitter;
    this.diff = currentDiff;
    const nominal = nominalNow;
    const arrival = this.lastArrival + this.delta;
    this.skew = nominal - arrival;
    if (Math.abs(this.skew) > Math.abs(this.maxSkew)) this.maxSkew = this.skew;
    this.lastNominal = nominal;
    this.lastArrival = arrival;
    return currentJitter;
  }

  /** a "regular" packet (not first, marker, CN, after CN, or wrong timestamp) feeds delta and jitter figures */
  private regular(clockRate: number, currentJitter: number, frame: number): void {
    const n = this.packets;
    if (this.delta > this.maxDelta) {
      this.maxDelta = this.delta;
      this.maxDeltaFrame = frame;
    }
    if (this.minDelta === -1 || this.delta < this.minDelta) this.minDelta = this.delta;
    this.meanDelta = (this.meanDelta * (n - 1) + this.delta) / n;
    if (clockRate !== 0) {
      if (this.jitter > this.maxJitter) this.maxJitter = this.jitter;
      this.meanJitter = (this.meanJitter * (n - 1) + currentJitter) / n;
      if (this.minJitter === -1 || this.jitter < this.minJitter) this.minJitter = this.jitter;
    }
  }
}

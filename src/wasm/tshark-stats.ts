/**
 * AssemblyScript: tshark 4.0's rtppacket_analyse (ui/tap-rtp-analysis.c) on a stream's record, so that
 * packets, lost, max delta and mean/max jitter equal `tshark -z rtp,streams`. The notes on what 4.0 does
 * are in src/measure/rtp-stream-stats.ts (the TypeScript view of these figures).
 */
import {
  S_PACKETS, S_START_SEQ, S_STOP_SEQ, S_SEQ_CYCLES, S_SEQ_ERRORS, S_FLAGS, S_JITTER, S_MAX_JITTER,
  S_MEAN_JITTER, S_MIN_JITTER, S_DELTA, S_MAX_DELTA, S_MIN_DELTA, S_MEAN_DELTA, S_MAX_DELTA_FRAME, S_MAX_JITTER_FRAME, S_DIFF,
  S_SKEW, S_MAX_SKEW, S_CLOCK_RATE, S_START_MS, S_LAST_MS, S_FIRST_FRAME, S_LAST_FRAME, S_UNDER, S_SEQ_NUM,
  S_TIME, S_PT, S_REG_PT, S_LAST_NOMINAL, S_FIRST_TS, S_LAST_ARRIVAL, get, set
} from './record';

// tshark's STAT_FLAG_* bits (ui/tap-rtp-analysis.h)
const FLAG_FIRST: i32 = 0x001;
const FLAG_MARKER: i32 = 0x002;
const FLAG_WRONG_SEQ: i32 = 0x004;
const FLAG_PT_CHANGE: i32 = 0x008;
const FLAG_PT_CN: i32 = 0x010;
const FLAG_FOLLOW_PT_CN: i32 = 0x020;
const FLAG_REG_PT_CHANGE: i32 = 0x040;
const FLAG_WRONG_TIMESTAMP: i32 = 0x080;
const FLAG_PT_T_EVENT: i32 = 0x100;

export const PT_CN: i32 = 13;
export const PT_CN_OLD: i32 = 19;

/**
 * One packet into the tshark statistics. ts: the RTP timestamp (only its distance to the first one
 * modulo 2^32 matters); clockRate: tsharkClockRate() (0: no jitter). Answers tshark's flags.
 */
export function tsharkPush(r: u32, relMs: f64, seq: i32, ts: u32, pt: i32, marker: bool, clockRate: i32, tev: bool, frame: f64): i32 {
  set(r, S_LAST_MS, relMs);
  set(r, S_LAST_FRAME, frame);
  if (get(r, S_PACKETS) == 0) {
    set(r, S_FIRST_TS, <f64>ts);
    set(r, S_START_SEQ, seq);
    set(r, S_STOP_SEQ, seq);
    set(r, S_SEQ_NUM, seq);
    set(r, S_START_MS, relMs);
    set(r, S_TIME, relMs);
    set(r, S_PT, pt);
    set(r, S_REG_PT, pt);
    set(r, S_FIRST_FRAME, frame);
    set(r, S_PACKETS, 1);
    const first = FLAG_FIRST | (marker ? FLAG_MARKER : 0);
    set(r, S_FLAGS, first);
    return first;
  }
  let flags: i32 = 0;
  // RFC 3550 5.1: timestamps are modulo 2^32; distance from the first one
  const sinceFirst = <f64>(ts - <u32>get(r, S_FIRST_TS));
  const inTime = sinceFirst < 2147483648.0;
  if (!inTime) flags |= FLAG_WRONG_TIMESTAMP;
  countCycles(r, seq, inTime);
  flags |= checkSequence(r, seq, inTime);
  const lastPt = <i32>get(r, S_PT);
  if (pt == PT_CN || pt == PT_CN_OLD) flags |= FLAG_PT_CN;
  if (lastPt == PT_CN || lastPt == PT_CN_OLD) flags |= FLAG_FOLLOW_PT_CN;
  if (pt != lastPt) flags |= FLAG_PT_CHANGE;
  set(r, S_PT, pt);
  if (tev) flags |= FLAG_PT_T_EVENT;
  const currentJitter = inTime ? timing(r, relMs, sinceFirst, clockRate) : 0.0;
  if (marker) flags |= FLAG_MARKER;
  if ((flags & (FLAG_MARKER | FLAG_PT_CN | FLAG_WRONG_TIMESTAMP | FLAG_FOLLOW_PT_CN)) == 0) {
    regular(r, clockRate, currentJitter, frame);
  }
  if ((flags & FLAG_PT_CN) == 0) {
    const regPt = <i32>get(r, S_REG_PT);
    if (pt != regPt && regPt != -1) flags |= FLAG_REG_PT_CHANGE;
    set(r, S_REG_PT, pt);
  }
  if (inTime) set(r, S_TIME, relMs);
  set(r, S_STOP_SEQ, seq);
  set(r, S_PACKETS, get(r, S_PACKETS) + 1);
  set(r, S_FLAGS, flags);
  return flags;
}

/** tshark's seq_cycles / under bookkeeping (wraps counted relative to the FIRST sequence number) */
function countCycles(r: u32, seq: i32, inTime: bool): void {
  if (!inTime) return;
  const start = <i32>get(r, S_START_SEQ);
  const under = get(r, S_UNDER) != 0;
  if (seq < start && !under) {
    set(r, S_SEQ_CYCLES, get(r, S_SEQ_CYCLES) + 1);
    set(r, S_UNDER, 1);
  } else if (seq == 0 && <i32>get(r, S_STOP_SEQ) == 65535 && !under) {
    set(r, S_SEQ_CYCLES, get(r, S_SEQ_CYCLES) + 1);
    set(r, S_UNDER, 1);
  } else if (seq > start && under) {
    set(r, S_UNDER, 0);
  }
}

/** tshark's sequence-error classification (C int arithmetic on 16-bit values) */
function checkSequence(r: u32, seq: i32, inTime: bool): i32 {
  const last = <i32>get(r, S_SEQ_NUM);
  if (inTime && last + 1 == seq) {
    set(r, S_SEQ_NUM, seq);
  } else if (inTime && last == 65535 && seq == 0) {
    set(r, S_SEQ_NUM, seq);
  } else if (inTime && (last + 1 < seq || last - seq > 0xff00)) {
    set(r, S_SEQ_NUM, seq);
    set(r, S_SEQ_ERRORS, get(r, S_SEQ_ERRORS) + 1);
    return FLAG_WRONG_SEQ;
  } else if (last + 1 > seq) {
    set(r, S_SEQ_ERRORS, get(r, S_SEQ_ERRORS) + 1);
    return FLAG_WRONG_SEQ;
  }
  return 0;
}

/** delta, RFC 3550 A.8 jitter and skew; the jitter for the mean (0 without a clock) */
function timing(r: u32, relMs: f64, sinceFirst: f64, clockRate: i32): f64 {
  const time = get(r, S_TIME);
  if (clockRate == 0) {
    set(r, S_DELTA, relMs - time);
    return 0;
  }
  set(r, S_CLOCK_RATE, clockRate);
  // tshark divides by (clock_rate / 1000) in unsigned integer arithmetic: 44100 Hz -> 44
  const nominalNow = sinceFirst / <f64>(<u32>clockRate / 1000);
  const nominalDiff = nominalNow - get(r, S_LAST_NOMINAL);
  const expectedTime = time + nominalDiff;
  const currentDiff = Math.abs(relMs - expectedTime);
  // x / 16 and x * 0.0625 are the same double (a power of two), the multiplication is cheaper
  const currentJitter = (15 * get(r, S_JITTER) + currentDiff) * 0.0625;
  const delta = relMs - time;
  set(r, S_DELTA, delta);
  set(r, S_JITTER, currentJitter);
  set(r, S_DIFF, currentDiff);
  const arrival = get(r, S_LAST_ARRIVAL) + delta;
  const skew = nominalNow - arrival;
  set(r, S_SKEW, skew);
  if (Math.abs(skew) > Math.abs(get(r, S_MAX_SKEW))) set(r, S_MAX_SKEW, skew);
  set(r, S_LAST_NOMINAL, nominalNow);
  set(r, S_LAST_ARRIVAL, arrival);
  return currentJitter;
}

/** a "regular" packet (not first, marker, CN, after CN, or wrong timestamp) feeds delta and jitter figures */
function regular(r: u32, clockRate: i32, currentJitter: f64, frame: f64): void {
  const n = get(r, S_PACKETS);
  const delta = get(r, S_DELTA);
  if (delta > get(r, S_MAX_DELTA)) {
    set(r, S_MAX_DELTA, delta);
    set(r, S_MAX_DELTA_FRAME, frame);
  }
  const minDelta = get(r, S_MIN_DELTA);
  if (minDelta == -1 || delta < minDelta) set(r, S_MIN_DELTA, delta);
  set(r, S_MEAN_DELTA, (get(r, S_MEAN_DELTA) * (n - 1) + delta) / n);
  if (clockRate != 0) {
    const jitter = get(r, S_JITTER);
    if (jitter > get(r, S_MAX_JITTER)) {
      set(r, S_MAX_JITTER, jitter);
      set(r, S_MAX_JITTER_FRAME, frame);
    }
    set(r, S_MEAN_JITTER, (get(r, S_MEAN_JITTER) * (n - 1) + currentJitter) / n);
    const minJitter = get(r, S_MIN_JITTER);
    if (minJitter == -1 || jitter < minJitter) set(r, S_MIN_JITTER, jitter);
  }
}


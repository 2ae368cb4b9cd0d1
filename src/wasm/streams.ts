/**
 * AssemblyScript (compiled to dist/wasm/streams.wasm): the per-stream RTP figures, one record per
 * stream in this module's memory. This is the only implementation of them; the TypeScript classes
 * RtpStreamStats, SequenceTracker and RtpStreamState are views onto a record (src/measure/stream-arena.ts).
 *
 *  - tshark 4.0's rtppacket_analyse (ui/tap-rtp-analysis.c), so that packets, lost, max delta and
 *    mean/max jitter equal `tshark -z rtp,streams`: the arithmetic is the same IEEE double arithmetic,
 *    in the same order, as the TypeScript port it replaced (see the notes in src/measure/rtp-stream-stats.ts);
 *  - our own RFC 3550 A.1/A.3 sequence accounting (duplicates, out of order, longest loss burst) over a
 *    1024-bit window;
 *  - the stream's packet bookkeeping: payload types seen, first/last time, DSCP counts, DTMF packets.
 *
 * Why WebAssembly: the fast path (fast-path.ts) measures a packet of a known flow without a call into
 * JavaScript, and the code runs compiled from the first packet instead of waiting for the JIT.
 * The memory grows with the number of streams (a record is RECORD bytes); nothing else allocates.
 */

// ---- record layout: f64 slots, then the sequence window and the DSCP counts as u32 ----
// tshark statistics (RtpStreamStats)
export const S_PACKETS = 0;
export const S_START_SEQ = 1;
export const S_STOP_SEQ = 2;
export const S_SEQ_CYCLES = 3;
export const S_SEQ_ERRORS = 4;
export const S_FLAGS = 5;
export const S_JITTER = 6;
export const S_MAX_JITTER = 7;
export const S_MEAN_JITTER = 8;
export const S_MIN_JITTER = 9;
export const S_DELTA = 10;
export const S_MAX_DELTA = 11;
export const S_MIN_DELTA = 12;
export const S_MEAN_DELTA = 13;
export const S_MAX_DELTA_FRAME = 14;
export const S_DIFF = 15;
export const S_SKEW = 16;
export const S_MAX_SKEW = 17;
export const S_CLOCK_RATE = 18;
export const S_START_MS = 19;
export const S_LAST_MS = 20;
export const S_FIRST_FRAME = 21;
export const S_LAST_FRAME = 22;
const S_UNDER = 23;
const S_SEQ_NUM = 24;
const S_TIME = 25;
const S_PT = 26;
const S_REG_PT = 27;
const S_LAST_NOMINAL = 28;
const S_FIRST_TS = 29;
const S_LAST_ARRIVAL = 30;
// RFC 3550 sequence accounting (SequenceTracker)
export const Q_RECEIVED = 32;
export const Q_DUPLICATES = 33;
export const Q_OUT_OF_ORDER = 34;
export const Q_SEQ_ERRORS = 35;
export const Q_LONGEST_BURST = 36;
export const Q_RESYNCS = 37;
export const Q_STARTED = 38;
export const Q_BASE_EXT = 39;
export const Q_HIGHEST_EXT = 40;
const Q_LAST_SEQ = 41;
const Q_BAD_SEQ = 42;
const Q_RUN = 43;
const Q_FLUSHED = 44;
export const Q_EXPECTED_BEFORE = 45;
// the stream (RtpStreamState)
export const T_CACHE_PT = 48;
export const T_CACHE_CLOCK = 49;
export const T_CACHE_TEV = 50;
export const T_FIRST_PT = 51;
export const T_VOICE_PT = 52;
export const T_LAST_SEC = 53;
export const T_LAST_NSEC = 54;
export const T_RUN_DSCP = 55;
export const T_RUN_PACKETS = 56;
export const T_DSCP_MISMATCH = 57;
export const T_TEV_PACKETS = 58;
export const T_FIRST_SEC = 59;
export const T_FIRST_NSEC = 60;
/** 1: every packet of this stream goes through JavaScript (it keeps a time series there) */
export const T_JS_ONLY = 61;
const SLOTS_F64: u32 = 64;
/** the sequence window: 1024 bits */
const WINDOW: i64 = 1024;
const MASK: i64 = WINDOW - 1;
const SEEN_BYTES: u32 = <u32>(WINDOW >> 3);
/** DSCP value -> packets, except the current run (T_RUN_DSCP, T_RUN_PACKETS) */
const DSCP_BYTES: u32 = 64 * 4;
const SEEN_AT: u32 = SLOTS_F64 * 8;
const DSCP_AT: u32 = SEEN_AT + SEEN_BYTES;
export const RECORD: u32 = DSCP_AT + DSCP_BYTES;

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

const PT_CN: i32 = 13;
const PT_CN_OLD: i32 = 19;

/** RFC 3550 A.1 */
const MAX_DROPOUT: i64 = 3000;
const MAX_MISORDER: i64 = 100;
const RTP_SEQ_MOD: i64 = 0x10000;

/** packet() answer bit: the voice payload type changed (JavaScript then records its codec name) */
export const VOICE_CHANGED: i32 = 1;

const BASE: u32 = (<u32>__heap_base + 63) & ~63;
let count: u32 = 0;
let originSec: f64 = -1;
let originNsec: f64 = 0;
/** DSCP values the profile allows for RTP, as a 64-bit set */
let dscpAllowed: u64 = 0;

@inline function rec(i: u32): u32 {
  return BASE + i * RECORD;
}

@inline function get(r: u32, slot: i32): f64 {
  return load<f64>(r + (<u32>slot << 3));
}

@inline function set(r: u32, slot: i32, v: f64): void {
  store<f64>(r + (<u32>slot << 3), v);
}

/** a new stream record (all figures at their start values); its number */
export function newStream(): u32 {
  const i = count;
  const end = rec(i + 1);
  const pages = <i32>((end + 0xffff) >> 16) - memory.size();
  if (pages > 0 && memory.grow(pages) < 0) unreachable();
  const r = rec(i);
  memory.fill(r, 0, RECORD);
  set(r, S_MIN_JITTER, -1);
  set(r, S_MIN_DELTA, -1);
  set(r, S_PT, -1);
  set(r, S_REG_PT, -1);
  set(r, Q_LAST_SEQ, -1);
  set(r, Q_BAD_SEQ, -1);
  set(r, T_CACHE_PT, -1);
  set(r, T_FIRST_PT, -1);
  set(r, T_VOICE_PT, -1);
  set(r, T_RUN_DSCP, -1);
  count = i + 1;
  return i;
}

export function recordOffset(i: u32): u32 {
  return rec(i);
}

/** tshark's rel_ts origin: the capture time of the first frame */
export function setOrigin(sec: f64, nsec: f64): void {
  originSec = sec;
  originNsec = nsec;
}

export function setDscpAllowed(low: u32, high: u32): void {
  dscpAllowed = (<u64>high << 32) | <u64>low;
}

// ---------------------------------------------------------------------------------------------
// tshark statistics (the port of rtppacket_analyse; notes in src/measure/rtp-stream-stats.ts)

/** tshark's nstime_to_msec of (frame time - origin), with the nanosecond borrow of nstime_delta */
function relativeMs(tsSec: f64, tsNsec: f64): f64 {
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
    if (jitter > get(r, S_MAX_JITTER)) set(r, S_MAX_JITTER, jitter);
    set(r, S_MEAN_JITTER, (get(r, S_MEAN_JITTER) * (n - 1) + currentJitter) / n);
    const minJitter = get(r, S_MIN_JITTER);
    if (minJitter == -1 || jitter < minJitter) set(r, S_MIN_JITTER, jitter);
  }
}

// ---------------------------------------------------------------------------------------------
// RFC 3550 A.1/A.3 sequence accounting (notes in src/measure/sequence.ts)

export function seqPush(r: u32, seq: i32): void {
  set(r, Q_RECEIVED, get(r, Q_RECEIVED) + 1);
  if (get(r, Q_STARTED) == 0) {
    set(r, Q_STARTED, 1);
    seqReset(r, seq);
    set(r, Q_LAST_SEQ, seq);
    return;
  }
  if (seq != ((<i32>get(r, Q_LAST_SEQ) + 1) & 0xffff)) set(r, Q_SEQ_ERRORS, get(r, Q_SEQ_ERRORS) + 1);
  set(r, Q_LAST_SEQ, seq);
  const highest = <i64>get(r, Q_HIGHEST_EXT);
  const udelta = (<i64>seq - (highest & 0xffff)) & 0xffff;
  if (udelta == 0) {
    set(r, Q_DUPLICATES, get(r, Q_DUPLICATES) + 1);
  } else if (udelta < MAX_DROPOUT) {
    set(r, Q_BAD_SEQ, -1);
    advance(r, highest + udelta);
    mark(r, highest + udelta);
  } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
    // a very large jump: accepted only when the next packet confirms it
    if (seq == <i32>get(r, Q_BAD_SEQ)) {
      set(r, Q_RESYNCS, get(r, Q_RESYNCS) + 1);
      settleWindow(r);
      set(r, Q_EXPECTED_BEFORE, get(r, Q_EXPECTED_BEFORE) + <f64>(highest - <i64>get(r, Q_BASE_EXT) + 1));
      seqReset(r, seq);
    } else {
      set(r, Q_BAD_SEQ, (seq + 1) & 0xffff);
    }
  } else {
    late(r, highest - (RTP_SEQ_MOD - udelta));
  }
}

/** settle the packets still in the window (once, at the end of input) */
export function seqFlush(r: u32): void {
  if (get(r, Q_FLUSHED) != 0 || get(r, Q_STARTED) == 0) return;
  set(r, Q_FLUSHED, 1);
  settleWindow(r);
}

function seqReset(r: u32, seq: i32): void {
  memory.fill(r + SEEN_AT, 0, SEEN_BYTES);
  set(r, Q_BASE_EXT, seq);
  set(r, Q_HIGHEST_EXT, seq);
  mark(r, seq);
  set(r, Q_RUN, 0);
}

/** a packet older than the highest: a late arrival (fills a hole) or a duplicate */
function late(r: u32, ext: i64): void {
  if (ext < <i64>get(r, Q_BASE_EXT) || ext <= <i64>get(r, Q_HIGHEST_EXT) - WINDOW) {
    set(r, Q_OUT_OF_ORDER, get(r, Q_OUT_OF_ORDER) + 1);
    return;
  }
  if (isSeen(r, ext)) {
    set(r, Q_DUPLICATES, get(r, Q_DUPLICATES) + 1);
  } else {
    mark(r, ext);
    set(r, Q_OUT_OF_ORDER, get(r, Q_OUT_OF_ORDER) + 1);
  }
}

/** move the highest sequence to ext, settling the numbers that leave the window */
function advance(r: u32, ext: i64): void {
  const highest = <i64>get(r, Q_HIGHEST_EXT);
  const base = <i64>get(r, Q_BASE_EXT);
  const from = highest + 1;
  const steps = ext - highest;
  const reuse = steps < WINDOW ? steps : WINDOW;
  for (let i: i64 = 0; i < reuse; i++) {
    if (from + i - WINDOW >= base) settle(r, isSeen(r, from + i));
    unmark(r, from + i);
  }
  for (let i: i64 = WINDOW; i < steps; i++) settle(r, false);
  set(r, Q_HIGHEST_EXT, <f64>ext);
}

function settleWindow(r: u32): void {
  const highest = <i64>get(r, Q_HIGHEST_EXT);
  let start = highest - WINDOW + 1;
  const base = <i64>get(r, Q_BASE_EXT);
  if (start < base) start = base;
  for (let s = start; s <= highest; s++) settle(r, isSeen(r, s));
  set(r, Q_RUN, 0);
}

@inline function bitAddr(r: u32, ext: i64): u32 {
  return r + SEEN_AT + ((<u32>(ext & MASK) >> 5) << 2);
}

@inline function bit(ext: i64): u32 {
  return <u32>1 << (<u32>(ext & 31));
}

function isSeen(r: u32, ext: i64): bool {
  return (load<u32>(bitAddr(r, ext)) & bit(ext)) != 0;
}

function mark(r: u32, ext: i64): void {
  const a = bitAddr(r, ext);
  store<u32>(a, load<u32>(a) | bit(ext));
}

function unmark(r: u32, ext: i64): void {
  const a = bitAddr(r, ext);
  store<u32>(a, load<u32>(a) & ~bit(ext));
}

function settle(r: u32, received: bool): void {
  if (received) {
    set(r, Q_RUN, 0);
    return;
  }
  const run = get(r, Q_RUN) + 1;
  set(r, Q_RUN, run);
  if (run > get(r, Q_LONGEST_BURST)) set(r, Q_LONGEST_BURST, run);
}

// ---------------------------------------------------------------------------------------------
// the stream's packet (RtpStreamState.push, numbers only)

/**
 * One RTP packet of stream i, after the payload lookup (T_CACHE_*) is current for pt. Answers
 * VOICE_CHANGED when pt became the voice payload type.
 */
export function packet(i: u32, tsSec: f64, tsNsec: f64, frame: f64, seq: i32, ts: u32, pt: i32, marker: bool, dscp: i32): i32 {
  const r = rec(i);
  const tev = get(r, T_CACHE_TEV) != 0;
  tsharkPush(r, relativeMs(tsSec, tsNsec), seq, ts, pt, marker, <i32>get(r, T_CACHE_CLOCK), tev, frame);
  seqPush(r, seq);
  if (get(r, T_FIRST_PT) < 0) {
    set(r, T_FIRST_PT, pt);
    set(r, T_FIRST_SEC, tsSec);
    set(r, T_FIRST_NSEC, tsNsec);
  }
  set(r, T_LAST_SEC, tsSec);
  set(r, T_LAST_NSEC, tsNsec);
  let answer: i32 = 0;
  if (tev) {
    set(r, T_TEV_PACKETS, get(r, T_TEV_PACKETS) + 1);
  } else if (pt != PT_CN && pt != PT_CN_OLD && pt != <i32>get(r, T_VOICE_PT)) {
    set(r, T_VOICE_PT, pt);
    answer = VOICE_CHANGED;
  }
  const d = dscp & 63;
  if (<f64>d == get(r, T_RUN_DSCP)) {
    set(r, T_RUN_PACKETS, get(r, T_RUN_PACKETS) + 1);
  } else {
    const run = get(r, T_RUN_DSCP);
    if (run >= 0) {
      const a = r + DSCP_AT + (<u32>run << 2);
      store<u32>(a, load<u32>(a) + <u32>get(r, T_RUN_PACKETS));
    }
    set(r, T_RUN_DSCP, d);
    set(r, T_RUN_PACKETS, 1);
  }
  if (((dscpAllowed >> <u64>d) & 1) == 0) set(r, T_DSCP_MISMATCH, get(r, T_DSCP_MISMATCH) + 1);
  return answer;
}

/**
 * The fast path's packet: measured here when nothing about it needs JavaScript (same payload type as
 * the cached lookup, no new voice payload type, no time series); answers 1, else 0 and changes nothing.
 */
export function fastPacket(i: u32, tsSec: f64, tsNsec: f64, frame: f64, seq: i32, ts: u32, b1: i32, dscp: i32): i32 {
  const r = rec(i);
  const pt = b1 & 0x7f;
  if (<f64>pt != get(r, T_CACHE_PT) || get(r, T_JS_ONLY) != 0) return 0;
  if (get(r, T_CACHE_TEV) == 0 && pt != PT_CN && pt != PT_CN_OLD && <f64>pt != get(r, T_VOICE_PT)) return 0;
  packet(i, tsSec, tsNsec, frame, seq, ts, pt, (b1 & 0x80) != 0, dscp);
  return 1;
}

/** packets of stream i with this DSCP value */
export function dscpCount(i: u32, dscp: i32): f64 {
  const r = rec(i);
  const before = <f64>load<u32>(r + DSCP_AT + (<u32>dscp << 2));
  return before + (<f64>dscp == get(r, T_RUN_DSCP) ? get(r, T_RUN_PACKETS) : 0);
}

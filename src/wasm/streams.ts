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

import {
  S_MIN_JITTER, S_MIN_DELTA, S_PT, S_REG_PT, Q_LAST_SEQ, Q_BAD_SEQ, T_CACHE_PT, T_CACHE_CLOCK, T_CACHE_TEV,
  T_FIRST_PT, T_VOICE_PT, T_LAST_SEC, T_LAST_NSEC, T_RUN_DSCP, T_RUN_PACKETS, T_DSCP_MISMATCH, T_TEV_PACKETS,
  T_FIRST_SEC, T_FIRST_NSEC, T_JS_ONLY, Q_DUPLICATES, Q_RESYNCS, Q_FIRST_DUP_FRAME, Q_RESET_FRAME, T_PREV_FRAME,
  DSCP_AT, RECORD, rec, get, set
} from './record';
import { PT_CN, PT_CN_OLD, tsharkPush } from './tshark-stats';
import { seqPush } from './sequence';

// the module's exports besides those below: the record layout (checked by stream-arena.ts) and the figures' own steps
export {
  RECORD, S_PACKETS, S_START_SEQ, S_STOP_SEQ, S_SEQ_CYCLES, S_SEQ_ERRORS, S_FLAGS, S_JITTER, S_MAX_JITTER,
  S_MEAN_JITTER, S_MIN_JITTER, S_DELTA, S_MAX_DELTA, S_MIN_DELTA, S_MEAN_DELTA, S_MAX_DELTA_FRAME, S_DIFF,
  S_SKEW, S_MAX_SKEW, S_CLOCK_RATE, S_START_MS, S_LAST_MS, S_FIRST_FRAME, S_LAST_FRAME, Q_RECEIVED,
  Q_DUPLICATES, Q_OUT_OF_ORDER, Q_SEQ_ERRORS, Q_LONGEST_BURST, Q_RESYNCS, Q_STARTED, Q_BASE_EXT,
  Q_HIGHEST_EXT, Q_EXPECTED_BEFORE, Q_LOSS_RUNS, T_CACHE_PT, T_CACHE_CLOCK, T_CACHE_TEV, T_FIRST_PT, T_VOICE_PT,
  T_LAST_SEC, T_LAST_NSEC, T_RUN_DSCP, T_RUN_PACKETS, T_DSCP_MISMATCH, T_TEV_PACKETS, T_FIRST_SEC,
  T_FIRST_NSEC, T_JS_ONLY, S_MAX_JITTER_FRAME, Q_FIRST_DUP_FRAME, Q_RESET_FRAME, T_PREV_FRAME
} from './record';
export { tsharkPush } from './tshark-stats';
export { seqPush, seqFlush } from './sequence';

/** packet() answer bit: the voice payload type changed (JavaScript then records its codec name) */
export const VOICE_CHANGED: i32 = 1;

let count: u32 = 0;
let originSec: f64 = -1;
let originNsec: f64 = 0;
/** DSCP values the profile allows for RTP, as a 64-bit set */
let dscpAllowed: u64 = 0;

/** records freed by freeStream(), as a list linked through their slot 0 (-1: none) */
let freeHead: i32 = -1;
let freeCount: u32 = 0;

/** a new stream record (all figures at their start values): a freed one when there is one; its number */
export function newStream(): u32 {
  let i = count;
  if (freeHead >= 0) {
    i = <u32>freeHead;
    freeHead = <i32>get(rec(i), 0);
    freeCount--;
  } else {
    const end = rec(i + 1);
    const pages = <i32>((end + 0xffff) >> 16) - memory.size();
    if (pages > 0 && memory.grow(pages) < 0) unreachable();
    count = i + 1;
  }
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
  return i;
}

/** stream i is retired: its record goes back to newStream() (memory stays flat over any running time) */
export function freeStream(i: u32): void {
  set(rec(i), 0, <f64>freeHead);
  freeHead = <i32>i;
  freeCount++;
}

/** records in use (made and not freed) */
export function liveStreams(): u32 {
  return count - freeCount;
}

/** records made so far (the memory holds this many) */
export function recordCount(): u32 {
  return count;
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

// the stream's packet (RtpStreamState.push, numbers only)

/**
 * One RTP packet of stream i, after the payload lookup (T_CACHE_*) is current for pt. Answers
 * VOICE_CHANGED when pt became the voice payload type.
 */
export function packet(i: u32, tsSec: f64, tsNsec: f64, frame: f64, seq: i32, ts: u32, pt: i32, marker: bool, dscp: i32): i32 {
  const r = rec(i);
  const tev = get(r, T_CACHE_TEV) != 0;
  tsharkPush(r, relativeMs(tsSec, tsNsec), seq, ts, pt, marker, <i32>get(r, T_CACHE_CLOCK), tev, frame);
  const dups = get(r, Q_DUPLICATES);
  const resyncs = get(r, Q_RESYNCS);
  seqPush(r, seq);
  // where the loss figures stop meaning what tshark says: the first duplicate, and the first restart
  // (A.1 confirms a restart on its second packet, so the restart began at the stream's previous packet)
  if (get(r, Q_DUPLICATES) != dups && get(r, Q_FIRST_DUP_FRAME) == 0) set(r, Q_FIRST_DUP_FRAME, frame);
  if (get(r, Q_RESYNCS) != resyncs && get(r, Q_RESET_FRAME) == 0) set(r, Q_RESET_FRAME, get(r, T_PREV_FRAME));
  set(r, T_PREV_FRAME, frame);
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
  // a negative DSCP is unknown (a datagram source that cannot read it): not counted, not a mismatch
  if (dscp < 0) return answer;
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

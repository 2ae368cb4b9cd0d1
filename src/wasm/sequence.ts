/**
 * AssemblyScript: our own RFC 3550 A.1/A.3 sequence accounting on a stream's record (duplicates, out of
 * order, longest loss burst, resynchronisations) over a 1024-bit window of recent extended sequence
 * numbers. The notes are in src/measure/sequence.ts (the TypeScript view of these figures).
 */
import {
  Q_RECEIVED, Q_DUPLICATES, Q_OUT_OF_ORDER, Q_SEQ_ERRORS, Q_LONGEST_BURST, Q_RESYNCS, Q_STARTED, Q_BASE_EXT,
  Q_HIGHEST_EXT, Q_LAST_SEQ, Q_BAD_SEQ, Q_RUN, Q_FLUSHED, Q_EXPECTED_BEFORE, WINDOW, MASK, SEEN_BYTES,
  SEEN_AT, Q_LOSS_RUNS, get, set
} from './record';

/** RFC 3550 A.1 */
const MAX_DROPOUT: i64 = 3000;
const MAX_MISORDER: i64 = 100;
const RTP_SEQ_MOD: i64 = 0x10000;

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
  if (run == 1) set(r, Q_LOSS_RUNS, get(r, Q_LOSS_RUNS) + 1);
  if (run > get(r, Q_LONGEST_BURST)) set(r, Q_LONGEST_BURST, run);
}


/**
 * AssemblyScript: the layout of a stream's record in this module's memory (see streams.ts). f64 slots
 * first, then the RFC 3550 sequence window and the DSCP counts as u32. The TypeScript side reads the
 * public slots through src/measure/stream-arena.ts, whose SLOT table is checked against these numbers.
 */

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
export const S_UNDER = 23;
export const S_SEQ_NUM = 24;
export const S_TIME = 25;
export const S_PT = 26;
export const S_REG_PT = 27;
export const S_LAST_NOMINAL = 28;
export const S_FIRST_TS = 29;
export const S_LAST_ARRIVAL = 30;
/** frame number where the max jitter was reached (the spike's packet; 0: none yet) */
export const S_MAX_JITTER_FRAME = 31;
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
export const Q_LAST_SEQ = 41;
export const Q_BAD_SEQ = 42;
export const Q_RUN = 43;
export const Q_FLUSHED = 44;
export const Q_EXPECTED_BEFORE = 45;
/** loss runs: how many times a run of consecutive lost packets began (settled numbers only) */
export const Q_LOSS_RUNS = 46;
/** frame number of the first duplicate (0: none) */
export const Q_FIRST_DUP_FRAME = 47;
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
/** frame number of the first packet of the first restarted sequence (RFC 3550 A.1 resync; 0: none) */
export const Q_RESET_FRAME = 62;
/** frame number of the stream's previous packet */
export const T_PREV_FRAME = 63;
export const SLOTS_F64: u32 = 64;
/** the sequence window: 1024 bits */
export const WINDOW: i64 = 1024;
export const MASK: i64 = WINDOW - 1;
export const SEEN_BYTES: u32 = <u32>(WINDOW >> 3);
/** DSCP value -> packets, except the current run (T_RUN_DSCP, T_RUN_PACKETS) */
export const DSCP_BYTES: u32 = 64 * 4;
export const SEEN_AT: u32 = SLOTS_F64 * 8;
export const DSCP_AT: u32 = SEEN_AT + SEEN_BYTES;
export const RECORD: u32 = DSCP_AT + DSCP_BYTES;

export const BASE: u32 = (<u32>__heap_base + 63) & ~63;

@inline export function rec(i: u32): u32 {
  return BASE + i * RECORD;
}

@inline export function get(r: u32, slot: i32): f64 {
  return load<f64>(r + (<u32>slot << 3));
}

@inline export function set(r: u32, slot: i32, v: f64): void {
  store<f64>(r + (<u32>slot << 3), v);
}

/**
 * The per-stream figures live in WebAssembly memory (src/wasm/streams.ts, built to dist/wasm/streams.wasm):
 * one instance per StreamTable, one record per stream. This file loads the module and gives the
 * TypeScript side typed views onto a record; RtpStreamStats, SequenceTracker and RtpStreamState read
 * their figures through it. The record layout (slot numbers) is src/wasm/record.ts; SLOT below repeats
 * the public slots as a literal (so reads compile to constant offsets) and every new arena checks it
 * against the module's exports.
 */
import { readFileSync } from 'node:fs';
import { packageFile } from '../package-root.js';

interface Global {
  value: number;
}

export interface StreamsExports {
  memory: WebAssembly.Memory;
  RECORD: Global;
  newStream(): number;
  freeStream(i: number): void;
  liveStreams(): number;
  recordCount(): number;
  recordOffset(i: number): number;
  setOrigin(sec: number, nsec: number): void;
  setDscpAllowed(low: number, high: number): void;
  tsharkPush(r: number, relMs: number, seq: number, ts: number, pt: number, marker: number, clockRate: number, tev: number, frame: number): number;
  seqPush(r: number, seq: number): void;
  seqFlush(r: number): void;
  packet(i: number, tsSec: number, tsNsec: number, frame: number, seq: number, ts: number, pt: number, marker: number, dscp: number): number;
  fastPacket(i: number, tsSec: number, tsNsec: number, frame: number, seq: number, ts: number, b1: number, dscp: number): number;
  dscpCount(i: number, dscp: number): number;
}

const WASM_FILE = packageFile('dist', 'wasm', 'streams.wasm');
let compiled: WebAssembly.Module | undefined;

function module(): WebAssembly.Module {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(readFileSync(WASM_FILE));
    } catch (e) {
      throw new Error(`the stream statistics module is not built or not readable (${(e as Error).message}): run npm run build`);
    }
  }
  return compiled;
}

/**
 * The record's f64 slots as the TypeScript side reads them. streams.ts exports the same numbers
 * (S_*, Q_*, T_*); StreamArena checks every one of them against this table when it starts, so the two
 * cannot drift apart unnoticed. A literal, so that reads compile to constant offsets.
 */
export const SLOT = {
  S_PACKETS: 0, S_START_SEQ: 1, S_STOP_SEQ: 2, S_SEQ_CYCLES: 3, S_SEQ_ERRORS: 4, S_FLAGS: 5, S_JITTER: 6,
  S_MAX_JITTER: 7, S_MEAN_JITTER: 8, S_MIN_JITTER: 9, S_DELTA: 10, S_MAX_DELTA: 11, S_MIN_DELTA: 12,
  S_MEAN_DELTA: 13, S_MAX_DELTA_FRAME: 14, S_DIFF: 15, S_SKEW: 16, S_MAX_SKEW: 17, S_CLOCK_RATE: 18,
  S_START_MS: 19, S_LAST_MS: 20, S_FIRST_FRAME: 21, S_LAST_FRAME: 22, Q_RECEIVED: 32, Q_DUPLICATES: 33,
  Q_OUT_OF_ORDER: 34, Q_SEQ_ERRORS: 35, Q_LONGEST_BURST: 36, Q_RESYNCS: 37, Q_STARTED: 38, Q_BASE_EXT: 39,
  Q_HIGHEST_EXT: 40, Q_EXPECTED_BEFORE: 45, Q_LOSS_RUNS: 46, T_CACHE_PT: 48, T_CACHE_CLOCK: 49, T_CACHE_TEV: 50,
  T_FIRST_PT: 51, T_VOICE_PT: 52, T_LAST_SEC: 53, T_LAST_NSEC: 54, T_RUN_DSCP: 55, T_RUN_PACKETS: 56,
  T_DSCP_MISMATCH: 57, T_TEV_PACKETS: 58, T_FIRST_SEC: 59, T_FIRST_NSEC: 60, T_JS_ONLY: 61,
  S_MAX_JITTER_FRAME: 31, Q_FIRST_DUP_FRAME: 47, Q_RESET_FRAME: 62, T_PREV_FRAME: 63,
} as const;

export class StreamArena {
  readonly x: StreamsExports;
  /** views of the instance's memory; replaced when the memory grows (only newRecord() grows it) */
  f64: Float64Array;
  private static sharedArena: StreamArena | null = null;

  constructor() {
    const inst = new WebAssembly.Instance(module(), { env: { abort: () => { throw new Error('stream statistics: abort'); } } });
    this.x = inst.exports as unknown as StreamsExports;
    checkLayout(inst.exports);
    this.f64 = new Float64Array(this.x.memory.buffer);
  }

  /** one arena for records made without a table (tests, benchmarks) */
  static shared(): StreamArena {
    return (StreamArena.sharedArena ??= new StreamArena());
  }

  /** a new record: its number and its first f64 index in f64 */
  newRecord(): { index: number; byteOffset: number } {
    const index = this.x.newStream();
    if (this.f64.buffer !== this.x.memory.buffer) this.f64 = new Float64Array(this.x.memory.buffer);
    return { index, byteOffset: this.x.recordOffset(index) };
  }

  /** record `index` is no longer used (its stream retired): newRecord() hands it out again */
  free(index: number): void {
    this.x.freeStream(index);
  }

  /** records in use, and records the memory holds (in use + free) */
  get inUse(): number {
    return this.x.liveStreams();
  }

  get allocated(): number {
    return this.x.recordCount();
  }

  setOrigin(sec: number, nsec: number): void {
    this.x.setOrigin(sec, nsec);
  }

  /**
   * the DSCP values allowed for RTP (packets with others count as mismatches); an empty list allows
   * every value, as the grader does (src/verdict/stream-grade.ts acceptsDscp): no mismatch is counted
   */
  setDscpAllowed(values: readonly number[]): void {
    if (values.length === 0) {
      this.x.setDscpAllowed(0xffffffff, 0xffffffff);
      return;
    }
    let low = 0;
    let high = 0;
    for (const d of values) {
      if (d >= 0 && d < 32) low |= 1 << d;
      else if (d >= 32 && d < 64) high |= 1 << (d - 32);
    }
    this.x.setDscpAllowed(low >>> 0, high >>> 0);
  }
}

/** the module's exported slot numbers must be SLOT's, name for name */
function checkLayout(exports: WebAssembly.Exports): void {
  const exported = Object.entries(exports).filter(([k]) => /^[SQT]_[A-Z_]+$/.test(k));
  const ours = Object.entries(SLOT);
  const same = exported.length === ours.length && exported.every(([k, v]) => (SLOT as Record<string, number>)[k] === (v as Global).value);
  if (!same) throw new Error('dist/wasm/streams.wasm does not match src/measure/stream-arena.ts (record layout): run npm run build');
}

/** a record of an arena as the TypeScript classes see it */
export class StreamRecord {
  readonly arena: StreamArena;
  readonly index: number;
  /** byte offset of the record in the module's memory */
  readonly byteOffset: number;
  /** f64 index of the record's slot 0 */
  readonly at: number;

  constructor(arena: StreamArena = StreamArena.shared()) {
    const r = arena.newRecord();
    this.arena = arena;
    this.index = r.index;
    this.byteOffset = r.byteOffset;
    this.at = r.byteOffset / 8;
  }

  get(slot: number): number {
    return this.arena.f64[this.at + slot]!;
  }

  set(slot: number, v: number): void {
    this.arena.f64[this.at + slot] = v;
  }
}

/**
 * The per-stream figures live in WebAssembly memory (src/wasm/streams.ts, built to dist/wasm/streams.wasm):
 * one instance per StreamTable, one record per stream. This file loads the module and gives the
 * TypeScript side typed views onto a record; RtpStreamStats, SequenceTracker and RtpStreamState read
 * their figures through it. The record layout (slot numbers) comes from the module's own exports, so it
 * is written down once, in streams.ts.
 */
import { readFileSync } from 'node:fs';

interface Global {
  value: number;
}

export interface StreamsExports {
  memory: WebAssembly.Memory;
  RECORD: Global;
  newStream(): number;
  recordOffset(i: number): number;
  setOrigin(sec: number, nsec: number): void;
  setDscpAllowed(low: number, high: number): void;
  tsharkPush(r: number, relMs: number, seq: number, ts: number, pt: number, marker: number, clockRate: number, tev: number, frame: number): number;
  seqPush(r: number, seq: number): void;
  seqFlush(r: number): void;
  packet(i: number, tsSec: number, tsNsec: number, frame: number, seq: number, ts: number, pt: number, marker: number, dscp: number): number;
  fastPacket(i: number, tsSec: number, tsNsec: number, frame: number, seq: number, ts: number, b1: number, dscp: number): number;
  dscpCount(i: number, dscp: number): number;
  [slot: string]: unknown;
}

const WASM_URL = new URL('../../dist/wasm/streams.wasm', import.meta.url);
let compiled: WebAssembly.Module | undefined;

function module(): WebAssembly.Module {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(readFileSync(WASM_URL));
    } catch (e) {
      throw new Error(`the stream statistics module is not built or not readable (${(e as Error).message}): run npm run build`);
    }
  }
  return compiled;
}

/** slot numbers of the record, read from the module's exports (S_*, Q_*, T_*) */
export interface RecordSlots {
  readonly [name: string]: number;
}

export class StreamArena {
  readonly x: StreamsExports;
  /** the record layout: slot name -> f64 index within a record */
  readonly slot: RecordSlots;
  /** views of the instance's memory; replaced when the memory grows (only newRecord() grows it) */
  f64: Float64Array;
  private static sharedArena: StreamArena | null = null;

  constructor() {
    const inst = new WebAssembly.Instance(module(), { env: { abort: () => { throw new Error('stream statistics: abort'); } } });
    this.x = inst.exports as unknown as StreamsExports;
    const slot: Record<string, number> = {};
    for (const [k, v] of Object.entries(inst.exports)) {
      if (/^[SQT]_[A-Z_]+$/.test(k)) slot[k] = (v as Global).value;
    }
    this.slot = slot;
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

  setOrigin(sec: number, nsec: number): void {
    this.x.setOrigin(sec, nsec);
  }

  /** the DSCP values allowed for RTP (packets with others count as mismatches) */
  setDscpAllowed(values: readonly number[]): void {
    let low = 0;
    let high = 0;
    for (const d of values) {
      if (d >= 0 && d < 32) low |= 1 << d;
      else if (d >= 32 && d < 64) high |= 1 << (d - 32);
    }
    this.x.setDscpAllowed(low >>> 0, high >>> 0);
  }
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

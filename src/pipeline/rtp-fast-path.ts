/**
 * The JavaScript side of the WebAssembly fast path (src/wasm/fast-path.ts): loads the module once per
 * process and gives each analysis its own instance, linked to that analysis' stream records
 * (src/measure/stream-arena.ts), and the capture reader's chunk buffer, which lives in the instance's
 * memory so that records are decoded where they were read.
 *
 * The fast path only measures packets of flows the TypeScript pipeline bound after classifying one of
 * their packets itself; everything else, and everything when the module is not built, takes the
 * TypeScript path. The figures are the same either way (test/unit/pipeline/rtp-fast-path.test.ts).
 */
import { readFileSync } from 'node:fs';
import { packageFile } from '../package-root.js';
import type { StreamArena } from '../measure/stream-arena.js';
import type { PcapLayout, PcapngInterfaces } from '../capture/record.js';

interface FastPathExports {
  memory: WebAssembly.Memory;
  chunkOffset(): number;
  chunkSize(): number;
  measure(addr: number, capLen: number, linkType: number, tsSec: number, tsNsec: number, frame: number): number;
  measuredPackets(): number;
  bind(addr: number, capLen: number, linkType: number, stream: number): number;
  unbindEndpoint(addr4: number, port: number): void;
  unbindStream(stream: number): void;
  walkPcap(start: number, end: number, le: number, nsMul: number, snapLen: number, linkType: number, second: number, firstFrame: number): number;
  runRecordCount(): number;
  runWireBytes(): number;
  runLatestNsec(): number;
  setInterface(i: number, linkType: number, snapLen: number, exponent: number): void;
  setInterfaceCount(n: number): void;
  walkPcapng(start: number, end: number, le: number, linkType: number, second: number, firstFrame: number): number;
}

const WASM_FILE = packageFile('dist', 'wasm', 'fast-path.wasm');

let compiled: WebAssembly.Module | null | undefined;

/** the compiled module, or null when dist/wasm/fast-path.wasm is missing (not built) */
function module(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(readFileSync(WASM_FILE));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

export class RtpFastPath {
  /** the capture reader's chunk: a view of the instance's memory */
  readonly chunk: Buffer;
  private readonly x: FastPathExports;
  private readonly memory: ArrayBuffer;
  /** the last buffer asked about and its answer (Buffer.buffer is a slow call; records share their chunk) */
  private lastBuf: Buffer | undefined = undefined;
  private lastBase = -1;

  private constructor(x: FastPathExports) {
    this.x = x;
    const chunkAt = x.chunkOffset();
    this.memory = x.memory.buffer; // fixed size from here on: the module never grows its memory again
    this.chunk = Buffer.from(this.memory, chunkAt, x.chunkSize());
  }

  /** a new instance measuring into the arena's stream records, or null when the module is not available */
  static create(arena: StreamArena): RtpFastPath | null {
    const m = module();
    if (m === null) return null;
    const inst = new WebAssembly.Instance(m, {
      env: { abort: () => { throw new Error('fast path: abort'); } },
      streams: { fastPacket: arena.x.fastPacket },
    });
    return new RtpFastPath(inst.exports as unknown as FastPathExports);
  }

  /** RTP packets measured by the fast path */
  get measured(): number {
    return this.x.measuredPackets();
  }

  /** where the frame of a record starts in the instance's memory, or -1 when it is elsewhere */
  addressOf(buf: Buffer | undefined, dataOffset: number | undefined): number {
    if (buf !== this.lastBuf) {
      this.lastBuf = buf;
      this.lastBase = buf !== undefined && buf.buffer === this.memory ? buf.byteOffset : -1;
    }
    return this.lastBase < 0 ? -1 : this.lastBase + (dataOffset ?? 0);
  }

  /** measure the frame at addr when it is an RTP packet of a bound flow (true); false: nothing changed */
  measure(addr: number, capLen: number, linkType: number, tsSec: number, tsNsec: number, frame: number): boolean {
    return this.x.measure(addr, capLen, linkType, tsSec, tsNsec, frame) !== 0;
  }

  /**
   * Classic pcap records at [start, end) of the instance's memory, taken while each is captured in
   * `second` and measured by the fast path: the address after the last one taken (start: none); then
   * runRecords / runBytes / runLatestNsec tell what was taken.
   */
  walkPcap(start: number, end: number, layout: PcapLayout, second: number, firstFrame: number): number {
    return this.x.walkPcap(start, end, layout.le ? 1 : 0, layout.nsMul, layout.snapLen, layout.linkType, second, firstFrame);
  }

  /**
   * pcapng enhanced packet blocks at [start, end) of the instance's memory, as walkPcap does for pcap
   * records, all of link type linkType; the section's interfaces must have been given (setInterfaces).
   */
  walkPcapng(start: number, end: number, le: boolean, linkType: number, second: number, firstFrame: number): number {
    return this.x.walkPcapng(start, end, le ? 1 : 0, linkType, second, firstFrame);
  }

  /** the interfaces of the current pcapng section (only decimal timestamp resolutions are walked here) */
  setInterfaces(section: PcapngInterfaces): void {
    const n = Math.min(section.count, 256);
    for (let i = 0; i < n; i++) {
      const d = section.describe(i);
      const decimal = (d.tsresol & 0x80) === 0 && d.tsresol <= 9;
      this.x.setInterface(i, d.linkType, d.snapLen, decimal ? d.tsresol : -1);
    }
    this.x.setInterfaceCount(n);
  }

  get runRecords(): number {
    return this.x.runRecordCount();
  }

  /** the taken records' lengths on the wire */
  get runBytes(): number {
    return this.x.runWireBytes();
  }

  get runLatestNsec(): number {
    return this.x.runLatestNsec();
  }

  /** bind the flow of the frame at addr to a stream record (no-op when the fast path cannot decode it) */
  bind(addr: number, capLen: number, linkType: number, stream: number): void {
    this.x.bind(addr, capLen, linkType, stream);
  }

  /** stream record `stream` retired: forget the flows bound to it (the record will be reused) */
  unbindStream(stream: number): void {
    this.x.unbindStream(stream);
  }

  /** an SDP named addrKey:port: forget the bindings that use it (their classification may change) */
  unbindEndpoint(addrKey: number, port: number): void {
    if (addrKey < 4294967296) this.x.unbindEndpoint(addrKey, port);
  }
}

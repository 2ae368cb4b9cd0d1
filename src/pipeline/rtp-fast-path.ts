/**
 * The JavaScript side of the WebAssembly fast path (src/wasm/fast-path.ts): loads the module once per
 * process, gives each Analyzer its own instance (bindings are per analysis), and exposes the capture
 * reader's chunk buffer, which lives in the instance's memory so that records are decoded in place.
 *
 * The fast path only recognises packets of flows the TypeScript pipeline bound after classifying one
 * of their packets itself; everything else, and everything when the module is not built, takes the
 * TypeScript path. The figures are the same either way (test/unit/pipeline/rtp-fast-path.test.ts).
 */
import { readFileSync } from 'node:fs';

interface FastPathExports {
  memory: WebAssembly.Memory;
  chunkOffset(): number;
  chunkSize(): number;
  scratchOffset(): number;
  classify(addr: number, capLen: number, linkType: number): number;
  bind(addr: number, capLen: number, linkType: number, stream: number, conv: number): number;
  unbindEndpoint(addr4: number, port: number): void;
  clear(): void;
}

/** scratch words written by classify(): [stream, conversation, sequence, timestamp, octet 1, DSCP] */
export const FAST_STREAM = 0;
export const FAST_CONV = 1;
export const FAST_SEQ = 2;
export const FAST_TS = 3;
export const FAST_B1 = 4;
export const FAST_DSCP = 5;

const WASM_URL = new URL('../../dist/wasm/fast-path.wasm', import.meta.url);

let compiled: WebAssembly.Module | null | undefined;

/** the compiled module, or null when dist/wasm/fast-path.wasm is missing (not built) */
function module(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(readFileSync(WASM_URL));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

export class RtpFastPath {
  /** the capture reader's chunk: a view of the instance's memory */
  readonly chunk: Buffer;
  /** classify()'s answers (see FAST_*) */
  readonly scratch: Int32Array;
  private readonly x: FastPathExports;
  private readonly memory: ArrayBuffer;
  /** the last buffer asked about and its answer (Buffer.buffer is a slow call; records share their chunk) */
  private lastBuf: Buffer | undefined = undefined;
  private lastBase = -1;

  private constructor(x: FastPathExports) {
    this.x = x;
    const chunkAt = x.chunkOffset();
    const scratchAt = x.scratchOffset();
    this.memory = x.memory.buffer; // fixed size from here on: the module never grows its memory again
    this.chunk = Buffer.from(this.memory, chunkAt, x.chunkSize());
    this.scratch = new Int32Array(this.memory, scratchAt, 8);
  }

  /** a new instance (its own bindings), or null when the module is not available */
  static create(): RtpFastPath | null {
    const m = module();
    if (m === null) return null;
    const inst = new WebAssembly.Instance(m, { env: { abort: () => { throw new Error('fast path: abort'); } } });
    return new RtpFastPath(inst.exports as unknown as FastPathExports);
  }

  /** where the frame of a record starts in the instance's memory, or -1 when it is elsewhere */
  addressOf(buf: Buffer | undefined, dataOffset: number | undefined): number {
    if (buf !== this.lastBuf) {
      this.lastBuf = buf;
      this.lastBase = buf !== undefined && buf.buffer === this.memory ? buf.byteOffset : -1;
    }
    return this.lastBase < 0 ? -1 : this.lastBase + (dataOffset ?? 0);
  }

  /** stream number + 1 when the frame at addr is an RTP packet of a bound flow (scratch filled), else 0 */
  classify(addr: number, capLen: number, linkType: number): number {
    return this.x.classify(addr, capLen, linkType);
  }

  /** bind the flow of the frame at addr to a stream and conversation (no-op when the fast path cannot decode it) */
  bind(addr: number, capLen: number, linkType: number, stream: number, conv: number): void {
    this.x.bind(addr, capLen, linkType, stream, conv);
  }

  /** an SDP named addrKey:port: forget the bindings that use it (their classification may change) */
  unbindEndpoint(addrKey: number, port: number): void {
    if (addrKey < 4294967296) this.x.unbindEndpoint(addrKey, port);
  }
}

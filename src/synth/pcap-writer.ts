/**
 * Classic libpcap writer: global header, then a 16-byte record header per frame. Either byte
 * order, microsecond (magic a1b2c3d4) or nanosecond (magic a1b23c4d) timestamps.
 */
import { ByteSink } from './byte-sink.js';

export interface PcapWriterOptions {
  linkType: number;
  byteOrder?: 'le' | 'be';
  /** nanosecond timestamps (default microseconds) */
  nsec?: boolean;
  snapLen?: number;
}

export class PcapWriter {
  readonly nsec: boolean;
  private readonly sink: ByteSink;
  private readonly le: boolean;
  private readonly snapLen: number;
  records = 0;

  constructor(path: string, opts: PcapWriterOptions) {
    this.sink = new ByteSink(path);
    this.le = (opts.byteOrder ?? 'le') === 'le';
    this.nsec = opts.nsec ?? false;
    this.snapLen = opts.snapLen ?? 262144;
    const at = this.sink.reserve(24);
    this.u32(at, this.nsec ? 0xa1b23c4d : 0xa1b2c3d4);
    this.u16(at + 4, 2);
    this.u16(at + 6, 4);
    this.u32(at + 8, 0);
    this.u32(at + 12, 0);
    this.u32(at + 16, this.snapLen);
    this.u32(at + 20, opts.linkType);
  }

  /** one record; the sub-second part is truncated to the file's resolution */
  write(tsSec: number, tsNsec: number, frame: Uint8Array): void {
    const capLen = Math.min(frame.length, this.snapLen);
    const at = this.sink.reserve(16 + capLen);
    this.u32(at, tsSec);
    this.u32(at + 4, this.nsec ? tsNsec : Math.floor(tsNsec / 1000));
    this.u32(at + 8, capLen);
    this.u32(at + 12, frame.length);
    this.sink.buf.set(capLen === frame.length ? frame : frame.subarray(0, capLen), at + 16);
    this.records++;
  }

  get bytes(): number {
    return this.sink.bytes;
  }

  close(): void {
    this.sink.close();
  }

  private u32(at: number, v: number): void {
    if (this.le) this.sink.buf.writeUInt32LE(v >>> 0, at);
    else this.sink.buf.writeUInt32BE(v >>> 0, at);
  }

  private u16(at: number, v: number): void {
    if (this.le) this.sink.buf.writeUInt16LE(v, at);
    else this.sink.buf.writeUInt16BE(v, at);
  }
}

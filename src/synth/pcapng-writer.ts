/**
 * pcapng writer: one Section Header Block, one Interface Description Block per interface (with
 * if_tsresol 6 or 9), then Enhanced Packet Blocks. Either byte order.
 */
import { splitTimestamp } from '../encode/pcapng.js';
import { ByteSink, pad4 } from './byte-sink.js';

export interface PcapngInterface {
  linkType: number;
  /** 6 = microseconds, 9 = nanoseconds (if_tsresol, pcapng spec section 4.2) */
  tsresol: 6 | 9;
  snapLen?: number;
}

export interface PcapngWriterOptions {
  interfaces: PcapngInterface[];
  byteOrder?: 'le' | 'be';
}

export class PcapngWriter {
  private readonly sink: ByteSink;
  private readonly le: boolean;
  private readonly ifaces: PcapngInterface[];
  records = 0;

  constructor(path: string, opts: PcapngWriterOptions) {
    if (opts.interfaces.length === 0) throw new Error('pcapng needs at least one interface');
    this.sink = new ByteSink(path);
    this.le = (opts.byteOrder ?? 'le') === 'le';
    this.ifaces = opts.interfaces;
    this.writeShb();
    for (const i of this.ifaces) this.writeIdb(i);
  }

  /** an Enhanced Packet Block on interface `ifIndex` */
  write(tsSec: number, tsNsec: number, frame: Uint8Array, ifIndex = 0): void {
    const iface = this.ifaces[ifIndex];
    if (iface === undefined) throw new Error(`no interface ${ifIndex}`);
    const capLen = Math.min(frame.length, iface.snapLen ?? 262144);
    const total = 32 + capLen + pad4(capLen);
    const at = this.sink.reserve(total);
    const buf = this.sink.buf;
    buf.fill(0, at, at + total);
    this.u32(at, 6);
    this.u32(at + 4, total);
    this.u32(at + 8, ifIndex);
    const [hi, lo] = splitTimestamp(tsSec, iface.tsresol === 9 ? tsNsec : Math.floor(tsNsec / 1000), iface.tsresol);
    this.u32(at + 12, hi);
    this.u32(at + 16, lo);
    this.u32(at + 20, capLen);
    this.u32(at + 24, frame.length);
    buf.set(capLen === frame.length ? frame : frame.subarray(0, capLen), at + 28);
    this.u32(at + total - 4, total);
    this.records++;
  }

  get bytes(): number {
    return this.sink.bytes;
  }

  close(): void {
    this.sink.close();
  }

  private writeShb(): void {
    const at = this.sink.reserve(28);
    const buf = this.sink.buf;
    this.u32(at, 0x0a0d0d0a);
    this.u32(at + 4, 28);
    this.u32(at + 8, 0x1a2b3c4d);
    this.u16(at + 12, 1);
    this.u16(at + 14, 0);
    // section length -1: not specified
    buf.fill(0xff, at + 16, at + 24);
    this.u32(at + 24, 28);
  }

  private writeIdb(i: PcapngInterface): void {
    const total = 20 + 8 + 4;
    const at = this.sink.reserve(total);
    this.sink.buf.fill(0, at, at + total);
    this.u32(at, 1);
    this.u32(at + 4, total);
    this.u16(at + 8, i.linkType);
    this.u32(at + 12, i.snapLen ?? 262144);
    this.u16(at + 16, 9);
    this.u16(at + 18, 1);
    this.sink.buf[at + 20] = i.tsresol;
    // opt_endofopt is the zeroed 4 bytes at at + 24
    this.u32(at + total - 4, total);
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

/** moved to src/encode/pcapng.ts (the recorder writes pcapng too); re-exported for the generator's users */
export { splitTimestamp };

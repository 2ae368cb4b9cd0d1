/**
 * pcapng blocks (draft-ietf-opsawg-pcapng), little-endian, written into a caller's buffer: the
 * Section Header Block, an Interface Description Block (link type, snap length, if_name,
 * if_tsresol 9 = nanoseconds) and the Enhanced Packet Block around a frame. The recorder
 * (src/outputs/record/) and the capture generator (src/synth/) both write through these.
 *
 * EPB:  | type 6 | total length | interface id | ts high | ts low | captured len | original len |
 *       | packet data, padded to 32 bits ... | total length |
 */

export const SHB_BYTES = 28;
/** EPB framing around the packet data (before the 4-byte padding) */
export const EPB_OVERHEAD = 32;

/** 4-byte alignment padding */
export function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** SHB: byte-order magic, version 1.0, section length unknown (-1), no options */
export function writeShb(buf: Buffer, at: number): number {
  buf.writeUInt32LE(0x0a0d0d0a, at);
  buf.writeUInt32LE(SHB_BYTES, at + 4);
  buf.writeUInt32LE(0x1a2b3c4d, at + 8);
  buf.writeUInt16LE(1, at + 12);
  buf.writeUInt16LE(0, at + 14);
  buf.fill(0xff, at + 16, at + 24);
  buf.writeUInt32LE(SHB_BYTES, at + 24);
  return at + SHB_BYTES;
}

export interface IdbSpec {
  linkType: number;
  snapLen: number;
  /** if_name (option 2), e.g. "eth0" or "proxy:a-leg"; UTF-8, cut at 255 bytes */
  name?: string;
}

function nameBytes(spec: IdbSpec): Buffer | null {
  if (spec.name === undefined || spec.name === '') return null;
  const b = Buffer.from(spec.name, 'utf8');
  return b.length > 255 ? b.subarray(0, 255) : b;
}

/** bytes the IDB of `spec` takes */
export function idbBytes(spec: IdbSpec): number {
  const name = nameBytes(spec);
  // header 16 + if_tsresol option 8 (+ if_name option) + opt_endofopt 4 + trailer 4
  return 16 + 8 + (name === null ? 0 : 4 + name.length + pad4(name.length)) + 4 + 4;
}

/** IDB with if_tsresol 9 (nanoseconds) and if_name when given */
export function writeIdb(buf: Buffer, at: number, spec: IdbSpec): number {
  const total = idbBytes(spec);
  buf.fill(0, at, at + total);
  buf.writeUInt32LE(1, at);
  buf.writeUInt32LE(total, at + 4);
  buf.writeUInt16LE(spec.linkType, at + 8);
  buf.writeUInt32LE(spec.snapLen >>> 0, at + 12);
  let o = at + 16;
  const name = nameBytes(spec);
  if (name !== null) {
    buf.writeUInt16LE(2, o);
    buf.writeUInt16LE(name.length, o + 2);
    name.copy(buf, o + 4);
    o += 4 + name.length + pad4(name.length);
  }
  buf.writeUInt16LE(9, o);
  buf.writeUInt16LE(1, o + 2);
  buf[o + 4] = 9;
  // opt_endofopt: the zeroed 4 bytes after the padded if_tsresol
  buf.writeUInt32LE(total, at + total - 4);
  return at + total;
}

/** bytes an EPB with `capLen` captured bytes takes */
export function epbBytes(capLen: number): number {
  return EPB_OVERHEAD + capLen + pad4(capLen);
}

/**
 * The EPB's header and trailer around capLen bytes of packet data (the caller writes the data at
 * the returned offset; the padding is zeroed here). Timestamps in nanoseconds (if_tsresol 9).
 */
export function writeEpbFrame(buf: Buffer, at: number, ifIndex: number, tsSec: number, tsNsec: number, capLen: number, origLen: number): number {
  const total = epbBytes(capLen);
  buf.writeUInt32LE(6, at);
  buf.writeUInt32LE(total, at + 4);
  buf.writeUInt32LE(ifIndex >>> 0, at + 8);
  const [hi, lo] = splitTimestamp(tsSec, tsNsec, 9);
  buf.writeUInt32LE(hi, at + 12);
  buf.writeUInt32LE(lo, at + 16);
  buf.writeUInt32LE(capLen >>> 0, at + 20);
  buf.writeUInt32LE(origLen >>> 0, at + 24);
  const pad = pad4(capLen);
  if (pad > 0) buf.fill(0, at + 28 + capLen, at + 28 + capLen + pad);
  buf.writeUInt32LE(total, at + total - 4);
  return at + 28;
}

/**
 * sec * 10^resol + sub as two 32-bit halves, exactly: the product exceeds 2^53, so it is built
 * from 16-bit pieces of `sec` that each stay exact in a double.
 */
export function splitTimestamp(sec: number, sub: number, resol: 6 | 9): [number, number] {
  const unit = resol === 9 ? 1e9 : 1e6;
  const t1 = Math.floor(sec / 65536) * unit;
  let hi = Math.floor(t1 / 65536);
  let lo = (t1 % 65536) * 65536 + (sec % 65536) * unit + sub;
  hi += Math.floor(lo / 4294967296);
  lo %= 4294967296;
  return [hi >>> 0, lo >>> 0];
}

/**
 * RTP packet writer (RFC 3550 section 5.1), the inverse of src/decode/rtp.ts: fixed header, CSRC
 * list, header extension (5.3.1) and padding, into a caller's buffer or a fresh one.
 *
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers             |  CC x 32 bits
 * |  defined by profile           |           length              |  if X: length in 32-bit words,
 * |                        header extension                       |  then the words
 * |                    payload  ...  | padding ... | pad count    |  if P: the last octet counts
 *
 * Sequence numbers and timestamps may be extended (beyond 16 / 32 bits, as trackers count them):
 * they are written modulo 2^16 / 2^32. Out-of-range fields are a caller's mistake: RangeError.
 */

export interface RtpHeaderExtension {
  /** the 16-bit "defined by profile" field (0xBEDE for RFC 8285 one-byte headers) */
  profile: number;
  /** the extension words, a multiple of 4 bytes */
  data: Uint8Array;
}

export interface RtpPacketSpec {
  marker?: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** at most 15 */
  csrcs?: readonly number[];
  extension?: RtpHeaderExtension;
  /** padding octets to append, the count octet included (0 or absent: no padding, P bit clear) */
  padding?: number;
}

/** the bytes the packet takes: header, CSRCs, extension, payload and padding */
export function rtpPacketLength(spec: RtpPacketSpec, payloadLength: number): number {
  const ext = spec.extension === undefined ? 0 : 4 + spec.extension.data.length;
  return 12 + 4 * (spec.csrcs?.length ?? 0) + ext + payloadLength + (spec.padding ?? 0);
}

function check(spec: RtpPacketSpec): void {
  if (!(spec.payloadType >= 0 && spec.payloadType <= 127)) throw new RangeError(`payload type ${spec.payloadType} is not 0..127`);
  if ((spec.csrcs?.length ?? 0) > 15) throw new RangeError(`${spec.csrcs!.length} CSRCs: at most 15 fit the CC field`);
  const ext = spec.extension;
  if (ext !== undefined && (ext.data.length % 4 !== 0 || ext.data.length > 0xffff * 4)) {
    throw new RangeError(`extension of ${ext.data.length} bytes is not a whole number (< 65536) of 32-bit words`);
  }
  const pad = spec.padding ?? 0;
  if (!(Number.isInteger(pad) && pad >= 0 && pad <= 255)) throw new RangeError(`padding ${pad} is not 0..255`);
}

function writeU16(buf: Uint8Array, pos: number, v: number): void {
  buf[pos] = (v >>> 8) & 0xff;
  buf[pos + 1] = v & 0xff;
}

/** big-endian 32 bits of v modulo 2^32 (ToUint32 does the modulo, negatives included) */
export function writeU32(buf: Uint8Array, pos: number, v: number): void {
  const u = v >>> 0;
  buf[pos] = u >>> 24;
  buf[pos + 1] = (u >>> 16) & 0xff;
  buf[pos + 2] = (u >>> 8) & 0xff;
  buf[pos + 3] = u & 0xff;
}

/** Writes the packet at `offset`; returns the bytes written. The buffer must have rtpPacketLength() bytes free. */
export function writeRtpPacket(buf: Uint8Array, offset: number, spec: RtpPacketSpec, payload: Uint8Array): number {
  check(spec);
  const length = rtpPacketLength(spec, payload.length);
  if (offset < 0 || offset + length > buf.length) throw new RangeError(`${length} bytes do not fit at ${offset} of ${buf.length}`);
  const csrcs = spec.csrcs ?? [];
  const pad = spec.padding ?? 0;
  const ext = spec.extension;
  buf[offset] = 0x80 | (pad > 0 ? 0x20 : 0) | (ext !== undefined ? 0x10 : 0) | csrcs.length;
  buf[offset + 1] = (spec.marker === true ? 0x80 : 0) | spec.payloadType;
  writeU16(buf, offset + 2, spec.sequence & 0xffff);
  writeU32(buf, offset + 4, spec.timestamp);
  writeU32(buf, offset + 8, spec.ssrc);
  let pos = offset + 12;
  for (const c of csrcs) {
    writeU32(buf, pos, c);
    pos += 4;
  }
  if (ext !== undefined) {
    writeU16(buf, pos, ext.profile & 0xffff);
    writeU16(buf, pos + 2, ext.data.length / 4);
    buf.set(ext.data, pos + 4);
    pos += 4 + ext.data.length;
  }
  buf.set(payload, pos);
  pos += payload.length;
  if (pad > 0) {
    buf.fill(0, pos, pos + pad - 1);
    buf[pos + pad - 1] = pad;
    pos += pad;
  }
  return pos - offset;
}

/** The packet in a fresh Buffer. */
export function encodeRtpPacket(spec: RtpPacketSpec, payload: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(rtpPacketLength(spec, payload.length));
  writeRtpPacket(b, 0, spec, payload);
  return b;
}

/**
 * RTP fixed header decoder (RFC 3550 section 5.1). Hot path: fills a reused RtpHeader, numbers only,
 * returns the header length or a negative error code, never throws, never reads at or past `end`.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                           timestamp                           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           synchronization source (SSRC) identifier            |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |            contributing source (CSRC) identifiers             |
 * |                             ....                              |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * optional extension (5.3.1): 16-bit profile, 16-bit length in 32-bit words, then the words.
 * optional padding: the last octet counts the padding octets, itself included.
 */

/** version field is not 2 (or fewer than 2 bytes to look at): not RTP at all */
export const RTP_NOT_RTP = -1;
/** the fixed header, the CSRC list or the extension runs past the end of the captured bytes */
export const RTP_TRUNCATED = -2;
/** P bit set but the padding count is 0 or larger than the payload (RFC 3550 5.1) */
export const RTP_BAD_PADDING = -3;
/** X bit set but the announced extension length runs past the end */
export const RTP_BAD_EXTENSION = -4;

export type RtpDecodeError =
  | typeof RTP_NOT_RTP
  | typeof RTP_TRUNCATED
  | typeof RTP_BAD_PADDING
  | typeof RTP_BAD_EXTENSION;

const ERROR_NAMES: Record<number, string> = {
  [RTP_NOT_RTP]: 'RTP_NOT_RTP',
  [RTP_TRUNCATED]: 'RTP_TRUNCATED',
  [RTP_BAD_PADDING]: 'RTP_BAD_PADDING',
  [RTP_BAD_EXTENSION]: 'RTP_BAD_EXTENSION',
};

/** stable text code of a negative decodeRtpHeader result (for findings; not for the hot path) */
export function rtpErrorName(code: number): string {
  return ERROR_NAMES[code] ?? 'RTP_UNKNOWN_ERROR';
}

/** One reused instance per decoder; valid until the next decode. */
export class RtpHeader {
  version = 0;
  padding = false;
  extension = false;
  csrcCount = 0;
  marker = false;
  payloadType = 0;
  sequence = 0;
  /** unsigned 32-bit */
  timestamp = 0;
  /** unsigned 32-bit */
  ssrc = 0;
  /** fixed header + CSRCs + extension, bytes */
  headerLength = 0;
  /** bytes after the header, padding excluded */
  payloadLength = 0;
  paddingLength = 0;
  /** extension "defined by profile" field, -1 when there is no extension */
  extensionProfile = -1;
  /** whole RTP packet length (offset..end) */
  packetLength = 0;
}

/** RTP fixed header length (RFC 3550 5.1) */
export const RTP_FIXED_HEADER = 12;

export function decodeRtpHeader(buf: Uint8Array, offset: number, end: number, out: RtpHeader): number {
  if (end > buf.length) end = buf.length;
  if (end - offset < 2) return RTP_NOT_RTP;
  const b0 = buf[offset]!;
  const version = b0 >>> 6;
  if (version !== 2) return RTP_NOT_RTP;
  if (end - offset < RTP_FIXED_HEADER) return RTP_TRUNCATED;
  const b1 = buf[offset + 1]!;
  out.version = version;
  out.padding = (b0 & 0x20) !== 0;
  out.extension = (b0 & 0x10) !== 0;
  out.csrcCount = b0 & 0x0f;
  out.marker = (b1 & 0x80) !== 0;
  out.payloadType = b1 & 0x7f;
  out.sequence = (buf[offset + 2]! << 8) | buf[offset + 3]!;
  out.timestamp = readU32(buf, offset + 4);
  out.ssrc = readU32(buf, offset + 8);
  out.packetLength = end - offset;
  let pos = offset + RTP_FIXED_HEADER + 4 * out.csrcCount;
  if (pos > end) return RTP_TRUNCATED;
  out.extensionProfile = -1;
  if (out.extension) {
    if (pos + 4 > end) return RTP_BAD_EXTENSION;
    out.extensionProfile = (buf[pos]! << 8) | buf[pos + 1]!;
    const words = (buf[pos + 2]! << 8) | buf[pos + 3]!;
    pos += 4 + 4 * words;
    if (pos > end) return RTP_BAD_EXTENSION;
  }
  out.headerLength = pos - offset;
  let padding = 0;
  if (out.padding) {
    padding = end > pos ? buf[end - 1]! : 0;
    if (padding === 0 || padding > end - pos) return RTP_BAD_PADDING;
  }
  out.paddingLength = padding;
  out.payloadLength = end - pos - padding;
  return out.headerLength;
}

/** big-endian unsigned 32-bit read (caller checked the bounds) */
export function readU32(buf: Uint8Array, pos: number): number {
  return ((buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!) >>> 0;
}

/** RFC 5761 section 4: with rtcp-mux, an RTP-looking packet whose second octet is 200..204 (M set, PT 72..76) is RTCP */
export function isMuxedRtcp(buf: Uint8Array, offset: number, end: number): boolean {
  if (end - offset < 2 || buf[offset]! >>> 6 !== 2) return false;
  const b1 = buf[offset + 1]!;
  return b1 >= 200 && b1 <= 204;
}

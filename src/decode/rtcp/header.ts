/**
 * RTCP common header (RFC 3550 section 6.4.1) and the decode result types shared by the packet decoders.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |V=2|P|    RC   |   PT          |             length            |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * length: this packet's length in 32-bit words minus one, header included.
 */

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;
export const RTCP_RTPFB = 205;
export const RTCP_PSFB = 206;
export const RTCP_XR = 207;

export type RtcpErrorCode =
  /** version is not 2 or the packet type is outside 192..223 */
  | 'RTCP_NOT_RTCP'
  /** fewer bytes than a header, or the announced length runs past the captured bytes */
  | 'RTCP_TRUNCATED'
  /** the announced length is too short for what the count field announces */
  | 'RTCP_BAD_LENGTH'
  /** the padding octet is 0 or larger than the packet */
  | 'RTCP_BAD_PADDING';

export interface RtcpError {
  ok: false;
  code: RtcpErrorCode;
  /** byte offset in the buffer where the broken rule applies */
  offset: number;
}

export function rtcpError(code: RtcpErrorCode, offset: number): RtcpError {
  return { ok: false, code, offset };
}

export interface RtcpCommonHeader {
  padding: boolean;
  /** RC / SC / FMT / subtype: the 5-bit field */
  count: number;
  packetType: number;
  /** whole packet in bytes, header included (= (length + 1) * 4) */
  byteLength: number;
}

/** decode the 4-byte common header; checks version, type range and that the packet fits before `end` */
export function decodeRtcpHeader(
  buf: Uint8Array,
  offset: number,
  end: number,
): { ok: true; value: RtcpCommonHeader } | RtcpError {
  if (end - offset < 4) return rtcpError('RTCP_TRUNCATED', offset);
  const b0 = buf[offset]!;
  const pt = buf[offset + 1]!;
  if (b0 >>> 6 !== 2 || pt < 192 || pt > 223) return rtcpError('RTCP_NOT_RTCP', offset);
  const byteLength = (((buf[offset + 2]! << 8) | buf[offset + 3]!) + 1) * 4;
  if (byteLength > end - offset) return rtcpError('RTCP_TRUNCATED', offset + 2);
  return { ok: true, value: { padding: (b0 & 0x20) !== 0, count: b0 & 0x1f, packetType: pt, byteLength } };
}

/** bytes of padding at the end of a packet with the P bit (RFC 3550 6.4.1), or -1 when invalid */
export function rtcpPadding(buf: Uint8Array, offset: number, byteLength: number, minBody: number): number {
  const n = buf[offset + byteLength - 1]!;
  if (n === 0 || n > byteLength - minBody) return -1;
  return n;
}

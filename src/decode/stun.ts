/**
 * Recognisers for the non-RTP protocols that share UDP ports with media (RFC 7983 demultiplexing),
 * so that STUN, TURN ChannelData, DTLS and ZRTP are never taken for RTP. Pure, numbers only.
 *
 * RFC 7983 section 7: first octet 0..3 STUN, 16..19 ZRTP, 20..63 DTLS, 64..79 TURN channel, 128..191 RTP/RTCP.
 */
import { readU32 } from './rtp.js';

/** RFC 5389 section 6: the magic cookie in bytes 4..7 of every STUN message */
export const STUN_MAGIC_COOKIE = 0x2112a442;

/**
 * RFC 5389 section 6: the two top bits are 0, the cookie is present, the message length is a multiple
 * of 4 and equals the bytes after the 20-byte header.
 */
export function isStun(buf: Uint8Array, offset: number, end: number): boolean {
  if (end > buf.length) end = buf.length;
  if (end - offset < 20) return false;
  if ((buf[offset]! & 0xc0) !== 0) return false;
  if (readU32(buf, offset + 4) !== STUN_MAGIC_COOKIE) return false;
  const length = (buf[offset + 2]! << 8) | buf[offset + 3]!;
  return (length & 3) === 0 && length === end - offset - 20;
}

/**
 * RFC 8656 section 12.4 (was RFC 5766 11.4): ChannelData = channel number 0x4000..0x7FFF, 16-bit length,
 * data (padded to 4 over TCP, not over UDP: so length <= remaining, at most 3 bytes of padding).
 */
export function isTurnChannelData(buf: Uint8Array, offset: number, end: number): boolean {
  if (end > buf.length) end = buf.length;
  if (end - offset < 4) return false;
  const channel = (buf[offset]! << 8) | buf[offset + 1]!;
  if (channel < 0x4000 || channel > 0x7fff) return false;
  const length = (buf[offset + 2]! << 8) | buf[offset + 3]!;
  const rest = end - offset - 4;
  return length <= rest && rest - length <= 3;
}

/** RFC 7983: DTLS records start with a content type 20..63 */
export function isDtls(buf: Uint8Array, offset: number, end: number): boolean {
  if (end > buf.length) end = buf.length;
  if (end - offset < 13) return false;
  const b0 = buf[offset]!;
  // RFC 6347 4.1: version 0xFEFF (1.0) or 0xFEFD (1.2)
  return b0 >= 20 && b0 <= 63 && buf[offset + 1] === 0xfe;
}

/** RFC 6189 5: ZRTP packets have version bits 0001 and the magic cookie "ZRTP" in bytes 4..7 */
export function isZrtp(buf: Uint8Array, offset: number, end: number): boolean {
  if (end > buf.length) end = buf.length;
  if (end - offset < 12) return false;
  return readU32(buf, offset + 4) === 0x5a525450;
}

/** true when the datagram is one of the protocols above (cheap: a few byte compares) */
export function isKnownNonRtp(buf: Uint8Array, offset: number, end: number): boolean {
  return (
    isStun(buf, offset, end) ||
    isTurnChannelData(buf, offset, end) ||
    isDtls(buf, offset, end) ||
    isZrtp(buf, offset, end)
  );
}

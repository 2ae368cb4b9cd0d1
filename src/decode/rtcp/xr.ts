/**
 * RTCP Extended Reports (RFC 3611 section 2), PT 207.
 *
 * |V=2|P|reserved |   PT=XR=207   |             length            |
 * |                              SSRC                             |
 * :                         report blocks                         :
 * each block: BT (8) | type-specific (8) | block length (16: the block in 32-bit words minus one, so the
 * words after the header) | contents. Decoded here: block types and lengths; DLRR (BT=5, RFC 3611 4.5) sub-blocks
 * (SSRC, LRR, DLRR) for round-trip time, and the RRT block (BT=4) NTP timestamp.
 */
import { readU32 } from '../rtp.js';
import { type RtcpCommonHeader, type RtcpError, rtcpError } from './header.js';

export const XR_RRT = 4;
export const XR_DLRR = 5;
export const XR_VOIP_METRICS = 7;

export interface XrBlock {
  blockType: number;
  typeSpecific: number;
  /** bytes of contents after the 4-byte block header */
  contentLength: number;
  /** RRT: NTP timestamp */
  ntpSeconds?: number;
  ntpFraction?: number;
  /** DLRR sub-blocks */
  dlrr?: Array<{ ssrc: number; lrr: number; dlrr: number }>;
}

export interface RtcpXr {
  type: 'xr';
  ssrc: number;
  blocks: XrBlock[];
}

export function decodeXr(
  buf: Uint8Array,
  offset: number,
  h: RtcpCommonHeader,
): { ok: true; value: RtcpXr } | RtcpError {
  if (h.byteLength < 8) return rtcpError('RTCP_BAD_LENGTH', offset + 2);
  const end = offset + h.byteLength;
  const blocks: XrBlock[] = [];
  let pos = offset + 8;
  while (pos < end) {
    if (pos + 4 > end) return rtcpError('RTCP_BAD_LENGTH', pos);
    const contentLength = ((buf[pos + 2]! << 8) | buf[pos + 3]!) * 4;
    if (pos + 4 + contentLength > end) return rtcpError('RTCP_BAD_LENGTH', pos + 2);
    const block: XrBlock = { blockType: buf[pos]!, typeSpecific: buf[pos + 1]!, contentLength };
    const c = pos + 4;
    if (block.blockType === XR_RRT && contentLength >= 8) {
      block.ntpSeconds = readU32(buf, c);
      block.ntpFraction = readU32(buf, c + 4);
    } else if (block.blockType === XR_DLRR) {
      block.dlrr = [];
      for (let s = c; s + 12 <= c + contentLength; s += 12) {
        block.dlrr.push({ ssrc: readU32(buf, s), lrr: readU32(buf, s + 4), dlrr: readU32(buf, s + 8) });
      }
    }
    blocks.push(block);
    pos = c + contentLength;
  }
  return { ok: true, value: { type: 'xr', ssrc: readU32(buf, offset + 4), blocks } };
}

/**
 * RTCP Source Description (RFC 3550 section 6.5), PT 202.
 *
 * |V=2|P|    SC   |  PT=SDES=202  |             length            | header
 * |                          SSRC/CSRC_1                          | chunk 1
 * |                           SDES items                          |
 * each item: type (8) | length (8) | text; a chunk ends with a 0 octet (END) padded to 32 bits.
 */
import { readU32 } from '../rtp.js';
import { type RtcpCommonHeader, type RtcpError, rtcpError } from './header.js';

/** RFC 3550 6.5: item types */
export const SDES_CNAME = 1;

export interface SdesItem {
  type: number;
  /** latin1 view of the item text (UTF-8 per RFC; shown as received) */
  text: string;
}

export interface SdesChunk {
  ssrc: number;
  items: SdesItem[];
}

export interface RtcpSdes {
  type: 'sdes';
  chunks: SdesChunk[];
}

export function decodeSdes(
  buf: Uint8Array,
  offset: number,
  h: RtcpCommonHeader,
): { ok: true; value: RtcpSdes } | RtcpError {
  const end = offset + h.byteLength;
  let pos = offset + 4;
  const chunks: SdesChunk[] = [];
  for (let c = 0; c < h.count; c++) {
    if (pos + 4 > end) return rtcpError('RTCP_BAD_LENGTH', pos);
    const chunk: SdesChunk = { ssrc: readU32(buf, pos), items: [] };
    pos += 4;
    for (;;) {
      if (pos >= end) return rtcpError('RTCP_BAD_LENGTH', pos);
      const type = buf[pos]!;
      if (type === 0) break;
      if (pos + 2 > end) return rtcpError('RTCP_BAD_LENGTH', pos);
      const len = buf[pos + 1]!;
      if (pos + 2 + len > end) return rtcpError('RTCP_BAD_LENGTH', pos + 1);
      chunk.items.push({ type, text: latin1(buf, pos + 2, pos + 2 + len) });
      pos += 2 + len;
    }
    // END octet, then pad to the next 32-bit boundary (relative to the packet start)
    pos += 1;
    pos = offset + (((pos - offset + 3) >>> 2) << 2);
    chunks.push(chunk);
  }
  return { ok: true, value: { type: 'sdes', chunks } };
}

/** the bytes as latin1 text (one character per byte), decoded natively rather than a character at a time */
function latin1(buf: Uint8Array, start: number, end: number): string {
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1');
}

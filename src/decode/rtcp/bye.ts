/**
 * RTCP Goodbye (RFC 3550 section 6.6), PT 203.
 *
 * |V=2|P|    SC   |   PT=BYE=203  |             length            |
 * |                           SSRC/CSRC (SC times)                |
 * |     length    |               reason for leaving ...          | (opt)
 */
import { readU32 } from '../rtp.js';
import { type RtcpCommonHeader, type RtcpError, rtcpError } from './header.js';

export interface RtcpBye {
  type: 'bye';
  ssrcs: number[];
  reason: string | null;
}

export function decodeBye(
  buf: Uint8Array,
  offset: number,
  h: RtcpCommonHeader,
): { ok: true; value: RtcpBye } | RtcpError {
  const end = offset + h.byteLength;
  if (4 + 4 * h.count > h.byteLength) return rtcpError('RTCP_BAD_LENGTH', offset + 2);
  const ssrcs: number[] = [];
  for (let i = 0; i < h.count; i++) ssrcs.push(readU32(buf, offset + 4 + 4 * i));
  let reason: string | null = null;
  const r = offset + 4 + 4 * h.count;
  if (r < end) {
    const len = buf[r]!;
    if (r + 1 + len > end) return rtcpError('RTCP_BAD_LENGTH', r);
    reason = Buffer.from(buf.buffer, buf.byteOffset + r + 1, len).toString('utf8');
  }
  return { ok: true, value: { type: 'bye', ssrcs, reason } };
}

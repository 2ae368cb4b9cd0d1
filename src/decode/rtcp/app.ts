/**
 * RTCP Application-Defined (RFC 3550 section 6.7), PT 204.
 *
 * |V=2|P| subtype |   PT=APP=204  |             length            |
 * |                           SSRC/CSRC                           |
 * |                          name (ASCII)                         |
 * |                   application-dependent data                ...
 */
import { readU32 } from '../rtp.js';
import { type RtcpCommonHeader, type RtcpError, rtcpError } from './header.js';

export interface RtcpApp {
  type: 'app';
  subtype: number;
  ssrc: number;
  name: string;
  /** view into the input buffer */
  data: Uint8Array;
}

export function decodeApp(
  buf: Uint8Array,
  offset: number,
  h: RtcpCommonHeader,
): { ok: true; value: RtcpApp } | RtcpError {
  if (h.byteLength < 12) return rtcpError('RTCP_BAD_LENGTH', offset + 2);
  const name = String.fromCharCode(buf[offset + 8]!, buf[offset + 9]!, buf[offset + 10]!, buf[offset + 11]!);
  return {
    ok: true,
    value: {
      type: 'app',
      subtype: h.count,
      ssrc: readU32(buf, offset + 4),
      name,
      data: buf.subarray(offset + 12, offset + h.byteLength),
    },
  };
}

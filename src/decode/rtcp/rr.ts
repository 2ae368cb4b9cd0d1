/**
 * RTCP Receiver Report (RFC 3550 section 6.4.2), PT 201.
 *
 * |V=2|P|    RC   |   PT=RR=201   |             length            | header
 * |                     SSRC of packet sender                     |
 * |                 report blocks (RC x 24 bytes)                 |
 * |                  profile-specific extensions                  |
 */
import { readU32 } from '../rtp.js';
import { type RtcpCommonHeader, type RtcpError, rtcpError } from './header.js';
import { REPORT_BLOCK_BYTES, type ReportBlock, decodeReportBlocks } from './report-block.js';

export interface RtcpReceiverReport {
  type: 'rr';
  ssrc: number;
  reports: ReportBlock[];
}

export function decodeReceiverReport(
  buf: Uint8Array,
  offset: number,
  h: RtcpCommonHeader,
): { ok: true; value: RtcpReceiverReport } | RtcpError {
  if (h.byteLength < 8 + h.count * REPORT_BLOCK_BYTES) return rtcpError('RTCP_BAD_LENGTH', offset + 2);
  return {
    ok: true,
    value: { type: 'rr', ssrc: readU32(buf, offset + 4), reports: decodeReportBlocks(buf, offset + 8, h.count) },
  };
}

/**
 * RTCP Sender Report (RFC 3550 section 6.4.1), PT 200.
 *
 * |V=2|P|    RC   |   PT=SR=200   |             length            | header
 * |                         SSRC of sender                        |
 * |              NTP timestamp, most significant word             | sender
 * |             NTP timestamp, least significant word             | info
 * |                         RTP timestamp                         |
 * |                     sender's packet count                     |
 * |                      sender's octet count                     |
 * |                 report blocks (RC x 24 bytes)                 |
 * |                  profile-specific extensions                  |
 */
import { readU32 } from '../rtp.js';
import { type RtcpCommonHeader, type RtcpError, rtcpError } from './header.js';
import { REPORT_BLOCK_BYTES, type ReportBlock, decodeReportBlocks } from './report-block.js';

export interface RtcpSenderReport {
  type: 'sr';
  ssrc: number;
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: ReportBlock[];
}

const SR_FIXED = 28;

export function decodeSenderReport(
  buf: Uint8Array,
  offset: number,
  h: RtcpCommonHeader,
): { ok: true; value: RtcpSenderReport } | RtcpError {
  if (h.byteLength < SR_FIXED + h.count * REPORT_BLOCK_BYTES) return rtcpError('RTCP_BAD_LENGTH', offset + 2);
  return {
    ok: true,
    value: {
      type: 'sr',
      ssrc: readU32(buf, offset + 4),
      ntpSeconds: readU32(buf, offset + 8),
      ntpFraction: readU32(buf, offset + 12),
      rtpTimestamp: readU32(buf, offset + 16),
      packetCount: readU32(buf, offset + 20),
      octetCount: readU32(buf, offset + 24),
      reports: decodeReportBlocks(buf, offset + SR_FIXED, h.count),
    },
  };
}

/**
 * RTCP report block (RFC 3550 section 6.4.1), 24 bytes, inside SR and RR packets.
 *
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 * |                 SSRC_1 (SSRC of first source)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * | fraction lost |       cumulative number of packets lost       |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |           extended highest sequence number received           |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      interarrival jitter                      |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                         last SR (LSR)                         |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                   delay since last SR (DLSR)                  |
 * +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
 */
import { readU32 } from '../rtp.js';

export const REPORT_BLOCK_BYTES = 24;

export interface ReportBlock {
  ssrc: number;
  /** fraction lost since the previous report, 0..255 (x/256) */
  fractionLost: number;
  /** signed: duplicates can make it negative (RFC 3550 6.4.1) */
  cumulativeLost: number;
  extendedHighestSeq: number;
  /** interarrival jitter in RTP timestamp units */
  jitter: number;
  /** middle 32 bits of the NTP time of the last SR received, 0 when none */
  lsr: number;
  /** delay since that SR, 1/65536 s */
  dlsr: number;
}

/**
 * RFC 3550 6.4.1: "cumulative number of packets lost: 24 bits ... a signed quantity" (werift and heplify
 * read it unsigned). Sign-extends the 24-bit value: 0xFFFFFF is -1.
 */
export function signed24(v: number): number {
  return v & 0x800000 ? v - 0x1000000 : v;
}

/** fraction lost (x/256) as a percentage */
export function fractionLostPercent(fraction: number): number {
  return (fraction * 100) / 256;
}

/** caller checked that 24 bytes are present */
export function decodeReportBlock(buf: Uint8Array, offset: number): ReportBlock {
  return {
    ssrc: readU32(buf, offset),
    fractionLost: buf[offset + 4]!,
    cumulativeLost: signed24((buf[offset + 5]! << 16) | (buf[offset + 6]! << 8) | buf[offset + 7]!),
    extendedHighestSeq: readU32(buf, offset + 8),
    jitter: readU32(buf, offset + 12),
    lsr: readU32(buf, offset + 16),
    dlsr: readU32(buf, offset + 20),
  };
}

export function decodeReportBlocks(buf: Uint8Array, offset: number, count: number): ReportBlock[] {
  const blocks: ReportBlock[] = [];
  for (let i = 0; i < count; i++) blocks.push(decodeReportBlock(buf, offset + i * REPORT_BLOCK_BYTES));
  return blocks;
}

/**
 * RTCP packet writer (RFC 3550 section 6): SR, RR, SDES and BYE, one at a time or as a compound
 * packet (6.1), the inverse of src/decode/rtcp/. The packet values are the decoder's own types, so
 * decodeRtcpCompound(encodeRtcpCompound(p)).packets gives p back.
 *
 * |V=2|P|  count  |      PT       |   length (32-bit words - 1)   |  common header (6.4.1)
 * SR (200): SSRC, NTP msw, NTP lsw, RTP timestamp, packet count, octet count, count x report block
 * RR (201): SSRC, count x report block
 * SDES (202): count x chunk (SSRC, items (type, length, text), END octet padded to 32 bits) (6.5)
 * BYE (203): count x SSRC, optional length + reason, padded to 32 bits (6.6)
 *
 * Counts above 31, texts above 255 bytes and the like are a caller's mistake: RangeError.
 */
import type { RtcpBye } from '../decode/rtcp/bye.js';
import { RTCP_BYE, RTCP_RR, RTCP_SDES, RTCP_SR } from '../decode/rtcp/header.js';
import type { ReportBlock } from '../decode/rtcp/report-block.js';
import type { RtcpReceiverReport } from '../decode/rtcp/rr.js';
import type { RtcpSdes } from '../decode/rtcp/sdes.js';
import type { RtcpSenderReport } from '../decode/rtcp/sr.js';
import { writeU32 } from './rtp.js';

export type RtcpEncodable = RtcpSenderReport | RtcpReceiverReport | RtcpSdes | RtcpBye;

const REPORT_BLOCK = 24;

function checkCount(n: number, what: string): void {
  if (n > 31) throw new RangeError(`${n} ${what}: at most 31 fit the count field`);
}

/** RFC 3550 6.5 and 6.6: item text and BYE reason are UTF-8, at most 255 bytes */
function textBytes(text: string, what: string): Buffer {
  const b = Buffer.from(text, 'utf8');
  if (b.length > 255) throw new RangeError(`${what} of ${b.length} bytes: at most 255`);
  return b;
}

const pad4 = (n: number): number => (n + 3) & ~3;

/** one SDES chunk's bytes: SSRC, items, the END octet and zeros to the next 32-bit boundary */
function chunkLength(items: readonly Buffer[]): number {
  let n = 4;
  for (const t of items) n += 2 + t.length;
  return pad4(n + 1);
}

/** The bytes one packet takes (a multiple of 4). */
export function rtcpPacketLength(p: RtcpEncodable): number {
  switch (p.type) {
    case 'sr':
      return 28 + REPORT_BLOCK * p.reports.length;
    case 'rr':
      return 8 + REPORT_BLOCK * p.reports.length;
    case 'sdes': {
      let n = 4;
      for (const c of p.chunks) n += chunkLength(c.items.map((i) => textBytes(i.text, 'SDES item')));
      return n;
    }
    case 'bye':
      return 4 + 4 * p.ssrcs.length + (p.reason === null ? 0 : pad4(1 + textBytes(p.reason, 'BYE reason').length));
  }
}

function header(buf: Uint8Array, pos: number, count: number, pt: number, length: number): void {
  buf[pos] = 0x80 | count;
  buf[pos + 1] = pt;
  const words = length / 4 - 1;
  buf[pos + 2] = words >>> 8;
  buf[pos + 3] = words & 0xff;
}

/** RFC 3550 6.4.1: cumulative loss is signed 24-bit; values beyond it are clamped, not wrapped */
function signed24Bits(v: number): number {
  const c = Math.max(-0x800000, Math.min(0x7fffff, v));
  return c < 0 ? 0x1000000 + c : c;
}

function writeReportBlocks(buf: Uint8Array, pos: number, blocks: readonly ReportBlock[]): void {
  for (const r of blocks) {
    writeU32(buf, pos, r.ssrc);
    buf[pos + 4] = r.fractionLost & 0xff;
    const cum = signed24Bits(r.cumulativeLost);
    buf[pos + 5] = cum >>> 16;
    buf[pos + 6] = (cum >>> 8) & 0xff;
    buf[pos + 7] = cum & 0xff;
    writeU32(buf, pos + 8, r.extendedHighestSeq);
    // a jitter estimate is fractional while it is computed; the field holds whole timestamp units
    writeU32(buf, pos + 12, Math.round(r.jitter));
    writeU32(buf, pos + 16, r.lsr);
    writeU32(buf, pos + 20, r.dlsr);
    pos += REPORT_BLOCK;
  }
}

function writeSdes(buf: Uint8Array, pos: number, p: RtcpSdes): void {
  let o = pos + 4;
  for (const c of p.chunks) {
    const start = o;
    writeU32(buf, o, c.ssrc);
    o += 4;
    for (const item of c.items) {
      const t = textBytes(item.text, 'SDES item');
      buf[o] = item.type;
      buf[o + 1] = t.length;
      buf.set(t, o + 2);
      o += 2 + t.length;
    }
    const end = start + pad4(o - start + 1);
    buf.fill(0, o, end);
    o = end;
  }
}

function writeBye(buf: Uint8Array, pos: number, p: RtcpBye, length: number): void {
  let o = pos + 4;
  for (const s of p.ssrcs) {
    writeU32(buf, o, s);
    o += 4;
  }
  if (p.reason !== null) {
    const t = textBytes(p.reason, 'BYE reason');
    buf[o] = t.length;
    buf.set(t, o + 1);
    buf.fill(0, o + 1 + t.length, pos + length);
  }
}

/** Writes one packet at `offset`; returns the bytes written. */
export function writeRtcpPacket(buf: Uint8Array, offset: number, p: RtcpEncodable): number {
  const length = rtcpPacketLength(p);
  if (offset < 0 || offset + length > buf.length) throw new RangeError(`${length} bytes do not fit at ${offset} of ${buf.length}`);
  switch (p.type) {
    case 'sr':
      checkCount(p.reports.length, 'report blocks');
      header(buf, offset, p.reports.length, RTCP_SR, length);
      writeU32(buf, offset + 4, p.ssrc);
      writeU32(buf, offset + 8, p.ntpSeconds);
      writeU32(buf, offset + 12, p.ntpFraction);
      writeU32(buf, offset + 16, p.rtpTimestamp);
      writeU32(buf, offset + 20, p.packetCount);
      writeU32(buf, offset + 24, p.octetCount);
      writeReportBlocks(buf, offset + 28, p.reports);
      break;
    case 'rr':
      checkCount(p.reports.length, 'report blocks');
      header(buf, offset, p.reports.length, RTCP_RR, length);
      writeU32(buf, offset + 4, p.ssrc);
      writeReportBlocks(buf, offset + 8, p.reports);
      break;
    case 'sdes':
      checkCount(p.chunks.length, 'SDES chunks');
      header(buf, offset, p.chunks.length, RTCP_SDES, length);
      writeSdes(buf, offset, p);
      break;
    case 'bye':
      checkCount(p.ssrcs.length, 'BYE sources');
      header(buf, offset, p.ssrcs.length, RTCP_BYE, length);
      writeBye(buf, offset, p, length);
      break;
  }
  return length;
}

/** One packet in a fresh Buffer. */
export function encodeRtcpPacket(p: RtcpEncodable): Buffer {
  const b = Buffer.alloc(rtcpPacketLength(p));
  writeRtcpPacket(b, 0, p);
  return b;
}

/**
 * The packets back to back, as one datagram carries them (6.1: a compound starts with an SR or RR
 * and carries an SDES CNAME; that is the caller's to choose, nothing here reorders).
 */
export function encodeRtcpCompound(packets: readonly RtcpEncodable[]): Buffer {
  let total = 0;
  for (const p of packets) total += rtcpPacketLength(p);
  const b = Buffer.alloc(total);
  let pos = 0;
  for (const p of packets) pos += writeRtcpPacket(b, pos, p);
  return b;
}

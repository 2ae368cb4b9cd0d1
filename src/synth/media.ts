/**
 * RTP (RFC 3550 section 5.1), RFC 4733 telephone-event payloads and RTCP SR / RR / SDES, in the
 * shapes the generator plans with; the packet bytes are written by src/encode/ (rtp.ts, rtcp.ts).
 */
import type { ReportBlock } from '../decode/rtcp/report-block.js';
import { encodeRtcpPacket } from '../encode/rtcp.js';
import { encodeRtpPacket } from '../encode/rtp.js';

export interface RtpHeaderSpec {
  marker: boolean;
  payloadType: number;
  seq: number;
  /** may be beyond 2^32 (an unwrapped timestamp): it is written modulo 2^32 */
  timestamp: number;
  ssrc: number;
}

/** 12-byte RTP header (V=2, no padding, extension or CSRCs) followed by the payload */
export function rtpPacket(h: RtpHeaderSpec, payload: Uint8Array): Buffer {
  return encodeRtpPacket(
    { marker: h.marker, payloadType: h.payloadType, sequence: h.seq, timestamp: h.timestamp, ssrc: h.ssrc }, payload,
  );
}

/** G.711 silence-like payload: PCMA idles at 0xd5, PCMU at 0xff */
export function g711Payload(codec: 'PCMA' | 'PCMU', samples: number): Buffer {
  return Buffer.alloc(samples, codec === 'PCMA' ? 0xd5 : 0xff);
}

/** RFC 4733 section 2.3: event, E bit, volume, duration in timestamp units */
export function telephoneEventPayload(event: number, end: boolean, volume: number, duration: number): Buffer {
  const b = Buffer.alloc(4);
  b[0] = event;
  b[1] = (end ? 0x80 : 0) | (volume & 0x3f);
  b.writeUInt16BE(Math.min(duration, 0xffff), 2);
  return b;
}

/** a report block as the decoder reads it; jitter may be fractional here (the writer rounds it) */
export type { ReportBlock } from '../decode/rtcp/report-block.js';

/** seconds between 1900-01-01 (NTP era 0) and 1970-01-01 */
export const NTP_UNIX_OFFSET = 2208988800;

/** NTP timestamp of a Unix time as [seconds, fraction] (RFC 3550 section 4) */
export function ntpTimestamp(unixSec: number, nsec: number): [number, number] {
  return [(unixSec + NTP_UNIX_OFFSET) >>> 0, Math.floor((nsec / 1e9) * 4294967296) >>> 0];
}

/** the middle 32 bits of an NTP timestamp, as LSR carries it (RFC 3550 section 6.4.1) */
export function ntpMiddle32(ntpSec: number, ntpFrac: number): number {
  return (((ntpSec & 0xffff) << 16) | (ntpFrac >>> 16)) >>> 0;
}

export interface SenderInfo {
  ntpSec: number;
  ntpFrac: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export function rtcpSenderReport(ssrc: number, info: SenderInfo, blocks: ReportBlock[]): Buffer {
  return encodeRtcpPacket({
    type: 'sr', ssrc, ntpSeconds: info.ntpSec, ntpFraction: info.ntpFrac, rtpTimestamp: info.rtpTimestamp,
    packetCount: info.packetCount, octetCount: info.octetCount, reports: blocks,
  });
}

export function rtcpReceiverReport(ssrc: number, blocks: ReportBlock[]): Buffer {
  return encodeRtcpPacket({ type: 'rr', ssrc, reports: blocks });
}

/** SDES with one CNAME item, padded to a 32-bit boundary (RFC 3550 section 6.5) */
export function rtcpSdesCname(ssrc: number, cname: string): Buffer {
  return encodeRtcpPacket({ type: 'sdes', chunks: [{ ssrc, items: [{ type: 1, text: cname }] }] });
}

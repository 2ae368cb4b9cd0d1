/** RTP (RFC 3550 section 5.1), RFC 4733 telephone-event payloads and RTCP SR / RR / SDES. */

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
  const b = Buffer.alloc(12 + payload.length);
  b[0] = 0x80;
  b[1] = (h.marker ? 0x80 : 0) | (h.payloadType & 0x7f);
  b.writeUInt16BE(h.seq & 0xffff, 2);
  b.writeUInt32BE(h.timestamp % 4294967296, 4);
  b.writeUInt32BE(h.ssrc >>> 0, 8);
  b.set(payload, 12);
  return b;
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

export interface ReportBlock {
  ssrc: number;
  /** fraction lost since the previous report, 0..255 (RFC 3550 section 6.4.1) */
  fractionLost: number;
  /** signed 24-bit cumulative number of packets lost */
  cumulativeLost: number;
  extendedHighestSeq: number;
  /** interarrival jitter in timestamp units */
  jitter: number;
  /** middle 32 bits of the NTP timestamp of the last SR received, 0 when none */
  lsr: number;
  /** delay since that SR, in units of 1/65536 s */
  dlsr: number;
}

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

function writeBlocks(b: Buffer, off: number, blocks: ReportBlock[]): void {
  let o = off;
  for (const r of blocks) {
    b.writeUInt32BE(r.ssrc >>> 0, o);
    b[o + 4] = r.fractionLost & 0xff;
    // signed 24-bit: two's complement of a negative count (duplicates) in 3 bytes
    const cum = r.cumulativeLost < 0 ? 0x1000000 + Math.max(r.cumulativeLost, -0x800000) : Math.min(r.cumulativeLost, 0x7fffff);
    b.writeUIntBE(cum, o + 5, 3);
    b.writeUInt32BE(r.extendedHighestSeq >>> 0, o + 8);
    b.writeUInt32BE(Math.round(r.jitter) >>> 0, o + 12);
    b.writeUInt32BE(r.lsr >>> 0, o + 16);
    b.writeUInt32BE(r.dlsr >>> 0, o + 20);
    o += 24;
  }
}

function rtcpHeader(b: Buffer, count: number, pt: number): void {
  b[0] = 0x80 | (count & 0x1f);
  b[1] = pt;
  b.writeUInt16BE(b.length / 4 - 1, 2);
}

export interface SenderInfo {
  ntpSec: number;
  ntpFrac: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
}

export function rtcpSenderReport(ssrc: number, info: SenderInfo, blocks: ReportBlock[]): Buffer {
  const b = Buffer.alloc(28 + 24 * blocks.length);
  rtcpHeader(b, blocks.length, 200);
  b.writeUInt32BE(ssrc >>> 0, 4);
  b.writeUInt32BE(info.ntpSec >>> 0, 8);
  b.writeUInt32BE(info.ntpFrac >>> 0, 12);
  b.writeUInt32BE(info.rtpTimestamp % 4294967296, 16);
  b.writeUInt32BE(info.packetCount >>> 0, 20);
  b.writeUInt32BE(info.octetCount >>> 0, 24);
  writeBlocks(b, 28, blocks);
  return b;
}

export function rtcpReceiverReport(ssrc: number, blocks: ReportBlock[]): Buffer {
  const b = Buffer.alloc(8 + 24 * blocks.length);
  rtcpHeader(b, blocks.length, 201);
  b.writeUInt32BE(ssrc >>> 0, 4);
  writeBlocks(b, 8, blocks);
  return b;
}

/** SDES with one CNAME item, padded to a 32-bit boundary (RFC 3550 section 6.5) */
export function rtcpSdesCname(ssrc: number, cname: string): Buffer {
  const text = Buffer.from(cname, 'utf8');
  const chunkLen = Math.ceil((4 + 2 + text.length + 1) / 4) * 4;
  const b = Buffer.alloc(4 + chunkLen);
  rtcpHeader(b, 1, 202);
  b.writeUInt32BE(ssrc >>> 0, 4);
  b[8] = 1;
  b[9] = text.length;
  b.set(text, 10);
  return b;
}

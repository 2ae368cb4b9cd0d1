/**
 * RTCP compound packet (RFC 3550 section 6.1): one or more RTCP packets back to back in one datagram,
 * each with its own common header. Also copes with SRTCP (RFC 3711 section 3.4): everything after the
 * first 8 octets is encrypted and an E-flag/index word, an optional MKI and an authentication tag follow.
 * The first packet's header and SSRC are always clear, so we keep what they say and do not fail.
 */
import { readU32 } from '../rtp.js';
import { type RtcpCommonHeader, type RtcpError, decodeRtcpHeader, rtcpError, RTCP_APP, RTCP_BYE, RTCP_RR, RTCP_SDES, RTCP_SR, RTCP_XR, rtcpPadding } from './header.js';
import { type RtcpApp, decodeApp } from './app.js';
import { type RtcpBye, decodeBye } from './bye.js';
import { type RtcpReceiverReport, decodeReceiverReport } from './rr.js';
import { type RtcpSdes, decodeSdes } from './sdes.js';
import { type RtcpSenderReport, decodeSenderReport } from './sr.js';
import { type RtcpXr, decodeXr } from './xr.js';

/** a packet type we do not decode further (RTPFB, PSFB, ...) or one whose body is encrypted */
export interface RtcpOpaque {
  type: 'other';
  packetType: number;
  count: number;
  /** SSRC of the packet sender (first word after the header), -1 when the packet is too short */
  ssrc: number;
}

export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSdes | RtcpBye | RtcpApp | RtcpXr | RtcpOpaque;

export interface RtcpCompound {
  ok: true;
  packets: RtcpPacket[];
  /**
   * true when the compound did not parse in the clear: SRTCP (encrypted body and trailer) or trailing
   * bytes; `packets` then holds only the first packet, from its clear header (type, count, SSRC).
   */
  encrypted: boolean;
}

export function decodeRtcpCompound(buf: Uint8Array, offset: number, end: number): RtcpCompound | RtcpError {
  if (end > buf.length) end = buf.length;
  const first = decodeRtcpHeader(buf, offset, end);
  if (!first.ok) return first;
  const packets: RtcpPacket[] = [];
  let pos = offset;
  while (pos < end) {
    const h = pos === offset ? first : decodeRtcpHeader(buf, pos, end);
    if (!h.ok) return clearHeaderOnly(buf, offset, first.value);
    const p = decodeOne(buf, pos, h.value);
    if (!p.ok) return clearHeaderOnly(buf, offset, first.value);
    packets.push(p.value);
    pos += h.value.byteLength;
  }
  return { ok: true, packets, encrypted: false };
}

function clearHeaderOnly(buf: Uint8Array, offset: number, h: RtcpCommonHeader): RtcpCompound {
  const ssrc = h.byteLength >= 8 ? readU32(buf, offset + 4) : -1;
  return { ok: true, packets: [{ type: 'other', packetType: h.packetType, count: h.count, ssrc }], encrypted: true };
}

function decodeOne(
  buf: Uint8Array,
  offset: number,
  h: RtcpCommonHeader,
): { ok: true; value: RtcpPacket } | RtcpError {
  let header = h;
  if (h.padding) {
    const pad = rtcpPadding(buf, offset, h.byteLength, 4);
    if (pad < 0) return rtcpError('RTCP_BAD_PADDING', offset + h.byteLength - 1);
    header = { ...h, byteLength: h.byteLength - pad };
  }
  switch (h.packetType) {
    case RTCP_SR:
      return decodeSenderReport(buf, offset, header);
    case RTCP_RR:
      return decodeReceiverReport(buf, offset, header);
    case RTCP_SDES:
      return decodeSdes(buf, offset, header);
    case RTCP_BYE:
      return decodeBye(buf, offset, header);
    case RTCP_APP:
      return decodeApp(buf, offset, header);
    case RTCP_XR:
      return decodeXr(buf, offset, header);
    default:
      return {
        ok: true,
        value: {
          type: 'other',
          packetType: h.packetType,
          count: h.count,
          ssrc: header.byteLength >= 8 ? readU32(buf, offset + 4) : -1,
        },
      };
  }
}

/** the SSRC of the sender of the first packet (clear even in SRTCP), or -1 */
export function rtcpSenderSsrc(p: RtcpPacket): number {
  if (p.type === 'sdes') return p.chunks[0]?.ssrc ?? -1;
  if (p.type === 'bye') return p.ssrcs[0] ?? -1;
  return p.ssrc;
}

/**
 * The RTP streams of a capture, keyed numerically by (source endpoint, destination endpoint, SSRC) as
 * tshark's rtpstream_id is (no string key per packet). Each stream runs the tshark-exact statistics
 * (measure/rtp-stream-stats.ts), our own RFC 3550 sequence accounting, DSCP counts, RTCP figures and a
 * bounded series.
 */
import type { PacketInfo } from '../decode/packet-info.js';
import { endpointKey } from '../decode/packet-info.js';
import type { RtpHeader } from '../decode/rtp.js';
import type { RtcpPacket } from '../decode/rtcp/compound.js';
import type { PayloadInfo } from './media-registry.js';
import { extendTimestamp, EXTENDED_TIMESTAMP_START } from '../measure/rtp-timestamp.js';
import { ntpMiddle32 } from '../measure/ntp.js';
import { RtpStreamState, type StreamContext } from './stream-state.js';

export { RtpStreamState } from './stream-state.js';
export type { StreamContext } from './stream-state.js';

export interface StreamTableOptions {
  addresses: { formatEndpoint(key: number, port: number): string };
  /** DSCP values the profile allows for RTP (packets with others count as mismatches) */
  rtpDscp: number[];
  /** bounded series length per stream (default 600 points) */
  seriesPoints?: number;
}

export class StreamTable {
  private readonly byKey = new Map<number, Map<number, Map<number, RtpStreamState>>>();
  private readonly bySsrc = new Map<number, RtpStreamState[]>();
  private readonly list: RtpStreamState[] = [];
  private readonly rtpDscpMask: boolean[] = new Array<boolean>(64).fill(false);
  private originSec = -1;
  private originNsec = 0;
  private lastSrc = -1;
  private lastDst = -1;
  private lastSsrc = -1;
  private last: RtpStreamState | null = null;

  constructor(private readonly opts: StreamTableOptions) {
    for (const d of opts.rtpDscp) if (d >= 0 && d < 64) this.rtpDscpMask[d] = true;
  }

  /** capture time of the FIRST frame of the capture (tshark's rel_ts origin); set before any push */
  setTimeOrigin(tsSec: number, tsNsec: number): void {
    this.originSec = tsSec;
    this.originNsec = tsNsec;
  }

  pushRtp(p: PacketInfo, hdr: RtpHeader, ctx: StreamContext): RtpStreamState {
    if (this.originSec < 0) this.setTimeOrigin(p.tsSec, p.tsNsec);
    const src = endpointKey(p.srcAddr, p.srcPort);
    const dst = endpointKey(p.dstAddr, p.dstPort);
    let s: RtpStreamState;
    if (this.last !== null && src === this.lastSrc && dst === this.lastDst && hdr.ssrc === this.lastSsrc) {
      s = this.last;
    } else {
      s = this.lookup(p, src, dst, hdr.ssrc, ctx);
      this.last = s;
      this.lastSrc = src;
      this.lastDst = dst;
      this.lastSsrc = hdr.ssrc;
    }
    let extTs = ctx.extendedTimestamp;
    if (extTs === undefined) {
      // no conversation state given: extend per stream, as a conversation of its own would
      extTs = s.ownExtTs = extendTimestamp(s.ownExtTs, hdr.timestamp);
    }
    s.push(p, hdr, ctx, extTs, this.originSec, this.originNsec, this.rtpDscpMask[p.dscp] === true);
    return s;
  }

  /**
   * One RTCP compound (decoded by decodeRtcpCompound) from p.srcAddr. SRs count for the sender's
   * streams; report blocks go to the streams they describe, preferring those whose receiver sent them.
   */
  pushRtcp(p: PacketInfo, packets: readonly RtcpPacket[]): void {
    const captureMs = p.tsSec * 1000 + p.tsNsec / 1e6;
    const touched = new Set<RtpStreamState>();
    for (const pkt of packets) {
      if (pkt.type === 'sr' || pkt.type === 'rr') {
        for (const s of this.matching(pkt.ssrc, p.srcAddr, true)) {
          touched.add(s);
          if (pkt.type === 'sr') s.rtcp.onSenderReport(ntpMiddle32(pkt.ntpSeconds, pkt.ntpFraction), captureMs);
        }
        for (const b of pkt.reports) {
          for (const s of this.matching(b.ssrc, p.srcAddr, false)) {
            touched.add(s);
            if (pkt.type === 'rr') s.rtcp.receiverReports++;
            s.rtcp.onReportBlock(b, s.clockRateForRtcp(), captureMs);
          }
        }
      } else if (pkt.type === 'other' && pkt.ssrc >= 0) {
        for (const s of this.matching(pkt.ssrc, p.srcAddr, true)) touched.add(s);
      }
    }
    for (const s of touched) s.rtcp.packets++;
  }

  /** every stream, in order of first packet */
  streams(): RtpStreamState[] {
    return this.list;
  }

  /** settle the sequence windows (call once at the end of input) */
  flush(): void {
    for (const s of this.list) s.flush();
  }

  private lookup(p: PacketInfo, src: number, dst: number, ssrc: number, ctx: StreamContext): RtpStreamState {
    let m2 = this.byKey.get(src);
    if (!m2) this.byKey.set(src, (m2 = new Map()));
    let m3 = m2.get(dst);
    if (!m3) m2.set(dst, (m3 = new Map()));
    let s = m3.get(ssrc);
    if (s === undefined) {
      const a = this.opts.addresses;
      s = new RtpStreamState({
        ssrc,
        srcAddr: p.srcAddr,
        dstAddr: p.dstAddr,
        srcPort: p.srcPort,
        dstPort: p.dstPort,
        src: a.formatEndpoint(p.srcAddr, p.srcPort),
        dst: a.formatEndpoint(p.dstAddr, p.dstPort),
        callId: ctx.callId,
        detection: ctx.detection,
        srtp: ctx.srtp,
        seriesPoints: this.opts.seriesPoints ?? 600,
        ownExtTs: EXTENDED_TIMESTAMP_START,
      });
      m3.set(ssrc, s);
      this.list.push(s);
      let same = this.bySsrc.get(ssrc);
      if (!same) this.bySsrc.set(ssrc, (same = []));
      same.push(s);
    }
    return s;
  }

  /** streams with this SSRC; prefer those whose source (asSender) or destination is the RTCP sender */
  private matching(ssrc: number, rtcpFrom: number, asSender: boolean): RtpStreamState[] {
    const all = this.bySsrc.get(ssrc);
    if (all === undefined) return [];
    const near = all.filter((s) => (asSender ? s.srcAddr : s.dstAddr) === rtcpFrom);
    return near.length > 0 ? near : all;
  }
}

export type { PayloadInfo };

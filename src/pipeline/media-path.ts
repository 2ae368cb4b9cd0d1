/**
 * The media side of the pipeline: which UDP datagrams are RTP/RTCP (signalled by SDP, or found by the
 * confirmed heuristic), per-stream measurements, RTCP reports, and the stream ids and live views.
 * Hot path: one classify() and one pushRtp() per RTP packet, numbers only.
 */
import type { AddressTable } from '../decode/ip/address-table.js';
import { PacketInfo } from '../decode/packet-info.js';
import { decodeRtcpCompound } from '../decode/rtcp/compound.js';
import { RtpHeader } from '../decode/rtp.js';
import type { StreamReport } from '../model/report.js';
import { MEDIA_NONE, MEDIA_RTCP, MEDIA_RTP, MediaRegistry, type MediaContext } from '../track/media-registry.js';
import { StreamTable, type RtpStreamState } from '../track/streams.js';
import type { ExpectedMedia } from '../track/calls.js';
import type { Settings } from '../verdict/settings.js';
import { addressKeyOfText } from './address-text.js';
import type { EventBus } from './event-bus.js';
import type { LiveStream } from './events.js';
import { StreamLive } from './stream-live.js';
import { FAST_B1, FAST_CONV, FAST_DSCP, FAST_SEQ, FAST_STREAM, FAST_TS, type RtpFastPath } from './rtp-fast-path.js';

export class MediaPath {
  rtcpErrors = 0;
  /** RTP packets measured through the fast path (pushKnown) */
  fastPackets = 0;
  private readonly registry: MediaRegistry;
  private readonly table: StreamTable;
  private readonly hdr = new RtpHeader();
  private readonly live: StreamLive[] = [];
  private readonly replay = (p: PacketInfo, h: RtpHeader, ctx: MediaContext): void => {
    this.rtp(p, h, ctx);
  };

  constructor(
    private readonly addresses: AddressTable,
    private readonly settings: Settings,
    private readonly bus: EventBus,
    private readonly withSeries: boolean,
    private readonly fast: RtpFastPath | null = null,
  ) {
    const onEndpointChange = fast === null ? undefined : (addrKey: number, port: number): void => fast.unbindEndpoint(addrKey, port);
    this.registry = new MediaRegistry({ heuristic: true, ...(onEndpointChange ? { onEndpointChange } : {}) }, new PacketInfo());
    // the per-stream time series costs per packet: keep it only when a report will show it
    this.table = new StreamTable({ addresses, rtpDscp: settings.thresholds.rtpDscp, seriesPoints: withSeries ? 600 : 0 });
  }

  setTimeOrigin(tsSec: number, tsNsec: number): void {
    this.table.setTimeOrigin(tsSec, tsNsec);
  }

  /** an SDP m= line seen by the call tracker */
  expect(m: ExpectedMedia): void {
    const addrKey = addressKeyOfText(this.addresses, m.address);
    if (addrKey === null) return;
    this.registry.register({
      addrKey, port: m.port, rtcpPort: m.rtcpPort, rtcpMux: m.rtcpMux, fromFrame: m.fromFrame,
      payloads: m.payloads, callId: m.callId, srtp: m.srtp,
    });
  }

  /**
   * The fast path: when the frame at `addr` of the fast path's memory is an RTP packet of a flow bound
   * earlier, measure it (p gets the record's number and time) and answer true; else false, and nothing
   * changed. Only bound flows: their classification and stream are what pushUdp found for them.
   */
  pushKnown(addr: number, capLen: number, linkType: number, p: PacketInfo): boolean {
    const fast = this.fast!;
    if (fast.classify(addr, capLen, linkType) === 0) return false;
    const w = fast.scratch;
    const h = this.hdr;
    h.sequence = w[FAST_SEQ]!;
    h.timestamp = w[FAST_TS]! >>> 0;
    const b1 = w[FAST_B1]!;
    h.payloadType = b1 & 0x7f;
    h.marker = b1 >= 0x80;
    p.dscp = w[FAST_DSCP]!;
    const index = w[FAST_STREAM]!;
    const s = this.table.streams()[index]!;
    p.srcAddr = s.srcAddr;
    p.dstAddr = s.dstAddr;
    p.srcPort = s.srcPort;
    p.dstPort = s.dstPort;
    this.table.pushKnown(index, p, h, this.registry.contextOf(w[FAST_CONV]!, h.timestamp));
    this.fastPackets++;
    return true;
  }

  /**
   * true when the datagram was RTP/RTCP (or is held as a heuristic candidate). fastAddr: where the
   * frame is in the fast path's memory (-1: elsewhere), so that an RTP flow can be bound to its stream.
   */
  pushUdp(p: PacketInfo, fastAddr = -1, capLen = 0): boolean {
    const kind = this.registry.classify(p, this.hdr);
    if (kind === MEDIA_NONE) return false;
    if (kind === MEDIA_RTP) {
      this.registry.drainReplay(this.replay);
      this.rtp(p, this.hdr, this.registry.ctx);
      if (fastAddr >= 0 && !p.reassembled) this.fast!.bind(fastAddr, capLen, p.linkType, this.table.lastIndex, this.registry.ctx.convId);
    } else if (kind === MEDIA_RTCP) {
      this.rtcp(p);
    }
    return true;
  }

  flush(): void {
    this.table.flush();
  }

  liveStreams(): LiveStream[] {
    return this.live;
  }

  reports(): Array<Omit<StreamReport, 'verdict'>> {
    return this.live.map((s) => ({ id: s.id, ...s.state.toReport(this.withSeries) }));
  }

  private rtp(p: PacketInfo, h: RtpHeader, ctx: MediaContext): void {
    const before = this.table.streams().length;
    const s = this.table.pushRtp(p, h, ctx);
    if (this.table.streams().length !== before) this.created(s, p);
  }

  private created(s: RtpStreamState, p: PacketInfo): void {
    s.id = `s${this.live.length + 1}`;
    if (s.detection === 'sdp') s.callId = this.callOfBothEnds(s, p.num) ?? s.callId;
    const live = new StreamLive(s, this.settings.thresholds);
    this.live.push(live);
    this.bus.stream(live, 'start');
  }

  /** the newest call whose SDP named both endpoints of the stream, if any */
  private callOfBothEnds(s: RtpStreamState, num: number): string | null {
    const fromSrc = this.registry.callIdsAt(s.srcAddr, s.srcPort, num);
    return this.registry.callIdsAt(s.dstAddr, s.dstPort, num).find((c) => fromSrc.includes(c)) ?? null;
  }

  private rtcp(p: PacketInfo): void {
    const r = decodeRtcpCompound(p.buf, p.payloadStart, p.payloadEnd);
    if (!r.ok) {
      this.rtcpErrors++;
      return;
    }
    this.table.pushRtcp(p, r.packets);
  }
}

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
import type { AnalysisSettings } from '../config/settings.js';
import { addressKeyOfText } from './address-text.js';
import type { EventBus } from './event-bus.js';
import type { LiveStream } from './events.js';
import { StreamLive } from './stream-live.js';
import { RtpFastPath } from './rtp-fast-path.js';

export class MediaPath {
  rtcpErrors = 0;
  /** the WebAssembly fast path for RTP packets of known flows (null: not built, or not wanted) */
  readonly fast: RtpFastPath | null;
  private readonly registry: MediaRegistry;
  private readonly table: StreamTable;
  private readonly hdr = new RtpHeader();
  private readonly live: StreamLive[] = [];
  private readonly replay = (p: PacketInfo, h: RtpHeader, ctx: MediaContext): void => {
    this.rtp(p, h, ctx);
  };

  constructor(
    private readonly addresses: AddressTable,
    private readonly settings: AnalysisSettings,
    private readonly bus: EventBus,
    private readonly withSeries: boolean,
    fastPath = true,
  ) {
    // the per-stream time series costs per packet: keep it only when a report will show it
    this.table = new StreamTable({ addresses, rtpDscp: settings.thresholds.rtpDscp, seriesPoints: withSeries ? 600 : 0 });
    const fast = fastPath ? RtpFastPath.create(this.table.arena) : null;
    this.fast = fast;
    const onEndpointChange = fast === null ? undefined : (addrKey: number, port: number): void => fast.unbindEndpoint(addrKey, port);
    this.registry = new MediaRegistry({ heuristic: true, ...(onEndpointChange ? { onEndpointChange } : {}) }, new PacketInfo());
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
   * true when the datagram was RTP/RTCP (or is held as a heuristic candidate). fastAddr: where the
   * frame is in the fast path's memory (-1: elsewhere), so that an RTP flow can be bound to its stream.
   */
  pushUdp(p: PacketInfo, fastAddr = -1, capLen = 0): boolean {
    const kind = this.registry.classify(p, this.hdr);
    if (kind === MEDIA_NONE) return false;
    if (kind === MEDIA_RTP) {
      this.registry.drainReplay(this.replay);
      this.rtp(p, this.hdr, this.registry.ctx);
      if (fastAddr >= 0 && !p.reassembled) this.fast!.bind(fastAddr, capLen, p.linkType, this.table.lastIndex);
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

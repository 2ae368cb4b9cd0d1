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
import { StreamLive } from './stream-live.js';
import { RtpFastPath } from './rtp-fast-path.js';
import { qualityOf, type QualityOptions } from '../config/sections/quality.js';

export class MediaPath {
  rtcpErrors = 0;
  /** the WebAssembly fast path for RTP packets of known flows (null: not built, or not wanted) */
  readonly fast: RtpFastPath | null;
  private readonly registry: MediaRegistry;
  private readonly table: StreamTable;

  /** a reloaded configuration's DSCP rule for RTP (the thresholds object itself is shared and updated in place) */
  setRtpDscp(allowed: number[]): void {
    this.table.setRtpDscp(allowed);
  }
  private readonly hdr = new RtpHeader();
  /** the streams held (not retired), by id, in order of first packet */
  private readonly live = new Map<string, StreamLive>();
  /** held streams by "src>dst" (the newest): a stream's reverse direction, for its RTCP round trip */
  private readonly byPath = new Map<string, StreamLive>();
  private readonly quality: QualityOptions;
  private readonly reverseRtt = (s: RtpStreamState): number | null => this.byPath.get(`${s.dst}>${s.src}`)?.state.meanRttMs ?? null;
  /** Call-ID -> ids of its streams (made when a stream of the call starts; taken when the call retires) */
  private readonly streamsOfCall = new Map<string, string[]>();
  /** streams made so far: the next id is s(made + 1) */
  private made = 0;
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
    this.quality = qualityOf(settings);
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
      // a tunnelled packet's flow is the inner one: the fast path decodes only the outer frame, so it is never bound
      if (fastAddr >= 0 && !p.reassembled && p.encapsulation === 0) this.fast!.bind(fastAddr, capLen, p.linkType, this.table.lastIndex);
    } else if (kind === MEDIA_RTCP) {
      this.rtcp(p);
    }
    return true;
  }

  flush(): void {
    this.table.flush();
  }

  liveStreams(): StreamLive[] {
    return [...this.live.values()];
  }

  /** endpoints the held calls' SDPs named */
  get signalledEndpoints(): number {
    return this.registry.signalledEndpoints;
  }

  /** streams held now (active, or idle and not retired yet) */
  get heldStreams(): number {
    return this.live.size;
  }

  /** WebAssembly stream records in use and allocated (the second stays flat once streams retire) */
  get records(): { inUse: number; allocated: number } {
    return { inUse: this.table.arena.inUse, allocated: this.table.arena.allocated };
  }

  reports(): Array<Omit<StreamReport, 'verdict'>> {
    return [...this.live.values()].map((s) => this.figuresOf(s));
  }

  figuresOf(s: StreamLive): Omit<StreamReport, 'verdict'> {
    return { id: s.id, ...s.state.toReport(this.withSeries, this.quality, this.reverseRtt(s.state)) };
  }

  /** a held stream by id */
  held(id: string): StreamLive | undefined {
    return this.live.get(id);
  }

  /** true while some stream of the call is held */
  holdsStreamsOf(callId: string): boolean {
    const ids = this.streamsOfCall.get(callId);
    return ids !== undefined && ids.some((id) => this.live.has(id));
  }

  /** the ids of the call's streams, forgotten here (the call retires) */
  takeStreamsOf(callId: string): string[] {
    const ids = this.streamsOfCall.get(callId) ?? [];
    this.streamsOfCall.delete(callId);
    return ids;
  }

  /** the call retired: its SDPs no longer classify packets */
  forgetCall(callId: string): void {
    this.registry.forgetCall(callId);
  }

  /**
   * Streams whose last packet is older than cutoffMs retire: `finalise` takes each one's final figures
   * (and freezes its live view), then its record, fast-path bindings and heuristic flow are released.
   */
  retireIdle(cutoffMs: number, finalise: (live: StreamLive, figures: Omit<StreamReport, 'verdict'>) => void): number {
    let n = 0;
    for (const live of this.live.values()) {
      if (live.lastSeenEpochMs >= cutoffMs) continue;
      const s = live.state;
      s.flush();
      // a stream tied to its call after its first packet (a later SDP) still belongs to the call's list
      if (s.callId !== null && !(this.streamsOfCall.get(s.callId)?.includes(s.id) ?? false)) this.noteCallStream(s.callId, s.id);
      finalise(live, this.figuresOf(live));
      this.fast?.unbindStream(s.record.index);
      if (s.detection === 'heuristic') this.registry.forgetFlow(s.srcAddr, s.srcPort, s.dstAddr, s.dstPort, s.ssrc);
      this.table.retire(s);
      this.live.delete(live.id);
      const key = `${s.src}>${s.dst}`;
      if (this.byPath.get(key) === live) this.byPath.delete(key);
      n++;
    }
    return n;
  }

  private rtp(p: PacketInfo, h: RtpHeader, ctx: MediaContext): void {
    const before = this.table.created;
    const s = this.table.pushRtp(p, h, ctx);
    if (this.table.created !== before) this.created(s, p);
  }

  private created(s: RtpStreamState, p: PacketInfo): void {
    s.id = `s${++this.made}`;
    if (s.detection === 'sdp') s.callId = this.callOfBothEnds(s, p.num) ?? s.callId;
    const live = new StreamLive(s, this.settings.thresholds, this.quality, this.reverseRtt);
    this.live.set(s.id, live);
    this.byPath.set(`${s.src}>${s.dst}`, live);
    if (s.callId !== null) this.noteCallStream(s.callId, s.id);
    this.bus.stream(live, 'start');
  }

  private noteCallStream(callId: string, id: string): void {
    const ids = this.streamsOfCall.get(callId);
    if (ids === undefined) this.streamsOfCall.set(callId, [id]);
    else ids.push(id);
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
    if (!this.bus.wantsRtcp) return;
    const a = this.addresses;
    this.bus.rtcp({
      packets: r.packets, packet: p.num, epochMs: p.tsSec * 1000 + p.tsNsec / 1e6, transport: 'udp',
      src: a.format(p.srcAddr), srcPort: p.srcPort, dst: a.format(p.dstAddr), dstPort: p.dstPort,
      dscp: p.dscp < 0 ? null : p.dscp, source: p.source,
    });
  }
}

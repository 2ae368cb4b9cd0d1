/**
 * One RTP stream's live state: tshark-exact statistics, RFC 3550 sequence accounting, DSCP counts, RTCP
 * figures and the bounded series. Exposes the LiveStream numbers as getters and toReport() for the
 * StreamReport (the lead assigns id and verdict).
 */
import type { PacketInfo } from '../decode/packet-info.js';
import type { RtpHeader } from '../decode/rtp.js';
import type { StreamReport } from '../model/report.js';
import { RtcpStreamStats } from '../measure/rtcp-stats.js';
import { isTelephoneEventName, PT_CN, PT_CN_OLD, staticPayloadName, tsharkClockRate, staticClockRate, dynamicClockRate } from '../measure/rtp-clock.js';
import { RtpStreamStats, relativeMs } from '../measure/rtp-stream-stats.js';
import { extendTimestamp } from '../measure/rtp-timestamp.js';
import { SequenceTracker } from '../measure/sequence.js';
import { StreamSeriesBuilder } from '../measure/stream-series.js';
import type { PayloadInfo } from './media-registry.js';

export interface StreamContext {
  payloads?: Map<number, PayloadInfo> | undefined;
  callId: string | null;
  srtp: boolean;
  detection: 'sdp' | 'heuristic';
  /** the conversation's extended timestamp (MediaRegistry); when absent the stream extends its own */
  extendedTimestamp?: number;
  /** the conversation's number (MediaRegistry): the stream table remembers its last streams per number */
  convId?: number;
}

export interface StreamIdentity {
  ssrc: number;
  srcAddr: number;
  dstAddr: number;
  srcPort: number;
  dstPort: number;
  src: string;
  dst: string;
  callId: string | null;
  detection: 'sdp' | 'heuristic';
  srtp: boolean;
  /** points of the bounded time series; 0: keep none */
  seriesPoints: number;
  ownExtTs: number;
  /** the capture's time origin (shared, set before the first packet) */
  origin: TimeOrigin;
}

/** capture time of the first frame of the capture: tshark's rel_ts origin */
export class TimeOrigin {
  sec = -1;
  nsec = 0;
}

export type StreamReportData = Omit<StreamReport, 'id' | 'verdict'>;

export class RtpStreamState {
  /** assigned by the pipeline ("s1", ...) */
  id = '';
  readonly ssrc: number;
  readonly srcAddr: number;
  readonly dstAddr: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly src: string;
  readonly dst: string;
  callId: string | null;
  detection: 'sdp' | 'heuristic';
  srtp: boolean;
  readonly stats = new RtpStreamStats();
  readonly sequence = new SequenceTracker();
  readonly rtcp = new RtcpStreamStats();
  /** null when the caller wants no time series (the common case: --json without --series) */
  readonly series: StreamSeriesBuilder | null;
  /** DSCP value -> packets, except the current run of one DSCP value (see dscpCount()); made when a second value shows */
  private dscpCounts: Uint32Array | null = null;
  /** the DSCP of the last packets and how many in a row: the array is touched only when it changes */
  private runDscp = -1;
  private runPackets = 0;
  dscpMismatchPackets = 0;
  telephoneEventPackets = 0;
  /** per-stream extended timestamp, used only when no conversation state is given */
  ownExtTs: number;
  firstPt = -1;
  /** the last payload type that was neither CN nor telephone-event (the voice codec) */
  voicePt = -1;
  private readonly origin: TimeOrigin;
  private voiceCodec: string | null = null;
  private voiceRate = 0;
  /** capture time of the first and last packet (seconds, nanoseconds) */
  private firstSec = 0;
  private firstNsec = 0;
  private lastSec = 0;
  private lastNsec = 0;
  /** lookupPayload() results for (cachePt, cachePayloads) */
  private cachePt = -1;
  private cachePayloads: Map<number, PayloadInfo> | undefined = undefined;
  private cacheCodec: string | null = null;
  private cacheRate = 0;
  private cacheTev = false;
  private cacheClock = 0;

  constructor(id: StreamIdentity) {
    this.ssrc = id.ssrc;
    this.srcAddr = id.srcAddr;
    this.dstAddr = id.dstAddr;
    this.srcPort = id.srcPort;
    this.dstPort = id.dstPort;
    this.src = id.src;
    this.dst = id.dst;
    this.callId = id.callId;
    this.detection = id.detection;
    this.srtp = id.srtp;
    this.ownExtTs = id.ownExtTs;
    this.origin = id.origin;
    this.series = id.seriesPoints > 0 ? new StreamSeriesBuilder(id.seriesPoints) : null;
  }

  /** one RTP packet of this stream; dscpAllowed: its DSCP is one the profile allows */
  push(p: PacketInfo, hdr: RtpHeader, ctx: StreamContext, dscpAllowed: boolean): void {
    let extTs = ctx.extendedTimestamp;
    if (extTs === undefined) {
      // no conversation state given: extend per stream, as a conversation of its own would
      extTs = this.ownExtTs = extendTimestamp(this.ownExtTs, hdr.timestamp);
    }
    const pt = hdr.payloadType;
    const payloads = ctx.payloads;
    if (pt !== this.cachePt || payloads !== this.cachePayloads) this.lookupPayload(pt, payloads);
    const tsSec = p.tsSec;
    const tsNsec = p.tsNsec;
    const tev = this.cacheTev;
    const o = this.origin;
    const stats = this.stats;
    stats.timed[0] = relativeMs(tsSec, tsNsec, o.sec, o.nsec);
    stats.timed[1] = extTs;
    stats.pushTimed(hdr.sequence, pt, hdr.marker, this.cacheClock, tev, p.num);
    this.sequence.push(hdr.sequence);
    if (this.firstPt < 0) {
      this.firstPt = pt;
      this.firstSec = tsSec;
      this.firstNsec = tsNsec;
    }
    this.lastSec = tsSec;
    this.lastNsec = tsNsec;
    if (tev) this.telephoneEventPackets++;
    else if (pt !== PT_CN && pt !== PT_CN_OLD && pt !== this.voicePt) {
      this.voicePt = pt;
      this.voiceCodec = this.cacheCodec;
      this.voiceRate = this.cacheRate;
    }
    const dscp = p.dscp & 63;
    if (dscp === this.runDscp) this.runPackets++;
    else this.newDscpRun(dscp);
    if (!dscpAllowed) this.dscpMismatchPackets++;
    if (ctx.srtp) this.srtp = true;
    if (this.callId === null && ctx.callId !== null) this.callId = ctx.callId;
    if (this.series !== null) this.series.push(epochMs(tsSec, tsNsec) / 1000, hdr.sequence, this.stats.jitter, this.stats.delta);
  }

  private newDscpRun(dscp: number): void {
    if (this.runDscp >= 0) (this.dscpCounts ??= new Uint32Array(64))[this.runDscp]! += this.runPackets;
    this.runDscp = dscp;
    this.runPackets = 1;
  }

  /** packets with this DSCP value */
  dscpCount(dscp: number): number {
    const before = this.dscpCounts === null ? 0 : this.dscpCounts[dscp]!;
    return before + (dscp === this.runDscp ? this.runPackets : 0);
  }

  /** what the payload map says about pt (cached: it changes only with the payload type or the SDP) */
  private lookupPayload(pt: number, payloads: Map<number, PayloadInfo> | undefined): void {
    const entry = payloads?.get(pt);
    const codec = entry === undefined ? null : entry.codec;
    this.cachePt = pt;
    this.cachePayloads = payloads;
    this.cacheCodec = codec;
    this.cacheRate = entry === undefined ? 0 : entry.clockRate;
    this.cacheTev = codec !== null && isTelephoneEventName(codec);
    this.cacheClock = tsharkClockRate(pt, codec, this.cacheRate);
  }

  flush(): void {
    this.sequence.flush();
  }

  // ---- LiveStream numbers ----
  get packets(): number {
    return this.stats.packets;
  }
  get expected(): number {
    return this.stats.expected;
  }
  get lost(): number {
    return this.stats.lost;
  }
  get jitterMs(): number {
    return this.stats.jitter;
  }
  get jitterMaxMs(): number {
    return this.stats.maxJitter;
  }
  get maxDeltaMs(): number {
    return this.stats.maxDelta;
  }
  get lastSeenEpochMs(): number {
    return epochMs(this.lastSec, this.lastNsec);
  }
  get payloadType(): number {
    return this.voicePt >= 0 ? this.voicePt : this.firstPt;
  }
  get codec(): string {
    const pt = this.payloadType;
    if (pt === this.voicePt && this.voiceCodec !== null) return this.voiceCodec;
    return staticPayloadName(pt) ?? `PT${pt}`;
  }
  get clockRate(): number {
    if (this.stats.clockRate > 0) return this.stats.clockRate;
    const pt = this.payloadType;
    if (pt < 96) return staticClockRate(pt);
    return this.voiceRate > 0 ? this.voiceRate : this.voiceCodec !== null ? dynamicClockRate(this.voiceCodec) : 0;
  }

  /** clock rate used to convert RTCP jitter to ms (0 when unknown) */
  clockRateForRtcp(): number {
    return this.clockRate;
  }

  toReport(withSeries = false): StreamReportData {
    const s = this.stats;
    const dscp: Record<string, number> = {};
    for (let i = 0; i < 64; i++) {
      const n = this.dscpCount(i);
      if (n > 0) dscp[String(i)] = n;
    }
    const rtcp = this.rtcp.packets > 0 ? this.rtcp.toJSON() : null;
    const report: StreamReportData = {
      ssrc: `0x${this.ssrc.toString(16).padStart(8, '0')}`,
      src: this.src,
      dst: this.dst,
      srcPort: this.srcPort,
      dstPort: this.dstPort,
      payloadType: this.payloadType,
      codec: this.codec,
      clockRate: this.clockRate,
      callId: this.callId,
      detection: this.detection,
      srtp: this.srtp,
      firstPacket: s.firstFrame,
      lastPacket: s.lastFrame,
      startTime: new Date(epochMs(this.firstSec, this.firstNsec)).toISOString(),
      durationSeconds: (epochMs(this.lastSec, this.lastNsec) - epochMs(this.firstSec, this.firstNsec)) / 1000,
      packets: s.packets,
      expected: s.expected,
      lost: s.lost,
      lossPercent: s.expected > 0 ? (s.lost * 100) / s.expected : 0,
      duplicates: this.sequence.duplicates,
      outOfOrder: this.sequence.outOfOrder,
      sequenceErrors: s.sequenceErrors,
      longestLossBurst: this.sequence.longestLossBurst,
      telephoneEventPackets: this.telephoneEventPackets,
      maxDeltaMs: s.maxDelta,
      meanDeltaMs: s.meanDelta,
      jitterMeanMs: s.meanJitter,
      jitterMaxMs: s.maxJitter,
      dscp,
      rtcp,
    };
    if (withSeries) report.series = (this.series ?? new StreamSeriesBuilder()).toJSON();
    return report;
  }
}

/** capture time in ms since the epoch, as every report computes it */
function epochMs(sec: number, nsec: number): number {
  return sec * 1000 + nsec / 1e6;
}

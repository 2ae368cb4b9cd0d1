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
  seriesPoints: number;
  ownExtTs: number;
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
  readonly series: StreamSeriesBuilder;
  /** DSCP value -> packets */
  readonly dscpCounts = new Uint32Array(64);
  dscpMismatchPackets = 0;
  telephoneEventPackets = 0;
  /** per-stream extended timestamp, used only when no conversation state is given */
  ownExtTs: number;
  firstPt = -1;
  /** the last payload type that was neither CN nor telephone-event (the voice codec) */
  voicePt = -1;
  private voiceCodec: string | null = null;
  private voiceRate = 0;
  private firstEpochMs = 0;
  private lastEpochMs = 0;

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
    this.series = new StreamSeriesBuilder(id.seriesPoints);
  }

  push(
    p: PacketInfo,
    hdr: RtpHeader,
    ctx: StreamContext,
    extTs: number,
    originSec: number,
    originNsec: number,
    dscpAllowed: boolean,
  ): void {
    const pt = hdr.payloadType;
    const entry = ctx.payloads?.get(pt);
    const codec = entry === undefined ? null : entry.codec;
    const tev = codec !== null && isTelephoneEventName(codec);
    const clock = tsharkClockRate(pt, codec, entry === undefined ? 0 : entry.clockRate);
    const relMs = relativeMs(p.tsSec, p.tsNsec, originSec, originNsec);
    this.stats.push(relMs, hdr.sequence, extTs, pt, hdr.marker, clock, tev, p.num);
    this.sequence.push(hdr.sequence);
    const epochMs = p.tsSec * 1000 + p.tsNsec / 1e6;
    if (this.firstPt < 0) {
      this.firstPt = pt;
      this.firstEpochMs = epochMs;
    }
    this.lastEpochMs = epochMs;
    if (tev) this.telephoneEventPackets++;
    else if (pt !== PT_CN && pt !== PT_CN_OLD && pt !== this.voicePt) {
      this.voicePt = pt;
      this.voiceCodec = codec;
      this.voiceRate = entry === undefined ? 0 : entry.clockRate;
    }
    this.dscpCounts[p.dscp & 63]!++;
    if (!dscpAllowed) this.dscpMismatchPackets++;
    if (ctx.srtp) this.srtp = true;
    if (this.callId === null && ctx.callId !== null) this.callId = ctx.callId;
    this.series.push(epochMs / 1000, hdr.sequence, this.stats.jitter, this.stats.delta);
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
    return this.lastEpochMs;
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
    for (let i = 0; i < 64; i++) if (this.dscpCounts[i]! > 0) dscp[String(i)] = this.dscpCounts[i]!;
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
      startTime: new Date(this.firstEpochMs).toISOString(),
      durationSeconds: (this.lastEpochMs - this.firstEpochMs) / 1000,
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
    if (withSeries) report.series = this.series.toJSON();
    return report;
  }
}

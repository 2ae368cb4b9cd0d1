/**
 * One RTP stream's live state: tshark-exact statistics, RFC 3550 sequence accounting, DSCP counts, RTCP
 * figures and the bounded series. Exposes the LiveStream numbers as getters and toReport() for the
 * StreamReport (the lead assigns id and verdict).
 *
 * The per-packet figures live in the stream's record in WebAssembly memory (src/wasm/streams.ts, where
 * packet() is this class's push for the numbers); what stays here is what needs strings or objects:
 * identity, Call-ID, codec names from the SDP, SRTP, and the time series.
 */
import type { PacketInfo } from '../decode/packet-info.js';
import type { RtpHeader } from '../decode/rtp.js';
import type { StreamDelay, StreamReport } from '../model/report.js';
import { DEFAULT_QUALITY, type QualityOptions } from '../config/sections/quality.js';
import { rtcpDelay, meanRttMs } from '../measure/delay.js';
import { streamQuality, type StreamQuality } from '../measure/stream-quality.js';
import { RtcpStreamStats } from '../measure/rtcp-stats.js';
import { isTelephoneEventName, staticPayloadName, tsharkClockRate, staticClockRate, dynamicClockRate } from '../measure/rtp-clock.js';
import { RtpStreamStats } from '../measure/rtp-stream-stats.js';
import { countedLoss, type CountedLoss } from '../measure/counted-loss.js';
import { SequenceTracker } from '../measure/sequence.js';
import { SLOT, StreamRecord, type StreamArena } from '../measure/stream-arena.js';
import { StreamSeriesBuilder } from '../measure/stream-series.js';
import type { PayloadInfo } from './media-registry.js';
import { isoTime } from '../model/iso-time.js';

export interface StreamContext {
  payloads?: Map<number, PayloadInfo> | undefined;
  callId: string | null;
  srtp: boolean;
  detection: 'sdp' | 'heuristic';
  /** the conversation's extended timestamp (MediaRegistry); the figures use the timestamp modulo 2^32 only */
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
  /** where the record goes (the table's arena; its time origin is the capture's) */
  arena?: StreamArena;
}

/** T_VOICE_CHANGED answer bit of packet() (src/wasm/streams.ts VOICE_CHANGED) */
const VOICE_CHANGED = 1;

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
  /** the stream's record: its number in the arena is the fast path's stream number */
  readonly record: StreamRecord;
  readonly stats: RtpStreamStats;
  readonly sequence: SequenceTracker;
  readonly rtcp = new RtcpStreamStats();
  /** the last RTCP compound counted for this stream (StreamTable.pushRtcp) */
  rtcpMark = 0;
  /** null when the caller wants no time series (the common case: --json without --series) */
  readonly series: StreamSeriesBuilder | null;
  private voiceCodec: string | null = null;
  private voiceRate = 0;
  /** lookupPayload() results for (cachePt, cachePayloads); the record holds pt, clock and the DTMF flag */
  private cachePt = -1;
  private cachePayloads: Map<number, PayloadInfo> | undefined = undefined;
  private cacheCodec: string | null = null;
  private cacheRate = 0;
  /** the payload map's name and clock of the first packet's type (a telephone-event-only stream has no voice codec) */
  private firstCodec: string | null | undefined = undefined;
  private firstRate = 0;

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
    this.record = new StreamRecord(id.arena);
    this.stats = new RtpStreamStats(this.record);
    this.sequence = new SequenceTracker(this.record);
    this.series = id.seriesPoints > 0 ? new StreamSeriesBuilder(id.seriesPoints) : null;
    // the series is kept in JavaScript: every packet of this stream goes through push()
    if (this.series !== null) this.record.set(SLOT.T_JS_ONLY, 1);
  }

  get dscpMismatchPackets(): number {
    return this.record.get(SLOT.T_DSCP_MISMATCH);
  }

  get telephoneEventPackets(): number {
    return this.record.get(SLOT.T_TEV_PACKETS);
  }

  get firstPt(): number {
    return this.record.get(SLOT.T_FIRST_PT);
  }

  /** the last payload type that was neither CN nor telephone-event (the voice codec) */
  get voicePt(): number {
    return this.record.get(SLOT.T_VOICE_PT);
  }

  /**
   * one RTP packet of this stream (its DSCP is counted against the arena's allowed set). The fast path
   * measures packets of bound flows without this method (fastPacket in src/wasm/streams.ts).
   */
  push(p: PacketInfo, hdr: RtpHeader, ctx: StreamContext): void {
    const pt = hdr.payloadType;
    const payloads = ctx.payloads;
    if (pt !== this.cachePt || payloads !== this.cachePayloads) this.lookupPayload(pt, payloads);
    const r = this.record;
    const answer = r.arena.x.packet(r.index, p.tsSec, p.tsNsec, p.num, hdr.sequence, hdr.timestamp, pt, hdr.marker ? 1 : 0, p.dscp);
    if (this.firstCodec === undefined) {
      this.firstCodec = this.cacheCodec;
      this.firstRate = this.cacheRate;
    }
    if ((answer & VOICE_CHANGED) !== 0) {
      this.voiceCodec = this.cacheCodec;
      this.voiceRate = this.cacheRate;
    }
    if (ctx.srtp) this.srtp = true;
    if (this.callId === null && ctx.callId !== null) this.callId = ctx.callId;
    if (this.series !== null) this.series.push(epochMs(p.tsSec, p.tsNsec) / 1000, hdr.sequence, this.stats.jitter, this.stats.delta);
  }

  /** packets with this DSCP value */
  dscpCount(dscp: number): number {
    return this.record.arena.x.dscpCount(this.record.index, dscp);
  }

  /**
   * the DSCP value of every packet so far, -1 when it changed within the stream (or before the first
   * packet). Two reads: the current run of one value (T_RUN_*) holds all packets or it does not.
   */
  get onlyDscp(): number {
    const run = this.record.get(SLOT.T_RUN_PACKETS);
    return run > 0 && run === this.stats.packets ? this.record.get(SLOT.T_RUN_DSCP) : -1;
  }

  /** what the payload map says about pt (cached: it changes only with the payload type or the SDP) */
  private lookupPayload(pt: number, payloads: Map<number, PayloadInfo> | undefined): void {
    const entry = payloads?.get(pt);
    const codec = entry === undefined ? null : entry.codec;
    this.cachePt = pt;
    this.cachePayloads = payloads;
    this.cacheCodec = codec;
    this.cacheRate = entry === undefined ? 0 : entry.clockRate;
    const r = this.record;
    r.set(SLOT.T_CACHE_PT, pt);
    r.set(SLOT.T_CACHE_TEV, codec !== null && isTelephoneEventName(codec) ? 1 : 0);
    r.set(SLOT.T_CACHE_CLOCK, tsharkClockRate(pt, codec, this.cacheRate));
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
  /** the loss shown (never negative): duplicates counted once, the runs between sequence restarts added up */
  get counted(): CountedLoss {
    const s = this.stats;
    const q = this.sequence;
    return countedLoss({ packets: s.packets, expected: s.expected, lost: s.lost, duplicates: q.duplicates, resets: q.resyncs, expectedAcrossResets: q.expected });
  }
  /** counted lost / expected in %, never negative (0 before anything is expected) */
  get lossPercent(): number {
    return this.counted.percent;
  }
  get jitterMeanMs(): number {
    return this.stats.meanJitter;
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
    return epochMs(this.record.get(SLOT.T_LAST_SEC), this.record.get(SLOT.T_LAST_NSEC));
  }
  get payloadType(): number {
    const voice = this.voicePt;
    return voice >= 0 ? voice : this.firstPt;
  }
  get codec(): string {
    const pt = this.payloadType;
    if (pt === this.voicePt && this.voiceCodec !== null) return this.voiceCodec;
    if (this.voicePt < 0 && this.firstCodec !== null && this.firstCodec !== undefined) return this.firstCodec;
    return staticPayloadName(pt) ?? `PT${pt}`;
  }
  get clockRate(): number {
    if (this.stats.clockRate > 0) return this.stats.clockRate;
    const pt = this.payloadType;
    if (pt < 96) return staticClockRate(pt);
    if (this.voicePt < 0 && this.firstRate > 0) return this.firstRate;
    return this.voiceRate > 0 ? this.voiceRate : this.voiceCodec !== null ? dynamicClockRate(this.voiceCodec) : 0;
  }

  /** clock rate used to convert RTCP jitter to ms (0 when unknown) */
  clockRateForRtcp(): number {
    return this.clockRate;
  }

  /** the SDP's a=ptime for the voice payload type, null when it has none (read at report time only) */
  get sdpPtimeMs(): number | null {
    const pt = this.voicePt;
    return pt >= 0 ? this.cachePayloads?.get(pt)?.ptime ?? null : null;
  }

  /** mean RTCP round trip of this direction, null without one */
  get meanRttMs(): number | null {
    return meanRttMs(this.rtcp);
  }

  /** the network one-way delay from RTCP (own, else the reverse direction's round trip), null without RTCP */
  delay(reverseRttMs: number | null = null): StreamDelay | null {
    const d = rtcpDelay(this.rtcp.packets > 0 ? this.rtcp : null, reverseRttMs);
    if (d === null) return null;
    const out: StreamDelay = { oneWayMs: d.oneWayMs === null ? null : r3(d.oneWayMs), method: d.method, reliability: d.reliability, rttMs: d.rttMs === null ? null : r3(d.rttMs) };
    if (d.reason !== undefined) out.reason = d.reason;
    return out;
  }

  /** mouth-to-ear and MOS now (report and scrape time; never per packet) */
  quality(delay: StreamDelay | null, opts: QualityOptions = DEFAULT_QUALITY): StreamQuality {
    const r = this.record;
    const firstMs = epochMs(r.get(SLOT.T_FIRST_SEC), r.get(SLOT.T_FIRST_NSEC));
    const s = this.stats;
    // the E-model scores the loss the report shows (duplicates counted once, restarts added up)
    const loss = this.counted;
    return streamQuality({
      codec: this.codec, sdpPtimeMs: this.sdpPtimeMs, durationSeconds: (this.lastSeenEpochMs - firstMs) / 1000,
      packets: s.packets, expected: loss.expected, lost: loss.lost, sequenceErrors: s.sequenceErrors, outOfOrder: this.sequence.outOfOrder,
      duplicates: this.sequence.duplicates, longestLossBurst: this.sequence.longestLossBurst, lossRuns: this.sequence.lossRuns, jitterMeanMs: s.meanJitter, delay,
    }, opts);
  }

  toReport(withSeries = false, opts: QualityOptions = DEFAULT_QUALITY, reverseRttMs: number | null = null): StreamReportData {
    const s = this.stats;
    const r = this.record;
    const firstMs = epochMs(r.get(SLOT.T_FIRST_SEC), r.get(SLOT.T_FIRST_NSEC));
    const dscp: Record<string, number> = {};
    for (let i = 0; i < 64; i++) {
      const n = this.dscpCount(i);
      if (n > 0) dscp[String(i)] = n;
    }
    const rtcp = this.rtcp.packets > 0 ? this.rtcp.toJSON() : null;
    const loss = this.counted;
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
      startTime: isoTime(firstMs),
      durationSeconds: (this.lastSeenEpochMs - firstMs) / 1000,
      packets: s.packets,
      expected: s.expected,
      lost: s.lost,
      lossPercent: loss.percent,
      lostCounted: loss.lost,
      expectedCounted: loss.expected,
      duplicates: this.sequence.duplicates,
      sequenceResets: this.sequence.resyncs,
      firstDuplicatePacket: frameOrNull(r.get(SLOT.Q_FIRST_DUP_FRAME)),
      sequenceResetPacket: frameOrNull(r.get(SLOT.Q_RESET_FRAME)),
      jitterMaxPacket: frameOrNull(r.get(SLOT.S_MAX_JITTER_FRAME)),
      outOfOrder: this.sequence.outOfOrder,
      sequenceErrors: s.sequenceErrors,
      longestLossBurst: this.sequence.longestLossBurst,
      telephoneEventPackets: this.telephoneEventPackets,
      maxDeltaMs: s.maxDelta,
      meanDeltaMs: s.meanDelta,
      jitterMeanMs: this.jitterMeanMs,
      jitterMaxMs: s.maxJitter,
      dscp,
      rtcp,
      delay: null,
      mouthToEar: null,
      mos: null,
    };
    report.delay = this.delay(reverseRttMs);
    const q = this.quality(report.delay, opts);
    report.mouthToEar = q.mouthToEar;
    report.mos = q.mos;
    if (withSeries) report.series = (this.series ?? new StreamSeriesBuilder()).toJSON();
    return report;
  }
}

/** a frame-number slot: 0 is "none" (frames count from 1) */
function frameOrNull(v: number): number | null {
  return v > 0 ? v : null;
}

function r3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** capture time in ms since the epoch, as every report computes it */
function epochMs(sec: number, nsec: number): number {
  return sec * 1000 + nsec / 1e6;
}

/**
 * The LiveStream view of one stream: its numbers as they stand, and its verdict from the same grader
 * the report uses (src/verdict/stream-grade.ts), so `/metrics` and `--json` agree on the same figures.
 * The verdict is read per stream on every scrape: it is graded again only when the stream has had
 * packets since (every figure the grader reads changes only with a packet), allocation-free.
 * Once the stream retires the view is frozen: its final figures stay, its state (and the WebAssembly
 * record, which the next stream reuses) is let go.
 */
import type { StreamDelay, Thresholds, Verdict } from '../model/report.js';
import { DEFAULT_QUALITY, type QualityOptions } from '../config/sections/quality.js';
import type { StreamQuality } from '../measure/stream-quality.js';
import type { RtpStreamState } from '../track/streams.js';
import { portOutOfRange, streamVerdict, type StreamFigures } from '../verdict/stream-grade.js';
import type { LiveStream } from './events.js';

/** the figures a retired stream keeps */
interface Frozen {
  id: string;
  ssrc: number;
  src: string;
  dst: string;
  packets: number;
  expected: number;
  lost: number;
  lostCounted: number;
  expectedCounted: number;
  jitterMs: number;
  jitterMaxMs: number;
  maxDeltaMs: number;
  lastSeenEpochMs: number;
  dscpMismatchPackets: number;
  codec: string;
  callId: string | null;
  verdict: Verdict;
  mos: number | null;
  oneWayDelay: { ms: number; method: string } | null;
}

/** the mean RTCP round trip of the reverse direction of a stream, null when unknown */
export type ReverseRtt = (state: RtpStreamState) => number | null;

const NO_REVERSE: ReverseRtt = () => null;

export class StreamLive implements LiveStream, StreamFigures {
  readonly portOutOfRange: boolean;
  /** the packet count the cached verdict was graded at (-1: never) */
  private gradedAt = -1;
  private graded: Verdict = 'pass';
  private frozen: Frozen | null = null;
  private st: RtpStreamState | null;
  /** delay and quality at (qualityAt packets, qualityRtcp RTCP packets): computed on demand, cached */
  private qualityAt = -1;
  private qualityRtcp = -1;
  private cachedDelay: StreamDelay | null = null;
  private cachedQuality: StreamQuality = { mouthToEar: null, mos: null };

  constructor(
    state: RtpStreamState,
    private readonly t: Thresholds,
    private readonly quality: QualityOptions = DEFAULT_QUALITY,
    private readonly reverseRtt: ReverseRtt = NO_REVERSE,
  ) {
    this.st = state;
    this.portOutOfRange = portOutOfRange(t, state.srcPort, state.dstPort);
  }

  /**
   * The stream retires with this final verdict: keep its figures, so that a listener still holding
   * this view (the metrics do, for a while) reads them and never the record's next owner.
   */
  freeze(verdict: Verdict): void {
    this.frozen = {
      id: this.id, ssrc: this.ssrc, src: this.src, dst: this.dst, packets: this.packets, expected: this.expected,
      lost: this.lost, lostCounted: this.lostCounted, expectedCounted: this.expectedCounted, jitterMs: this.jitterMs, jitterMaxMs: this.jitterMaxMs, maxDeltaMs: this.maxDeltaMs,
      lastSeenEpochMs: this.lastSeenEpochMs, dscpMismatchPackets: this.dscpMismatchPackets, codec: this.codec,
      callId: this.callId, verdict, mos: this.mos, oneWayDelay: this.oneWayDelay,
    };
    this.st = null;
  }

  get retired(): boolean {
    return this.frozen !== null;
  }

  /** the stream's state while it is held (gone once it retired) */
  get state(): RtpStreamState {
    if (this.st === null) throw new Error(`stream ${this.frozen?.id ?? ''} retired: its state is gone`);
    return this.st;
  }

  get id(): string { return this.frozen?.id ?? this.state.id; }
  get ssrc(): number { return this.frozen?.ssrc ?? this.state.ssrc; }
  get src(): string { return this.frozen?.src ?? this.state.src; }
  get dst(): string { return this.frozen?.dst ?? this.state.dst; }
  get codec(): string { return this.frozen?.codec ?? this.state.codec; }
  get callId(): string | null { return this.frozen === null ? this.state.callId : this.frozen.callId; }
  get packets(): number { return this.frozen?.packets ?? this.state.packets; }
  get expected(): number { return this.frozen?.expected ?? this.state.expected; }
  get lost(): number { return this.frozen?.lost ?? this.state.lost; }
  get lostCounted(): number { return this.frozen?.lostCounted ?? this.state.counted.lost; }
  get expectedCounted(): number { return this.frozen?.expectedCounted ?? this.state.counted.expected; }
  get jitterMs(): number { return this.frozen?.jitterMs ?? this.state.jitterMs; }
  get jitterMaxMs(): number { return this.frozen?.jitterMaxMs ?? this.state.jitterMaxMs; }
  get maxDeltaMs(): number { return this.frozen?.maxDeltaMs ?? this.state.maxDeltaMs; }
  get lastSeenEpochMs(): number { return this.frozen?.lastSeenEpochMs ?? this.state.lastSeenEpochMs; }
  get dscpMismatchPackets(): number { return this.frozen?.dscpMismatchPackets ?? this.state.dscpMismatchPackets; }

  // ---- StreamFigures: what the grader reads, the same numbers as the stream's report row (held streams) ----
  get lossPercent(): number { return this.state.lossPercent; }
  get jitterMeanMs(): number { return this.state.jitterMeanMs; }
  get clockRate(): number { return this.state.clockRate; }
  get srcPort(): number { return this.state.srcPort; }
  get dstPort(): number { return this.state.dstPort; }
  get onlyDscp(): number { return this.state.onlyDscp; }
  dscpCount(dscp: number): number { return this.state.dscpCount(dscp); }

  /** the stream's network delay and quality now (the report's computation; at scrape time, not per packet) */
  private refreshQuality(): void {
    const st = this.state;
    const n = st.packets;
    const r = st.rtcp.packets;
    if (n === this.qualityAt && r === this.qualityRtcp) return;
    this.cachedDelay = st.delay(this.reverseRtt(st));
    this.cachedQuality = st.quality(this.cachedDelay, this.quality);
    this.qualityAt = n;
    this.qualityRtcp = r;
  }

  /** the E-model MOS now, null when the stream has none */
  get mos(): number | null {
    if (this.frozen !== null) return this.frozen.mos;
    this.refreshQuality();
    return this.cachedQuality.mos?.mos ?? null;
  }

  /** the measured one-way network delay now and its method, null when none is measured */
  get oneWayDelay(): { ms: number; method: string } | null {
    if (this.frozen !== null) return this.frozen.oneWayDelay;
    const st = this.state;
    const d = st.delay(this.reverseRtt(st));
    return d !== null && d.oneWayMs !== null && d.method !== null ? { ms: d.oneWayMs, method: d.method } : null;
  }

  /** the mouth-to-ear delay when its network part is measured (graded), else null */
  get measuredTotalDelayMs(): number | null {
    this.refreshQuality();
    const m = this.cachedQuality.mouthToEar;
    return m !== null && m.networkMeasured ? m.totalMs : null;
  }

  /** the stream's verdict now: what the report would say of it (cached until its next packet; final once retired) */
  get verdict(): Verdict {
    if (this.frozen !== null) return this.frozen.verdict;
    const n = this.state.packets;
    if (n !== this.gradedAt) {
      this.graded = streamVerdict(this, this.t);
      this.gradedAt = n;
    }
    return this.graded;
  }
}

/**
 * The LiveStream view of one stream: its numbers as they stand, and its verdict from the same grader
 * the report uses (src/verdict/stream-grade.ts), so `/metrics` and `--json` agree on the same figures.
 * The verdict is read per stream on every scrape: it is graded again only when the stream has had
 * packets since (every figure the grader reads changes only with a packet), allocation-free.
 */
import type { Thresholds, Verdict } from '../model/report.js';
import type { RtpStreamState } from '../track/streams.js';
import { portOutOfRange, streamVerdict, type StreamFigures } from '../verdict/stream-grade.js';
import type { LiveStream } from './events.js';

export class StreamLive implements LiveStream, StreamFigures {
  readonly portOutOfRange: boolean;
  /** the packet count the cached verdict was graded at (-1: never) */
  private gradedAt = -1;
  private graded: Verdict = 'pass';

  constructor(readonly state: RtpStreamState, private readonly t: Thresholds) {
    this.portOutOfRange = portOutOfRange(t, state.srcPort, state.dstPort);
  }

  get id(): string { return this.state.id; }
  get ssrc(): number { return this.state.ssrc; }
  get src(): string { return this.state.src; }
  get dst(): string { return this.state.dst; }
  get codec(): string { return this.state.codec; }
  get callId(): string | null { return this.state.callId; }
  get packets(): number { return this.state.packets; }
  get expected(): number { return this.state.expected; }
  get lost(): number { return this.state.lost; }
  get jitterMs(): number { return this.state.jitterMs; }
  get jitterMaxMs(): number { return this.state.jitterMaxMs; }
  get maxDeltaMs(): number { return this.state.maxDeltaMs; }
  get lastSeenEpochMs(): number { return this.state.lastSeenEpochMs; }
  get dscpMismatchPackets(): number { return this.state.dscpMismatchPackets; }

  // ---- StreamFigures: what the grader reads, the same numbers as the stream's report row ----
  get lossPercent(): number { return this.state.lossPercent; }
  get jitterMeanMs(): number { return this.state.jitterMeanMs; }
  get clockRate(): number { return this.state.clockRate; }
  get srcPort(): number { return this.state.srcPort; }
  get dstPort(): number { return this.state.dstPort; }
  get onlyDscp(): number { return this.state.onlyDscp; }
  dscpCount(dscp: number): number { return this.state.dscpCount(dscp); }

  /** the stream's verdict now: what the report would say of it (cached until its next packet) */
  get verdict(): Verdict {
    const n = this.state.packets;
    if (n !== this.gradedAt) {
      this.graded = streamVerdict(this, this.t);
      this.gradedAt = n;
    }
    return this.graded;
  }
}

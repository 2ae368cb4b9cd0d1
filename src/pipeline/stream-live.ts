/** The LiveStream view of one stream: its numbers as they stand, and a quick verdict against the limits. */
import type { Thresholds, Verdict } from '../model/report.js';
import type { RtpStreamState } from '../track/streams.js';
import type { LiveStream } from './events.js';

/** the figures a retired stream keeps (its record in WebAssembly memory is reused by another stream) */
interface Frozen {
  id: string;
  ssrc: number;
  src: string;
  dst: string;
  packets: number;
  expected: number;
  lost: number;
  jitterMs: number;
  jitterMaxMs: number;
  maxDeltaMs: number;
  lastSeenEpochMs: number;
  dscpMismatchPackets: number;
  codec: string;
  callId: string | null;
  verdict: Verdict;
}

export class StreamLive implements LiveStream {
  readonly portOutOfRange: boolean;
  private frozen: Frozen | null = null;
  private st: RtpStreamState | null;

  constructor(state: RtpStreamState, private readonly t: Thresholds) {
    this.st = state;
    const r = t.rtpPorts;
    this.portOutOfRange = r !== null && !(state.srcPort >= r.min && state.srcPort <= r.max) && !(state.dstPort >= r.min && state.dstPort <= r.max);
  }

  /**
   * The stream retires: keep its figures (and the final verdict), so that a listener still holding
   * this view reads them and never the record's next owner.
   */
  freeze(verdict: Verdict): void {
    this.frozen = {
      id: this.id, ssrc: this.ssrc, src: this.src, dst: this.dst, packets: this.packets, expected: this.expected, lost: this.lost, jitterMs: this.jitterMs,
      jitterMaxMs: this.jitterMaxMs, maxDeltaMs: this.maxDeltaMs, lastSeenEpochMs: this.lastSeenEpochMs,
      dscpMismatchPackets: this.dscpMismatchPackets, codec: this.codec, callId: this.callId, verdict,
    };
    // listeners may keep this view for a while (the metrics do): it must not keep the stream's state alive
    this.st = null;
  }

  /** the stream's state while it is held (not after it retired) */
  get state(): RtpStreamState {
    if (this.st === null) throw new Error(`stream ${this.frozen?.id ?? ''} retired: its state is gone`);
    return this.st;
  }

  get retired(): boolean {
    return this.frozen !== null;
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
  get jitterMs(): number { return this.frozen?.jitterMs ?? this.state.jitterMs; }
  get jitterMaxMs(): number { return this.frozen?.jitterMaxMs ?? this.state.jitterMaxMs; }
  get maxDeltaMs(): number { return this.frozen?.maxDeltaMs ?? this.state.maxDeltaMs; }
  get lastSeenEpochMs(): number { return this.frozen?.lastSeenEpochMs ?? this.state.lastSeenEpochMs; }
  get dscpMismatchPackets(): number { return this.frozen?.dscpMismatchPackets ?? this.state.dscpMismatchPackets; }

  /** loss and jitter so far against the limits (the full verdict comes with the report) */
  get verdict(): Verdict {
    if (this.frozen !== null) return this.frozen.verdict;
    const t = this.t;
    const expected = this.expected;
    const loss = expected > 0 ? (Math.max(0, this.lost) * 100) / expected : 0;
    if (loss > t.lossPercent || this.jitterMs > t.jitterMs || this.portOutOfRange || this.dscpMismatchPackets > 0) return 'fail';
    if (loss > t.lossPercent * t.warnFraction || this.jitterMs > t.jitterMs * t.warnFraction) return 'warn';
    return 'pass';
  }
}

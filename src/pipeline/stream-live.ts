/** The LiveStream view of one stream: its numbers as they stand, and a quick verdict against the limits. */
import type { Thresholds, Verdict } from '../model/report.js';
import type { RtpStreamState } from '../track/streams.js';
import type { LiveStream } from './events.js';

export class StreamLive implements LiveStream {
  readonly portOutOfRange: boolean;

  constructor(readonly state: RtpStreamState, private readonly t: Thresholds) {
    const r = t.rtpPorts;
    this.portOutOfRange = r !== null && !(state.srcPort >= r.min && state.srcPort <= r.max) && !(state.dstPort >= r.min && state.dstPort <= r.max);
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

  /** loss and jitter so far against the limits (the full verdict comes with the report) */
  get verdict(): Verdict {
    const t = this.t;
    const expected = this.expected;
    const loss = expected > 0 ? (Math.max(0, this.lost) * 100) / expected : 0;
    if (loss > t.lossPercent || this.jitterMs > t.jitterMs || this.portOutOfRange || this.dscpMismatchPackets > 0) return 'fail';
    if (loss > t.lossPercent * t.warnFraction || this.jitterMs > t.jitterMs * t.warnFraction) return 'warn';
    return 'pass';
  }
}

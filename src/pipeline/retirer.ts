/**
 * Retirement, once per second of the analysis clock: streams idle past their TTL and calls over for
 * good are finalised (final figures and verdict into the run's history, their findings to the bus
 * once) and released (WebAssembly records reused, SDP endpoints forgotten). This is what keeps a
 * monitor that runs for weeks, or a file of 100,000 calls, in bounded memory.
 */
import { withMediaEnd } from './call-media-end.js';
import type { StreamReport, Thresholds } from '../model/report.js';
import { callOutcome, streamOutcome } from '../verdict/evaluate.js';
import type { EventBus } from './event-bus.js';
import type { LiveState } from './live-state.js';
import type { MediaPath } from './media-path.js';
import type { RetentionOptions } from '../config/sections/retention.js';
import type { RunHistory } from './run-history.js';
import type { SignallingPath } from './signalling-path.js';

export class Retirer {
  constructor(
    private readonly opts: RetentionOptions,
    private readonly thresholds: Thresholds,
    private readonly media: MediaPath,
    private readonly signalling: SignallingPath,
    private readonly history: RunHistory,
    private readonly bus: EventBus,
    private readonly live: LiveState,
  ) {}

  /** retire what is due at nowMs (analysis clock) */
  sweep(nowMs: number): void {
    const t = this.thresholds;
    this.media.retireIdle(nowMs - this.opts.streamIdleSeconds * 1000, (live, figures) => {
      const g = streamOutcome(figures, t);
      live.freeze(g.verdict);
      this.history.addStream(figures, g.verdict);
      this.live.retired(live);
      for (const f of g.findings) this.bus.finding(f);
    });
    const calls = this.signalling.retireCalls(nowMs, this.opts.callGraceSeconds * 1000, this.opts.callIdleSeconds * 1000,
      (callId) => this.media.holdsStreamsOf(callId));
    for (const c of calls) {
      const ids = this.media.takeStreamsOf(c.callId);
      const own: StreamReport[] = [];
      for (const id of ids) {
        const s = this.history.stream(id);
        if (s !== undefined) own.push({ ...s, verdict: this.history.streamVerdict(id) ?? 'pass' });
      }
      const call = withMediaEnd({ ...c, streams: ids }, own);
      const g = callOutcome(call, own, t);
      this.history.addCall(call, g.verdict);
      this.media.forgetCall(c.callId);
      for (const f of g.findings) this.bus.finding(f);
    }
  }
}

/**
 * Round trip of each segment around the proxy (caller <-> proxy: "a-leg", proxy <-> callee: "b-leg"),
 * from RTCP as the proxy relays it, on the proxy's own clock (one clock: no synchronisation question).
 * An SR arriving on one leg is forwarded out of the other; the far end's report block echoing it
 * (LSR/DLSR, RFC 3550 6.4.1) comes back on that other leg, so
 *   RTT(segment of the report's leg) = report arrival - SR forward time - DLSR,
 * where SR forward time = SR arrival + the proxy's mean added delay on the SR's leg (the relay gives
 * the analysis the receive stamp; the per-packet forward stamp is not kept, the mean is sub-ms).
 * Fed from the pipeline's onRtcp events (sources "proxy:a-leg" / "proxy:b-leg"); memory bounded.
 */
import type { RtcpEvent } from '../pipeline/events.js';
import { ntpMiddle32, ntpShortToMs } from '../measure/ntp.js';

import type { ProxyLeg as Leg, LegRtt } from '../model/report.js';

const SR_MEMORY = 64;

export function legOfSource(source: string): Leg | null {
  return source === 'proxy:a-leg' ? 'a-leg' : source === 'proxy:b-leg' ? 'b-leg' : null;
}

export class LegRttTracker {
  private readonly srMiddle = new Float64Array(SR_MEMORY);
  private readonly srAtMs = new Float64Array(SR_MEMORY);
  private readonly srLeg: (Leg | null)[] = new Array<Leg | null>(SR_MEMORY).fill(null);
  private srCount = 0;
  private readonly sums = { 'a-leg': { sum: 0, max: 0, n: 0 }, 'b-leg': { sum: 0, max: 0, n: 0 } };

  /** forwardMs(leg): the proxy's mean added delay for packets arriving on that leg, ms (0 when unknown) */
  constructor(private readonly forwardMs: (leg: Leg) => number = () => 0) {}

  onRtcp(e: RtcpEvent): void {
    const leg = legOfSource(e.source);
    if (leg === null) return;
    for (const p of e.packets) {
      if (p.type !== 'sr' && p.type !== 'rr') continue;
      // report blocks first: an SR's own blocks echo SRs forwarded before this one
      for (const b of p.reports) if (b.lsr !== 0) this.echo(leg, b.lsr, b.dlsr, e.epochMs);
      if (p.type === 'sr') this.rememberSr(leg, ntpMiddle32(p.ntpSeconds, p.ntpFraction), e.epochMs);
    }
  }

  /** per segment, null without a sample */
  summary(): Record<Leg, LegRtt | null> {
    const one = (s: { sum: number; max: number; n: number }): LegRtt | null =>
      s.n === 0 ? null : { meanMs: r3(s.sum / s.n), maxMs: r3(s.max), samples: s.n };
    return { 'a-leg': one(this.sums['a-leg']), 'b-leg': one(this.sums['b-leg']) };
  }

  private rememberSr(leg: Leg, middle: number, atMs: number): void {
    const i = this.srCount++ % SR_MEMORY;
    this.srMiddle[i] = middle;
    this.srAtMs[i] = atMs;
    this.srLeg[i] = leg;
  }

  private echo(reportLeg: Leg, lsr: number, dlsr: number, atMs: number): void {
    const n = Math.min(this.srCount, SR_MEMORY);
    for (let i = 0; i < n; i++) {
      const srLeg = this.srLeg[i];
      // the SR must have been forwarded out of the leg the report came back on: it arrived on the other
      if (this.srMiddle[i] !== lsr || srLeg === reportLeg || srLeg === null || srLeg === undefined) continue;
      const rtt = atMs - this.srAtMs[i]! - this.forwardMs(srLeg) - ntpShortToMs(dlsr);
      // a negative RTT is a mismatched or rounded echo: RFC 3550 says to ignore it
      if (rtt < 0) return;
      const s = this.sums[reportLeg];
      s.sum += rtt;
      s.n++;
      if (rtt > s.max) s.max = rtt;
      return;
    }
  }
}

function r3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

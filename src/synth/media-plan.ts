/**
 * Which way each call sends audio, and when: the caller's initial offer and its re-INVITEs (hold,
 * resume, a declined T.38 offer) turned into periods of the media timeline, so that the RTP the
 * generator writes is exactly what the SDP it writes negotiated (RFC 3264: an offer takes effect with
 * its answer; a declined one changes nothing). The analysis reads the same SIP and must agree.
 */
import type { MediaDirection, SipSpec } from './scenario.js';

export interface SendPeriod {
  /** ms after the media's start (the answer of the offer that set it), up to the next period */
  fromMs: number;
  callerSends: boolean;
  calleeSends: boolean;
}

/** the answer's direction to an offer (RFC 3264 6.1) */
export function mirrorDirection(d: MediaDirection): MediaDirection {
  return d === 'sendonly' ? 'recvonly' : d === 'recvonly' ? 'sendonly' : d;
}

/** a re-INVITE's answer comes this long after its offer: the direction changes then */
export const REINVITE_ANSWER_MS = 20;

function sendsFor(callerDirection: MediaDirection): Omit<SendPeriod, 'fromMs'> {
  return {
    callerSends: callerDirection === 'sendrecv' || callerDirection === 'sendonly',
    calleeSends: callerDirection === 'sendrecv' || callerDirection === 'recvonly',
  };
}

export function sendPeriods(sip: SipSpec): SendPeriod[] {
  const out: SendPeriod[] = [{ fromMs: Number.NEGATIVE_INFINITY, ...sendsFor(sip.direction) }];
  for (const r of sip.reinvites) {
    if (r.status !== 200 || r.t38) continue; // declined (or fax, which the generator only declines): no change
    out.push({ fromMs: r.atMs + REINVITE_ANSWER_MS, ...sendsFor(r.direction) });
  }
  return out;
}

/** does the caller (forward) or callee (backward) send at ms after the media's start? */
export function sendsAt(periods: readonly SendPeriod[], forward: boolean, ms: number): boolean {
  let p = periods[0]!;
  for (const q of periods) if (q.fromMs <= ms) p = q;
  return forward ? p.callerSends : p.calleeSends;
}

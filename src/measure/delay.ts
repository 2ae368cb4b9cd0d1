/**
 * Network one-way delay of one RTP direction from what RTCP carries (RFC 3550 6.4.1), with the method
 * and how far to trust it. Two methods, best first:
 *
 * - `rtcp-ntp`: an SR carries the sender's wall clock (NTP timestamp); capture time minus it is the
 *   delay from the sender to the capture point plus the offset between the two clocks. It is taken as
 *   the delay only when the clocks look synchronised: at least MIN_SRS SRs, every offset within
 *   MAX_ABS_OFFSET_MS (1 s) of zero and not below -MAX_NEGATIVE_MS (a delay cannot be negative: a
 *   clock ahead of the capture's), and their spread (max - min) below MAX_SPREAD_MS (5 ms: a free-running
 *   or uptime-based SR clock drifts or sits seconds away). The figure is the mean offset, covering the
 *   path from the sender to where the capture was taken (the whole path when captured at the receiver).
 *   A mean below NEAR_SENDER_MS (1 ms) means the capture sits at the sender: it says nothing of the
 *   path, and the round trip is used instead.
 * - `rtcp-rtt`: the round trip from LSR/DLSR (see rtcp-stats.ts, as seen from the capture point), halved:
 *   an estimate that assumes the path is symmetric.
 *
 * When neither is there, the delay is null and the reason says why.
 */

/** what delay.ts reads of a stream's RTCP figures (RtcpStreamStats) */
export interface RtcpDelayInput {
  senderReports: number;
  rttSumMs: number;
  rttCount: number;
  ntpOffsetCount: number;
  ntpOffsetMinMs: number;
  ntpOffsetMaxMs: number;
  ntpOffsetSumMs: number;
}

export const NTP_SYNC_RULE = { MIN_SRS: 2, MAX_ABS_OFFSET_MS: 1000, MAX_SPREAD_MS: 5, MAX_NEGATIVE_MS: 1, NEAR_SENDER_MS: 1 } as const;

export const RTT_RELIABILITY = 'estimate (assumes a symmetric path)';
export const NTP_RELIABILITY = 'sender SR clock vs capture clock, synchronised by the rule (offset stable within 5 ms, within 1 s): covers sender to capture point';

export interface DelayFigure {
  oneWayMs: number | null;
  method: 'rtcp-rtt' | 'rtcp-ntp' | null;
  reliability: string;
  rttMs: number | null;
  reason?: string;
}

/** the mean RTT of the samples, null without any */
export function meanRttMs(r: Pick<RtcpDelayInput, 'rttSumMs' | 'rttCount'>): number | null {
  return r.rttCount > 0 ? r.rttSumMs / r.rttCount : null;
}

/** why the SR NTP clock is not taken as synchronised with the capture's, or null when it is */
export function ntpClockProblem(r: RtcpDelayInput): string | null {
  const rule = NTP_SYNC_RULE;
  if (r.senderReports === 0) return 'no RTCP sender report from this stream\'s source';
  if (r.ntpOffsetCount < rule.MIN_SRS) return `only ${r.ntpOffsetCount} sender report(s): ${rule.MIN_SRS} are needed to test whether the SR clock is synchronised`;
  const spread = r.ntpOffsetMaxMs - r.ntpOffsetMinMs;
  const mean = r.ntpOffsetSumMs / r.ntpOffsetCount;
  if (Math.abs(r.ntpOffsetMinMs) > rule.MAX_ABS_OFFSET_MS || Math.abs(r.ntpOffsetMaxMs) > rule.MAX_ABS_OFFSET_MS) {
    return `the SR NTP clock is ${fmtMs(mean)} ms away from the capture clock (more than ${rule.MAX_ABS_OFFSET_MS} ms): not synchronised`;
  }
  if (r.ntpOffsetMinMs < -rule.MAX_NEGATIVE_MS) return `the SR NTP clock is ahead of the capture clock (offset ${fmtMs(r.ntpOffsetMinMs)} ms): not synchronised`;
  if (spread >= rule.MAX_SPREAD_MS) return `the SR NTP clock's offset to the capture clock varies by ${fmtMs(spread)} ms (${rule.MAX_SPREAD_MS} ms allowed): not synchronised`;
  if (mean < rule.NEAR_SENDER_MS) return `the SRs reach the capture point ${fmtMs(mean)} ms after they were sent: captured at the sender, the path to the receiver is not seen`;
  return null;
}

/** the stream's delay figure from its own RTCP, with rttFallback (the reverse direction's mean RTT) when it has none */
export function rtcpDelay(r: RtcpDelayInput | null, rttFallbackMs: number | null = null): DelayFigure | null {
  if (r === null && rttFallbackMs === null) return null;
  const own = r === null ? null : meanRttMs(r);
  const rtt = own ?? rttFallbackMs;
  const ntpWhyNot = r === null ? 'no RTCP for this stream' : ntpClockProblem(r);
  if (ntpWhyNot === null && r !== null) {
    return { oneWayMs: Math.max(0, r.ntpOffsetSumMs / r.ntpOffsetCount), method: 'rtcp-ntp', reliability: NTP_RELIABILITY, rttMs: rtt };
  }
  const reason = `no SR NTP one-way delay: ${ntpWhyNot ?? ''}`;
  if (rtt !== null) {
    const via = own === null ? ' (round trip from the reverse direction\'s RTCP)' : '';
    return { oneWayMs: rtt / 2, method: 'rtcp-rtt', reliability: `${RTT_RELIABILITY}${via}`, rttMs: rtt, reason };
  }
  return { oneWayMs: null, method: null, reliability: 'not measured', rttMs: null, reason: `${reason}; no round trip: no report block with LSR/DLSR matching a captured SR` };
}

function fmtMs(v: number): string {
  return Math.abs(v) >= 10 ? v.toFixed(0) : v.toFixed(2);
}

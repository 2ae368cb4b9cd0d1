/**
 * What RTCP says about one RTP stream (RFC 3550 6.4): counts of SR/RR, the far end's latest report block
 * about it (fraction lost, signed cumulative lost, jitter converted to ms with the stream clock rate) and
 * the round-trip time. RTT: RFC 3550 6.4.1 computes A - LSR - DLSR on the sender's NTP clock; a capture
 * has no access to that clock, so we take A and the SR time both from the capture: the LSR of a report
 * block is matched against the SRs seen (their NTP middle 32 bits), giving
 *   RTT = capture time of the report - capture time of that SR - DLSR,
 * the round trip as seen from the capture point (exact when capturing at the SR sender).
 */
import type { RtcpSummary } from '../model/report.js';
import type { ReportBlock } from '../decode/rtcp/report-block.js';
import { fractionLostPercent } from '../decode/rtcp/report-block.js';
import { ntpShortToMs } from './ntp.js';

const SR_MEMORY = 8;

export class RtcpStreamStats {
  packets = 0;
  senderReports = 0;
  receiverReports = 0;
  remoteFractionLostPercent: number | null = null;
  remoteCumulativeLost: number | null = null;
  remoteJitterMs: number | null = null;
  rttMs: number | null = null;
  rttMaxMs: number | null = null;
  /** recent SRs sent by this stream's source: NTP middle 32 bits and capture time (ms since the epoch) */
  private readonly srMiddle = new Float64Array(SR_MEMORY);
  private readonly srAtMs = new Float64Array(SR_MEMORY);
  private srCount = 0;
  /** the RTT samples (mean RTT for the one-way delay estimate) */
  rttSumMs = 0;
  rttCount = 0;
  /** capture time - SR NTP time (ms) over the stream's SRs: count, min, max, sum (the clock test of delay.ts) */
  ntpOffsetCount = 0;
  ntpOffsetMinMs = Infinity;
  ntpOffsetMaxMs = -Infinity;
  ntpOffsetSumMs = 0;

  /**
   * an SR sent by this stream's SSRC (ntpMiddle: RFC 3550 6.4.1 middle 32 bits of its NTP timestamp;
   * ntpEpochMs: the whole NTP timestamp as ms since the Unix epoch, NaN when not known)
   */
  onSenderReport(ntpMiddle: number, captureMs: number, ntpEpochMs = NaN): void {
    this.senderReports++;
    if (Number.isFinite(ntpEpochMs)) {
      const off = captureMs - ntpEpochMs;
      this.ntpOffsetCount++;
      this.ntpOffsetSumMs += off;
      if (off < this.ntpOffsetMinMs) this.ntpOffsetMinMs = off;
      if (off > this.ntpOffsetMaxMs) this.ntpOffsetMaxMs = off;
    }
    const i = this.srCount++ % SR_MEMORY;
    this.srMiddle[i] = ntpMiddle;
    this.srAtMs[i] = captureMs;
  }

  /** a report block about this stream, from an SR or RR received at captureMs */
  onReportBlock(b: ReportBlock, clockRate: number, captureMs: number): void {
    this.remoteFractionLostPercent = fractionLostPercent(b.fractionLost);
    this.remoteCumulativeLost = b.cumulativeLost;
    // RFC 3550 6.4.1: jitter is in timestamp units
    this.remoteJitterMs = clockRate > 0 ? (b.jitter * 1000) / clockRate : null;
    if (b.lsr === 0) return;
    const n = Math.min(this.srCount, SR_MEMORY);
    for (let i = 0; i < n; i++) {
      if (this.srMiddle[i] !== b.lsr) continue;
      const rtt = captureMs - this.srAtMs[i]! - ntpShortToMs(b.dlsr);
      if (rtt < 0) return;
      this.rttMs = rtt;
      this.rttSumMs += rtt;
      this.rttCount++;
      if (this.rttMaxMs === null || rtt > this.rttMaxMs) this.rttMaxMs = rtt;
      return;
    }
  }

  toJSON(): RtcpSummary {
    return {
      packets: this.packets,
      senderReports: this.senderReports,
      receiverReports: this.receiverReports,
      remoteFractionLostPercent: this.remoteFractionLostPercent,
      remoteCumulativeLost: this.remoteCumulativeLost,
      remoteJitterMs: this.remoteJitterMs,
      rttMs: this.rttMs,
      rttMaxMs: this.rttMaxMs,
    };
  }
}

/**
 * RTCP of one side of a call: a compound SR + SDES every interval (RFC 3550 section 6.4.1), with
 * a report block about the stream this side receives. SRs are captured at the instant their NTP
 * timestamp names, and DLSR is chosen so that the capture-side RTT arithmetic
 * (arrival - LSR - DLSR) gives exactly the scenario's rtcpRttMs.
 */
import type { IpSpec } from './frames.js';
import { udpFrame } from './frames.js';
import type { ReportBlock } from './media.js';
import { ntpMiddle32, ntpTimestamp, rtcpSdesCname, rtcpSenderReport } from './media.js';
import type { Emit, GenContext, Source } from './source.js';
import { quantize } from './source.js';
import type { StreamTruthAcc } from './truth.js';

/** the two sides' last SR capture times, shared so each can answer the other's */
export interface RtcpShared {
  lastSrNs: [number, number];
}

export interface RtcpPlan {
  side: 0 | 1;
  ip: IpSpec;
  srcPort: number;
  dstPort: number;
  ssrc: number;
  /** SSRC of the stream this side receives */
  peerSsrc: number;
  ts0: number;
  firstNs: number;
  endNs: number;
  intervalNs: number;
  rttNs: number;
  cname: string;
}

export class RtcpSource implements Source {
  nextNs: number;
  private n = 0;

  constructor(
    private readonly ctx: GenContext,
    private readonly plan: RtcpPlan,
    private readonly shared: RtcpShared,
    /** the stream this side sends (counts) and the one it receives (report block) */
    private readonly sent: StreamTruthAcc,
    private readonly received: StreamTruthAcc,
  ) {
    this.nextNs = plan.firstNs < plan.endNs ? quantize(ctx, plan.firstNs) : Infinity;
  }

  step(emit: Emit): void {
    const { plan } = this;
    const ns = this.nextNs;
    this.n++;
    const next = plan.firstNs + this.n * plan.intervalNs;
    this.nextNs = next < plan.endNs ? quantize(this.ctx, next) : Infinity;
    const startSec = this.ctx.scenario.startTime;
    const [ntpSec, ntpFrac] = ntpTimestamp(startSec + Math.floor(ns / 1e9), ns % 1e9);
    const rtpTs = plan.ts0 + Math.round(((ns - plan.firstNs) / 1e9) * 8000);
    const blocks = this.reportBlocks(ns);
    const sr = rtcpSenderReport(
      plan.ssrc,
      { ntpSec, ntpFrac, rtpTimestamp: rtpTs, packetCount: this.sent.t.sent, octetCount: this.sent.t.sent * 160 },
      blocks,
    );
    const compound = Buffer.concat([sr, rtcpSdesCname(plan.ssrc, plan.cname)]);
    const ip = { ...plan.ip, id: this.ctx.nextIpId() };
    const frame = udpFrame(this.ctx.link, ip, plan.srcPort, plan.dstPort, compound, this.ctx.scenario.udpChecksum);
    const withLsr = blocks.length > 0 && blocks[0]!.lsr !== 0;
    emit(ns, frame, () => {
      this.shared.lastSrNs[plan.side] = ns;
      if (this.sent.t.rtcp) this.sent.t.rtcp.senderReports++;
      if (withLsr && this.received.t.rtcp) this.received.t.rtcp.reportBlocksReceived++;
    });
  }

  private reportBlocks(ns: number): ReportBlock[] {
    const r = this.received;
    if (r.t.received === 0) return [];
    const peerSr = this.shared.lastSrNs[this.plan.side === 0 ? 1 : 0];
    let lsr = 0;
    let dlsr = 0;
    if (peerSr > 0 && ns - peerSr > this.plan.rttNs) {
      const startSec = this.ctx.scenario.startTime;
      const [s, f] = ntpTimestamp(startSec + Math.floor(peerSr / 1e9), peerSr % 1e9);
      lsr = ntpMiddle32(s, f);
      dlsr = Math.round(((ns - peerSr - this.plan.rttNs) / 1e9) * 65536);
    }
    return [{
      ssrc: this.plan.peerSsrc,
      fractionLost: 0,
      cumulativeLost: Math.max(0, r.t.sent - r.t.received),
      extendedHighestSeq: 0,
      jitter: r.jitterNow * 8,
      lsr,
      dlsr,
    }];
  }
}


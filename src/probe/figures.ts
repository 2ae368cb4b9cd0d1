/**
 * The probe's figures per direction, from the four timestamps of each reflected STAMP packet
 * (RFC 8762 4; T1 sender sends, T2 reflector receives, T3 reflector sends, T4 sender receives):
 *
 *   forward one-way  = T2 - T1          backward one-way = T4 - T3
 *   round trip       = (T4 - T1) - (T3 - T2)   (the reflector's residence time taken out)
 *
 * One-way figures need synchronised clocks. They are shown only when they are consistent: no one-way
 * delay below -CLOCK_TOLERANCE_MS and forward/backward asymmetry within the round trip; otherwise
 * "clocks not synchronised: one-way figures not shown, RTT/2 as estimate".
 *
 * Loss per direction needs a stateful reflector (RFC 8762 4.3: its own sequence number counts the
 * packets it received from this sender): forward lost = sent - (highest reflector sequence + 1),
 * backward lost = (highest reflector sequence + 1) - replies received. Packets sent in the last
 * `graceMs` are not counted yet (they may still be on their way).
 *
 * Jitter per direction is RFC 3550 6.4.1's interarrival jitter over consecutive replies:
 * D = (R_j - R_i) - (S_j - S_i), J += (|D| - J) / 16, with (S, R) = (T1, T2) forward, (T3, T4) backward.
 * Reordering: backward, a reply whose reflector sequence is below one seen before; forward, a reply
 * whose sender and reflector sequences disagree in order with the reply before it.
 * Processor shape: sent(), reply(), toReport(); memory is fixed.
 */
import type { ClassOfService } from '../decode/stamp.js';
import type { DelayStats, ProbeDirection, ProbeReport } from '../model/report.js';
import { DelayHistogram } from './delay-histogram.js';

export const CLOCK_TOLERANCE_MS = 0.5;
const SEEN_WINDOW = 65536;

export interface ProbeSessionInfo {
  target: string;
  codec: string;
  mode: 'unauthenticated' | 'authenticated';
  packetBytes: number;
  intervalMs: number;
  /** the DSCP the sender marks its packets with and asks the reflector to use (DSCP1) */
  dscp: number;
  /** the sender can set and read DSCP (the native socket) */
  dscpCapable: boolean;
  startMs: number;
  /** a packet sent longer ago than this and not back is counted as lost */
  graceMs?: number;
}

export interface ProbeReply {
  senderSeq: number;
  reflectorSeq: number;
  /** epoch ms */
  t1: number;
  t2: number;
  t3: number;
  t4: number;
  /** the reflected Class-of-Service TLV; null when absent or flagged unrecognised */
  cos: ClassOfService | null;
  /** the DSCP of the reflected packet as the sender read it (null: cannot be read) */
  dscpBack: number | null;
  /** the S bits of both error estimates */
  senderSynchronised: boolean;
  reflectorSynchronised: boolean;
}

export interface ProbeSample {
  forwardMs: number;
  backwardMs: number;
  rttMs: number;
  forwardRemarked: boolean;
  backwardRemarked: boolean;
}

class Direction {
  readonly delay = new DelayHistogram();
  jitter = 0;
  jitterSum = 0;
  jitterMax = 0;
  jitterCount = 0;
  private prevS = NaN;
  private prevR = NaN;
  reordered = 0;
  remarkedPackets = 0;
  readonly dscpCounts = new Map<number, number>();
  dscpSent: number | null = null;

  add(s: number, r: number): void {
    this.delay.add(r - s);
    if (!Number.isNaN(this.prevS)) {
      const d = (r - this.prevR) - (s - this.prevS);
      this.jitter += (Math.abs(d) - this.jitter) / 16;
      this.jitterSum += this.jitter;
      this.jitterCount += 1;
      if (this.jitter > this.jitterMax) this.jitterMax = this.jitter;
    }
    this.prevS = s;
    this.prevR = r;
  }

  dscp(sent: number | null, received: number | null): boolean {
    if (received === null) return false;
    this.dscpCounts.set(received, (this.dscpCounts.get(received) ?? 0) + 1);
    const remarked = sent !== null && received !== sent;
    if (remarked) this.remarkedPackets += 1;
    return remarked;
  }

  toJSON(oneWay: boolean, lost: number, expected: number): ProbeDirection {
    let top: number | null = null;
    let topCount = 0;
    const counts: Record<string, number> = {};
    for (const [d, n] of [...this.dscpCounts].sort((a, b) => a[0] - b[0])) {
      counts[String(d)] = n;
      if (n > topCount) {
        top = d;
        topCount = n;
      }
    }
    const known = this.dscpCounts.size > 0;
    return {
      oneWayMs: oneWay ? this.delay.stats() : null,
      jitterMs: this.jitterCount > 0 ? this.jitterSum / this.jitterCount : null,
      jitterMaxMs: this.jitterCount > 0 ? this.jitterMax : null,
      lost,
      lossPercent: expected > 0 ? (100 * lost) / expected : 0,
      reordered: this.reordered,
      dscpSent: this.dscpSent,
      dscpReceived: top,
      dscpReceivedCounts: counts,
      remarkedPackets: this.remarkedPackets,
      remarked: known && this.dscpSent !== null ? this.remarkedPackets > 0 : null,
    };
  }
}

export class ProbeStats {
  private readonly forward = new Direction();
  private readonly backward = new Direction();
  private readonly rtt = new DelayHistogram();
  /** send time of the packets sent, by seq modulo the window (for the grace rule) */
  private readonly sentAt = new Float64Array(SEEN_WINDOW);
  private readonly seen = new Uint32Array(SEEN_WINDOW);
  private packetsSent = 0;
  private received = 0;
  private maxReflectorSeq = -1;
  private prevSenderSeq = -1;
  private prevReflectorSeq = -1;
  private lastSendMs = 0;
  private unsyncedReflector = false;
  private unsyncedSender = false;
  private cosMissing = 0;
  authFailures = 0;

  constructor(readonly info: ProbeSessionInfo) {
    this.forward.dscpSent = info.dscpCapable ? info.dscp : null;
  }

  sent(seq: number, atMs: number): void {
    this.packetsSent += 1;
    this.sentAt[seq % SEEN_WINDOW] = atMs;
    this.lastSendMs = atMs;
  }

  /** one reflected packet; returns the per-packet sample (for live metrics), or null for a duplicate */
  reply(r: ProbeReply): ProbeSample | null {
    const slot = r.senderSeq % SEEN_WINDOW;
    if (this.seen[slot] === r.senderSeq + 1) return null;
    this.seen[slot] = r.senderSeq + 1;
    this.received += 1;
    if (r.reflectorSeq < this.maxReflectorSeq) this.backward.reordered += 1;
    if (this.prevReflectorSeq >= 0 && (r.reflectorSeq > this.prevReflectorSeq) !== (r.senderSeq > this.prevSenderSeq)) {
      this.forward.reordered += 1;
    }
    this.prevReflectorSeq = r.reflectorSeq;
    this.prevSenderSeq = r.senderSeq;
    if (r.reflectorSeq > this.maxReflectorSeq) this.maxReflectorSeq = r.reflectorSeq;
    if (!r.reflectorSynchronised) this.unsyncedReflector = true;
    if (!r.senderSynchronised) this.unsyncedSender = true;
    this.forward.add(r.t1, r.t2);
    this.backward.add(r.t3, r.t4);
    const rttMs = (r.t4 - r.t1) - (r.t3 - r.t2);
    this.rtt.add(rttMs);
    let forwardRemarked = false;
    let backwardRemarked = false;
    if (r.cos === null) {
      this.cosMissing += 1;
    } else {
      forwardRemarked = this.forward.dscp(this.forward.dscpSent, r.cos.dscp2);
      // RFC 8972 4.4: RP = 1 says the reflector could not use DSCP1 for the reflected packet
      this.backward.dscpSent = r.cos.rp === 0 ? r.cos.dscp1 : null;
      backwardRemarked = this.backward.dscp(this.backward.dscpSent, r.dscpBack);
    }
    return { forwardMs: r.t2 - r.t1, backwardMs: r.t4 - r.t3, rttMs, forwardRemarked, backwardRemarked };
  }

  /** packets sent long enough ago to be judged (all of them once the run has ended: pass `final`) */
  private settledSent(nowMs: number, final: boolean): number {
    if (final) return this.packetsSent;
    const grace = this.info.graceMs ?? 3000;
    let n = this.packetsSent;
    // the newest packets, back to the first one older than the grace period
    for (let k = 0; k < n && k < SEEN_WINDOW; k++) {
      const seq = this.packetsSent - 1 - k;
      if (nowMs - this.sentAt[seq % SEEN_WINDOW]! >= grace) break;
      n = seq;
    }
    return n;
  }

  /** lost per direction and round trip so far (monotonic enough for counters: callers count increases) */
  losses(nowMs: number, final = false): { forward: number; backward: number; roundTrip: number; settled: number } {
    const settled = this.settledSent(nowMs, final);
    const reflected = Math.min(settled, this.maxReflectorSeq + 1);
    const receivedSettled = Math.min(this.received, settled);
    return {
      settled,
      forward: Math.max(0, settled - reflected),
      backward: Math.max(0, reflected - receivedSettled),
      roundTrip: Math.max(0, settled - receivedSettled),
    };
  }

  toReport(nowMs: number, final = false): ProbeReport {
    const loss = this.losses(nowMs, final);
    const reflected = loss.settled - loss.forward;
    const sync = this.clockCheck();
    const rtt = this.rtt.stats();
    return {
      method: 'stamp',
      target: this.info.target,
      codec: this.info.codec,
      mode: this.info.mode,
      packetBytes: this.info.packetBytes,
      intervalMs: this.info.intervalMs,
      startTime: new Date(this.info.startMs).toISOString(),
      durationSeconds: Math.max(0, ((final ? this.lastSendMs : nowMs) - this.info.startMs) / 1000),
      packetsSent: this.packetsSent,
      packetsReceived: this.received,
      forward: this.forward.toJSON(sync.ok, loss.forward, loss.settled),
      backward: this.backward.toJSON(sync.ok, loss.backward, reflected),
      rttMs: rtt,
      roundTripLost: loss.roundTrip,
      roundTripLossPercent: loss.settled > 0 ? (100 * loss.roundTrip) / loss.settled : 0,
      clockSynchronised: sync.ok,
      clockNote: sync.note,
      oneWayEstimateMs: rtt === null ? null : rtt.mean / 2,
      dscpNote: this.dscpNote(),
      authFailures: this.authFailures,
    };
  }

  private clockCheck(): { ok: boolean; note: string } {
    const f = this.forward.delay;
    const b = this.backward.delay;
    if (f.count === 0) return { ok: false, note: 'no reflected packets: no delay figures' };
    const negative = f.min < -CLOCK_TOLERANCE_MS || b.min < -CLOCK_TOLERANCE_MS;
    const asymmetric = Math.abs(f.mean - b.mean) > this.rtt.mean + CLOCK_TOLERANCE_MS;
    const bits = this.unsyncedSender || this.unsyncedReflector
      ? ` (error estimate S bit 0 on the ${[this.unsyncedSender ? 'sender' : '', this.unsyncedReflector ? 'reflector' : ''].filter((x) => x).join(' and ')}: ` +
        'the host does not report an NTP/PTP-synchronised clock)'
      : '';
    if (negative || asymmetric) {
      const why = negative ? `a one-way delay below 0 (forward min ${f.min.toFixed(3)} ms, backward min ${b.min.toFixed(3)} ms)` : 'forward/backward asymmetry beyond the round trip';
      return { ok: false, note: `clocks not synchronised: one-way figures not shown, RTT/2 as estimate: ${why}${bits}` };
    }
    return { ok: true, note: `one-way figures consistent with synchronised clocks (none negative, asymmetry within the round trip)${bits}` };
  }

  private dscpNote(): string | null {
    const why: string[] = [];
    if (!this.info.dscpCapable) why.push('this sender cannot set or read DSCP (native/ addon not built): forward sent and backward received DSCP unknown');
    if (this.cosMissing > 0) why.push(`${this.cosMissing} reflected packets without a usable Class-of-Service TLV (the reflector does not support RFC 8972 CoS or cannot read DSCP)`);
    return why.length > 0 ? why.join('; ') : null;
  }
}

export function roundTripMs(t1: number, t2: number, t3: number, t4: number): number {
  return (t4 - t1) - (t3 - t2);
}

export type { DelayStats };

/**
 * The known truth of a generated capture, computed from the generator's own send and arrival
 * times, independently of voipready's analysis code. Jitter is RFC 3550 A.8 (J += (|D| - J) / 16)
 * with Wireshark's conventions (ui/tap-rtp-analysis.c), so the figures can be held against
 * `tshark -z rtp,streams`: the first packet only sets the reference; D is taken against the
 * previous packet in capture order (reordered ones included, as RFC 3550 A.8 does); only a packet
 * stamped before the stream's first timestamp is left out of the reference;
 * telephone-event packets (RFC 4733 2.2.1: timestamp frozen at the event start) move the arrival
 * reference but neither the timestamp reference nor the jitter (tshark 4.0 behaviour); mean and max are over "regular" packets (no marker, in order).
 */
export interface StreamTruth {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** "0x1a2b3c4d" */
  ssrc: string;
  payloadType: number;
  codec: string;
  callId: string | null;
  /** packets the sender sent (before loss and duplication) */
  sent: number;
  /** packets in the capture, duplicates included */
  received: number;
  /** highest - first extended sequence number + 1 (RFC 3550 A.3) */
  expected: number;
  /** expected - received: negative when duplicates outnumber losses (as RFC 3550 and tshark count) */
  lost: number;
  /** packets the network model actually dropped */
  dropped: number;
  duplicates: number;
  /** packets that arrived after a packet sent later */
  reordered: number;
  telephoneEventPackets: number;
  jitterMeanMs: number;
  jitterMaxMs: number;
  jitterLastMs: number;
  maxDeltaMs: number;
  meanDeltaMs: number;
  /** DSCP value -> packets */
  dscp: Record<string, number>;
  firstFrame: number;
  lastFrame: number;
  /** the sender restarted its sequence numbers (scenario seqResetAtMs); absent: never. `lost` then counts per run, not as tshark does */
  sequenceResets?: number;
  /** RTCP sent by this stream's sender; rttMs is what LSR/DLSR in the far end's reports give */
  rtcp: { senderReports: number; reportBlocksReceived: number; rttMs: number } | null;
}

export interface CallTruth {
  callId: string;
  from: string;
  to: string;
  transport: 'udp' | 'tcp';
  sipSrc: string;
  sipDst: string;
  /** SIP messages in the capture */
  messages: number;
  /** INVITE to first 18x / to the final response, ms (capture times) */
  ringMs: number | null;
  setupMs: number | null;
  finalStatus: number | null;
  /** 200 OK to BYE (without a BYE: to the call's last RTP packet), seconds; null when not answered */
  durationSeconds: number | null;
  /** false: the call has no BYE in the capture (scenario sip.bye false); absent: it has one, or was not answered */
  bye?: false;
  sipDscp: Record<string, number>;
  firstFrame: number;
}

/** one REGISTER binding as the generator wrote it */
export interface RegistrationTruth {
  aor: string;
  contact: string;
  ua: string;
  registrar: string;
  outcome: 'registered' | 'unregistered' | 'challenged' | 'auth-failed' | 'failed' | 'no-response';
  finalStatus: number | null;
  expiresSeconds: number | null;
  requests: number;
  challenges: number;
  /** SIP messages written (REGISTERs and answers) */
  messages: number;
  firstFrame: number;
}

export interface Truth {
  scenario: string;
  seed: number;
  format: 'pcap' | 'pcapng';
  linkType: number;
  frames: number;
  bytes: number;
  startTime: string;
  durationSeconds: number;
  sipMessages: number;
  calls: CallTruth[];
  streams: StreamTruth[];
  /** REGISTER bindings (scenario.registrations), in order; absent when there are none */
  registrations?: RegistrationTruth[];
  /** how the frames were wrapped (scenario.mirror.kind; absent: not wrapped): the truth is the inner traffic's */
  mirror?: string;
}

/** RFC 3550 A.8 jitter step, in ms: J' = J + (|D| - J) / 16 */
export function jitterStep(j: number, d: number): number {
  return j + (Math.abs(d) - j) / 16;
}

/** Accumulates one RTP stream's truth as its packets are written, in capture order. */
export class StreamTruthAcc {
  readonly t: StreamTruth;
  private readonly msPerTick: number;
  private first = true;
  private refMs = 0;
  private refTs = 0;
  private firstTs = 0;
  private jitter = 0;
  private totalNr = 0;
  private firstSeq = 0;
  private maxSeq = 0;
  private lastSeq = -1;

  constructor(t: StreamTruth, clockRate: number) {
    this.t = t;
    this.msPerTick = 1000 / clockRate;
  }

  get jitterNow(): number {
    return this.jitter;
  }

  /** capture time of the latest packet written, ms from the capture start (-1 before the first) */
  lastMs = -1;

  /** one received packet: capture time in ms, extended seq and timestamp */
  onPacket(frame: number, ms: number, seq: number, ts: number, marker: boolean, event: boolean, dscp: number): void {
    const t = this.t;
    t.received++;
    t.dscp[dscp] = (t.dscp[dscp] ?? 0) + 1;
    if (event) t.telephoneEventPackets++;
    if (seq < this.lastSeq) t.reordered++;
    this.lastSeq = Math.max(this.lastSeq, seq);
    t.lastFrame = frame;
    this.lastMs = Math.max(this.lastMs, ms);
    if (this.first) {
      this.first = false;
      t.firstFrame = frame;
      this.firstSeq = this.maxSeq = seq;
      this.refMs = ms;
      this.refTs = ts;
      this.firstTs = ts;
      this.totalNr = 1;
      return;
    }
    this.maxSeq = Math.max(this.maxSeq, seq);
    // tshark 4.0 calls a packet "in time sequence" when its timestamp is not before the FIRST one
    const inOrder = ts >= this.firstTs;
    const delta = ms - this.refMs;
    if (!event) this.jitter = jitterStep(this.jitter, ms - (this.refMs + (ts - this.refTs) * this.msPerTick));
    if (inOrder && !marker) {
      t.maxDeltaMs = Math.max(t.maxDeltaMs, delta);
      t.meanDeltaMs = (t.meanDeltaMs * (this.totalNr - 1) + delta) / this.totalNr;
      if (!event) {
        t.jitterMaxMs = Math.max(t.jitterMaxMs, this.jitter);
        // Wireshark divides by the number of packets before this one, counting irregular ones too
        t.jitterMeanMs = (t.jitterMeanMs * (this.totalNr - 1) + this.jitter) / this.totalNr;
      }
    }
    if (inOrder) {
      this.refMs = ms;
      // an event's frozen timestamp is no time reference: tshark 4.0 keeps the last audio one
      if (!event) this.refTs = ts;
    }
    this.totalNr++;
  }

  finish(): StreamTruth {
    const t = this.t;
    t.expected = t.received === 0 ? 0 : this.maxSeq - this.firstSeq + 1;
    t.lost = t.expected - t.received;
    t.jitterLastMs = this.jitter;
    return t;
  }
}

const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;

/** stable, rounded JSON (6 decimals for ms figures) */
export function truthToJSON(truth: Truth): string {
  const streams = truth.streams.map((s) => ({
    ...s,
    jitterMeanMs: round(s.jitterMeanMs, 6),
    jitterMaxMs: round(s.jitterMaxMs, 6),
    jitterLastMs: round(s.jitterLastMs, 6),
    maxDeltaMs: round(s.maxDeltaMs, 6),
    meanDeltaMs: round(s.meanDeltaMs, 6),
  }));
  // one line per call and per stream: readable diffs, and 1000 streams stay a few hundred KB
  const { calls, streams: _s, ...head } = truth;
  const list = (xs: object[]) => (xs.length === 0 ? '[]' : `[\n  ${xs.map((x) => JSON.stringify(x)).join(',\n  ')}\n ]`);
  const top = JSON.stringify(head, null, 1).slice(0, -2);
  return `${top},\n "calls": ${list(calls)},\n "streams": ${list(streams)}\n}\n`;
}

/**
 * What the analysis pipeline tells its listeners while packets flow (decode once, many listeners, as
 * Wireshark's taps): the Prometheus registry, remote_write, the HTTP API, the replay pacing and the
 * detectors all subscribe here, whatever the source (a file, stdin, a datagram source such as the
 * proxy or HEP). A throwing listener is isolated by the bus and reported as a finding; it never stops
 * the analysis. Listeners never reach into the pipeline: they get events, the LiveView, and raise().
 */
import type { RtcpPacket } from '../decode/rtcp/compound.js';
import type { SipMessage } from '../decode/sip/types.js';
import type { AnalysisReport, Finding, Thresholds, UndecodedTraffic, Verdict } from '../model/report.js';

/** A read-only live view of one RTP stream; values change as packets arrive (frozen once retired). */
export interface LiveStream {
  readonly id: string;
  readonly ssrc: number;
  readonly src: string;
  readonly dst: string;
  readonly codec: string;
  readonly callId: string | null;
  readonly packets: number;
  readonly expected: number;
  /** expected - packets (tshark's definition; negative with duplicates) */
  readonly lost: number;
  /** the loss the report shows, never negative (duplicates counted once, runs between sequence restarts added up) */
  readonly lostCounted?: number;
  readonly expectedCounted?: number;
  /** current RFC 3550 interarrival jitter, ms */
  readonly jitterMs: number;
  readonly jitterMaxMs: number;
  readonly maxDeltaMs: number;
  /** capture time of the last packet, ms since the epoch */
  readonly lastSeenEpochMs: number;
  /** packets whose DSCP is not one the profile allows for RTP (none when rtpDscp is empty: any is allowed) */
  readonly dscpMismatchPackets: number;
  /** true when the stream's ports are outside the profile's RTP range */
  readonly portOutOfRange: boolean;
  /** the stream's verdict now, from the report's grader (src/verdict/stream-grade.ts): equal to its report row's */
  readonly verdict: Verdict;
  /** true once the stream retired: its figures are final and it will never be seen again */
  readonly retired?: boolean;
  /** the E-model MOS now (src/measure/stream-quality.ts), null when the stream has none */
  readonly mos?: number | null;
  /** the measured network one-way delay now and the method that measured it (rtcp-rtt, rtcp-ntp, ...) */
  readonly oneWayDelay?: { ms: number; method: string } | null;
}

export interface LiveCall {
  readonly callId: string;
  /** 'setup' | 'answered' | 'rejected' | 'cancelled' | 'ended' | 'incomplete' */
  readonly state: string;
  readonly finalStatus: number | null;
  readonly setupMs: number | null;
  readonly startEpochMs: number;
  readonly endEpochMs: number | null;
}

/** streams by verdict, over the whole run (retired ones included) */
export type VerdictCounts = Record<Verdict, number>;

export interface LiveView {
  readonly profile: string;
  readonly thresholds: Thresholds;
  /** the streams still held in memory (active, or idle but not retired yet) */
  streams(): Iterable<LiveStream>;
  calls(): Iterable<LiveCall>;
  /** streams with a packet in the last `staleSeconds` */
  activeStreams(): LiveStream[];
  activeCalls(): LiveCall[];
  /** every stream of the run by its verdict: the retired ones with their final verdict, the others as they stand */
  streamVerdicts(): VerdictCounts;
  /** the analysis clock (capture time, or wall time when a live source drives it), ms since the epoch */
  nowEpochMs(): number;
  /** the report as it stands now (same shape as analyze --json) */
  report(): AnalysisReport;
  /** the report of what happened since fromMs only (with `window`); absent in views that cannot cut one */
  reportSince?(fromMs: number): AnalysisReport;
  /** packets seen so far and not analysed, by what they are (absent in views without a capture behind them) */
  undecoded?(): UndecodedTraffic[];
}

/** Where a packet came from and how it travelled: the part common to the per-message events. */
export interface PacketMeta {
  /** packet number: the frame number of a capture, or the datagram's number in the run */
  readonly packet: number;
  /** capture (or receive) time, ms since the epoch */
  readonly epochMs: number;
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  readonly transport: 'udp' | 'tcp' | 'tls';
  /** DSCP of the IP header; null when the source cannot tell (e.g. HEP) */
  readonly dscp: number | null;
  /** "capture" for frames; the datagram source's label otherwise (e.g. "proxy:a-leg", "hep") */
  readonly source: string;
}

/** One SIP message, parsed once for every listener. */
export interface SipEvent extends PacketMeta {
  readonly message: SipMessage;
  /** the message's bytes (a view, valid during the callback only: copy what must be kept) */
  readonly bytes: Buffer;
}

/** One RTCP compound packet. */
export interface RtcpEvent extends PacketMeta {
  readonly packets: readonly RtcpPacket[];
}

/** What a listener gets when it is added: the live view and a way to add findings to the run. */
export interface ListenerContext {
  readonly view: LiveView;
  /** add a finding to the report, voipready_findings_total and every listener's onFinding */
  raise(finding: Finding): void;
}

export interface AnalysisListener {
  /** once, when the listener is added to the pipeline */
  onAttach?(ctx: ListenerContext): void;
  /** 'start' at its first packet; 'end' when it goes stale, and a last 'end' (stream.retired true) when it retires */
  onStream?(stream: LiveStream, event: 'start' | 'end'): void;
  onCall?(call: LiveCall, event: 'start' | 'answered' | 'end'): void;
  onSip?(event: SipEvent): void;
  onRtcp?(event: RtcpEvent): void;
  /** every finding once: raised by a listener, or final for a stream or call (when it retires or at the end) */
  onFinding?(finding: Finding): void;
  /** once per second of the analysis clock (capture time, or wall time for live sources), and at the end */
  onSecond?(epochSec: number, view: LiveView): void;
  onEnd?(report: AnalysisReport, view: LiveView): void;
}

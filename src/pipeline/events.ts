/**
 * What the analysis pipeline tells its listeners while packets flow (decode once, many listeners):
 * the Prometheus registry, remote_write, the HTTP API and the replay pacing all subscribe here,
 * whatever the source (a file, stdin, later the live proxy). A throwing listener is isolated by
 * the bus and reported as a finding; it never stops the analysis.
 */
import type { AnalysisReport, Finding, Thresholds, Verdict } from '../model/report.js';

/** A read-only live view of one RTP stream; values change as packets arrive. */
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

export interface LiveView {
  readonly profile: string;
  readonly thresholds: Thresholds;
  /** every stream seen so far (active or not) */
  streams(): Iterable<LiveStream>;
  calls(): Iterable<LiveCall>;
  /** streams with a packet in the last `staleSeconds` of capture time */
  activeStreams(): LiveStream[];
  activeCalls(): LiveCall[];
  /** capture time of the latest packet, ms since the epoch (0 before the first) */
  nowEpochMs(): number;
  /** the report as it stands now (same shape as analyze --json) */
  report(): AnalysisReport;
}

export interface AnalysisListener {
  onStream?(stream: LiveStream, event: 'start' | 'end'): void;
  onCall?(call: LiveCall, event: 'start' | 'answered' | 'end'): void;
  onFinding?(finding: Finding): void;
  /** once per second of capture time, when the first packet of a later second arrives (and at the end) */
  onSecond?(epochSec: number, view: LiveView): void;
  onEnd?(report: AnalysisReport, view: LiveView): void;
}

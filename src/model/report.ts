/**
 * The analysis result: the one model that `--json`, the text report, the HTML report, the HTTP API
 * (/api/calls, /api/streams) and the README's JSON documentation all share. Field names are a
 * public contract: add fields, never rename or remove them.
 */
export type Verdict = 'pass' | 'warn' | 'fail';
export type Severity = 'info' | 'warn' | 'fail';

export interface Finding {
  severity: Severity;
  /** stable code, e.g. JITTER_HIGH, LOSS_HIGH, DSCP_RTP_NOT_EF, PORT_OUT_OF_RANGE, SIP_MALFORMED */
  code: string;
  /** one sentence: which limit was broken, by how much, and where */
  message: string;
  callId?: string;
  streamId?: string;
  /** frame number where it was seen first */
  packet?: number;
  measured?: number;
  limit?: number;
  unit?: string;
  /** lines of evidence (header lines, packet numbers) */
  evidence?: string[];
  /** what to do about it */
  advice?: string;
}

export interface Thresholds {
  oneWayDelayMs: number;
  totalDelayMs: number;
  lossPercent: number;
  jitterMs: number;
  /** warn when a value exceeds this fraction of its limit (0.8 = 80 %) */
  warnFraction: number;
  linkUtilisationPercent: number;
  rtpDscp: number[];
  sipDscp: number[];
  rtpPorts: { min: number; max: number } | null;
  sipPorts: number[];
  stunPorts: number[];
}

/** A bounded per-interval time series of one stream (for charts). */
export interface StreamSeries {
  /** width of one bucket in seconds (grows as the stream gets longer, so points stay bounded) */
  intervalSeconds: number;
  /** epoch seconds of bucket 0 */
  start: number;
  /** per bucket: packets received, lost (expected - received in the bucket, >= 0), jitter at bucket end (ms), max delta (ms) */
  packets: number[];
  lost: number[];
  jitterMs: number[];
  maxDeltaMs: number[];
}

export interface RtcpSummary {
  /** RTCP packets (compound counted once) seen for this SSRC as sender or report block subject */
  packets: number;
  senderReports: number;
  receiverReports: number;
  /** latest report block about this stream from the far end: fraction lost in percent */
  remoteFractionLostPercent: number | null;
  remoteCumulativeLost: number | null;
  /** interarrival jitter the far end reported, converted to ms with the stream clock rate */
  remoteJitterMs: number | null;
  /** round-trip time from LSR/DLSR (RFC 3550 6.4.1), ms: latest, and max */
  rttMs: number | null;
  rttMaxMs: number | null;
}

/** how a one-way delay was obtained (two-point and stamp: from other methods as they land) */
export type DelayMethod = 'rtcp-rtt' | 'rtcp-ntp' | 'two-point' | 'stamp' | 'proxy-rtcp';

export interface StreamDelay {
  /** network one-way delay, ms (null when only the reason is known) */
  oneWayMs: number | null;
  method: DelayMethod | null;
  /** how far to trust it, in words (e.g. "estimate (assumes a symmetric path)") */
  reliability: string;
  /** mean RTCP round trip (RFC 3550 6.4.1) of this direction, ms; null without LSR/DLSR */
  rttMs: number | null;
  /** why a better method (SR NTP timestamps) was not used, or why there is no figure */
  reason?: string;
  /** `voipready proxy`: which segment rttMs covers (a proxied stream's own RTCP sees the far segment only) */
  rttCovers?: string;
  /** proxy-rtcp: the parts of oneWayMs (segment RTT / 2 each side, the proxy's added delay p50), ms */
  parts?: { segmentAMs: number; proxyMs: number; segmentBMs: number };
}

/** ITU-T G.114 mouth-to-ear delay of one direction: network + packetisation + look-ahead + jitter buffer */
export interface MouthToEar {
  totalMs: number;
  networkMs: number;
  /** one packet's worth of audio (ptime) */
  packetisationMs: number;
  /** the codec's algorithmic look-ahead */
  lookAheadMs: number;
  jitterBufferMs: number;
  /** false: networkMs is the configured assumption (quality.assumedNetworkDelayMs), not a measurement */
  networkMeasured: boolean;
}

/** ITU-T G.107 E-model estimate for one direction */
export interface MosEstimate {
  /** MOS-CQE, 1 .. 4.5 (G.107 Annex B) */
  mos: number;
  /** transmission rating R */
  r: number;
  /** effective equipment impairment (codec + loss with its burstiness) */
  ieEff: number;
  /** delay impairment of the mouth-to-ear delay Ta */
  idd: number;
  /** G.107 burst ratio used in Ie,eff (1: random loss), from lossRuns runs of lost packets */
  burstR: number;
  lossRuns: number;
  /** the codec row of G.113 Appendix I used (e.g. "G.711 with PLC") */
  codec: string;
  /** true when the codec has no published narrowband Ie/Bpl and assumed values stand in */
  provisional: boolean;
  /** every assumption the figure rests on, in words */
  assumptions: string[];
}

export interface StreamReport {
  /** stable within one report: "s1", "s2", ... in order of first packet */
  id: string;
  /** "0x1a2b3c4d" */
  ssrc: string;
  /** "ip:port", IPv6 as "[addr]:port" */
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  payloadType: number;
  codec: string;
  clockRate: number;
  callId: string | null;
  /** how the stream was recognised: from SDP of a call, or the heuristic (no signalling in the capture) */
  detection: 'sdp' | 'heuristic';
  srtp: boolean;
  firstPacket: number;
  lastPacket: number;
  /** ISO time of the first packet */
  startTime: string;
  durationSeconds: number;
  packets: number;
  expected: number;
  /** expected - packets, as tshark counts it (negative with duplicates) */
  lost: number;
  /** lostCounted / expectedCounted in %, never negative */
  lossPercent: number;
  /**
   * the loss voipready counts and shows, never negative: duplicates counted once, and after a sequence
   * restart the runs of sequence numbers added up; equal to `lost` whenever nothing arrived twice or restarted
   */
  lostCounted: number;
  expectedCounted: number;
  duplicates: number;
  /** times the sender restarted its sequence numbers (RFC 3550 A.1 resynchronisation) */
  sequenceResets: number;
  /** frame of the first duplicate, null without one */
  firstDuplicatePacket: number | null;
  /** frame of the first packet of the first restarted run of sequence numbers, null without one */
  sequenceResetPacket: number | null;
  /** frame where the jitter peaked (jitterMaxMs), null when jitter was never measured */
  jitterMaxPacket: number | null;
  outOfOrder: number;
  /** tshark's "sequence errors": packets whose sequence number was not the next one */
  sequenceErrors: number;
  longestLossBurst: number;
  telephoneEventPackets: number;
  maxDeltaMs: number;
  meanDeltaMs: number;
  jitterMeanMs: number;
  jitterMaxMs: number;
  /** DSCP value -> packets */
  dscp: Record<string, number>;
  rtcp: RtcpSummary | null;
  /** network one-way delay of this direction and how it was measured; null when nothing measures it */
  delay: StreamDelay | null;
  /** mouth-to-ear (total) delay with its parts; null without a voice codec frame size */
  mouthToEar: MouthToEar | null;
  /** ITU-T G.107 E-model estimate (MOS-CQE); null when the stream carries no voice to score */
  mos: MosEstimate | null;
  verdict: Verdict;
  /** only with --series (always present in the in-memory model used by the HTML report) */
  series?: StreamSeries;
}

export interface CallReport {
  callId: string;
  verdict: Verdict;
  from: string;
  to: string;
  /** INVITE to 200 OK, ms; null when never answered */
  setupMs: number | null;
  /** INVITE to first 18x, ms */
  ringMs: number | null;
  /** final response to the initial INVITE (e.g. 200, 486), null when none seen */
  finalStatus: number | null;
  /** 'answered' | 'rejected' | 'cancelled' | 'ended' | 'incomplete' */
  state: string;
  startTime: string;
  durationSeconds: number | null;
  transport: 'udp' | 'tcp' | 'tls' | 'mixed';
  /** SIP endpoints as ip:port */
  sipSrc: string;
  sipDst: string;
  sipDscp: Record<string, number>;
  /** stream ids (see streams[].id) */
  streams: string[];
  messages: number;
  firstPacket: number;
  /** the lowest MOS of the call's streams (null when none has one) */
  mos: number | null;
  /** capture time of the answer (first 2xx), ISO; null when not answered */
  answerTime?: string | null;
  /** false: answered and no BYE in the capture (the duration then runs to the media's last packet) */
  byeSeen?: boolean;
  /** the call's SDP media lines in order (at most 32): what was offered and answered, and which way */
  sdp?: SdpMediaReport[];
}

/** one m= line of one SDP of a call */
export interface SdpMediaReport {
  /** frame of the SIP message that carried it */
  packet: number;
  side: 'offer' | 'answer';
  /** sent by the caller (the From party of the initial INVITE) */
  byCaller: boolean;
  /** 'audio', 'video', 'image' (T.38 fax), 'application' (BFCP, MSRP) */
  media: string;
  /** 'RTP/AVP', 'udptl', 'TCP/BFCP'... */
  protocol: string;
  /** where the sender of this SDP wants the media: "ip:port" */
  address: string;
  /** a=sendrecv / sendonly / recvonly / inactive (media level, else session level, else sendrecv) */
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  /** the m= line's payload types, in order of preference, and their names ("PCMU", "telephone-event") */
  payloadTypes: number[];
  codecs: string[];
}

/**
 * registered: the last final answer was 2xx with an expiry above 0; unregistered: 2xx to Expires 0 or
 * Contact *; challenged: 401/407 and no further try in the capture; auth-failed: credentials refused
 * (a challenge or 403 answering a REGISTER with credentials) or 3 challenges without success; failed:
 * another error (403 without credentials, 404, 5xx...); no-response: no final answer in the capture
 */
export type RegistrationOutcome = 'registered' | 'unregistered' | 'challenged' | 'auth-failed' | 'failed' | 'no-response';

/** one REGISTER binding (a UA's registrations with one registrar share a Call-ID, RFC 3261 10.2) */
export interface RegistrationReport {
  callId: string;
  /** who: the address-of-record (To URI) */
  aor: string;
  /** where: the Contact URI registered ("*" for remove-all), null when none was sent */
  contact: string | null;
  /** the registering UA as ip:port, and the registrar it sent to */
  ua: string;
  registrar: string;
  requestUri: string;
  transport: 'udp' | 'tcp' | 'tls';
  userAgent: string | null;
  outcome: RegistrationOutcome;
  /** the last final response, null when none */
  finalStatus: number | null;
  /** the expiry the registrar granted (2xx), seconds; null without a 2xx */
  expiresSeconds: number | null;
  /** REGISTER transactions (retransmissions not counted) */
  requests: number;
  /** 401/407 challenges received */
  challenges: number;
  startTime: string;
  firstPacket: number;
  lastPacket: number;
}

export interface LinkUtilisation {
  linkSpeedBitsPerSecond: number;
  peakPercent: number;
  meanPercent: number;
  /** epoch seconds of the busiest 1 s window */
  peakAt: number;
  verdict: Verdict;
}

export interface InputSummary {
  file: string;
  /** 'live': datagrams from a live source (the proxy, HEP, a probe) */
  format: 'pcap' | 'pcapng' | 'live' | 'unknown';
  packets: number;
  bytes: number;
  durationSeconds: number;
  startTime: string | null;
  endTime: string | null;
  linkTypes: string[];
  /** packets (or messages) that could not be decoded: malformed or truncated */
  decodeErrors: number;
  /** packets that were decoded but are not SIP/RTP/RTCP, or carry what voipready does not decode, by kind, most first */
  undecoded?: UndecodedTraffic[];
  /** packets that arrived inside a tunnel (GRE, ERSPAN, VXLAN, MPLS, PPPoE...) and were unwrapped */
  tunnelled?: number;
  /** the error that stopped reading early, if any (everything before it is analysed) */
  error: { code: string; message: string } | null;
  /** analyze stopped reading on this signal (Ctrl-C on a live pipe): the report covers what was read */
  stoppedBy?: 'SIGINT' | 'SIGTERM';
}

/** packets the analysis saw but did not analyse, named (see README "Traffic that is not analysed") */
export interface UndecodedTraffic {
  /** e.g. "IPsec ESP", "ARP", "UDP port 53 (DNS)", "IP fragments never reassembled", "other" */
  what: string;
  packets: number;
  /** frame number of the first such packet */
  firstPacket: number;
}

export interface AnalysisReport {
  tool: { name: 'voipready'; version: string };
  verdict: Verdict;
  /** one sentence: the worst problem, or why it passes */
  reason: string;
  profile: string;
  thresholds: Thresholds;
  input: InputSummary;
  calls: CallReport[];
  streams: StreamReport[];
  findings: Finding[];
  link: LinkUtilisation | null;
  /** limits side by side with the worst measured value; worst first */
  summary: LimitCheck[];
  /** streams and calls finalised during the run, and how many of them the report no longer lists */
  retention: RetentionSummary;
  /** present when the report covers the last hours only */
  window?: ReportWindow;
  /** REGISTER bindings seen (absent where no SIP is analysed: probe, alg-check) */
  registrations?: RegistrationReport[];
  /** with `--peer`: the same RTP packets matched between this capture (A) and the peer capture (B); else null */
  twoPoint: TwoPointReport | null;
  /** the active STAMP probe (`voipready probe send`), null for captures */
  probe: ProbeReport | null;
  /** `voipready proxy`: what the proxy relayed and the delay it added itself; absent otherwise */
  proxy?: ProxyReport;
}

/** the inline proxy's own figures (`voipready proxy`) */
/** a report of the last hours only (`/api/report?hours=N`): what it covers and what it leaves out */
export interface ReportWindow {
  /** ISO 8601 UTC: streams with a packet and calls up since `from` are listed */
  from: string;
  to: string;
  /** listed streams and calls of the run that ended before `from` (not counted in this report) */
  streamsBefore: number;
  callsBefore: number;
}

/** "a-leg": the caller's side of the proxy, "b-leg": the callee's */
export type ProxyLeg = 'a-leg' | 'b-leg';

/** RTCP round trip of one segment: mean/max in ms, and the number of samples */
export interface LegRtt {
  meanMs: number;
  maxMs: number;
  samples: number;
}

/** one `--upstream` of the proxy: its state when the report was made and what went to it */
export interface ProxyUpstreamReport {
  /** "host:port" as configured (the `upstream` label of its metrics) */
  upstream: string;
  transport: 'udp' | 'tcp';
  /** the SIP domain routed to it; null: a plain upstream (the failover list) */
  domain: string | null;
  up: boolean;
  /** requests sent to it (each attempt once; retransmissions not counted) */
  requests: number;
  /** requests moved from it to the next upstream: Timer B/F expired, TCP connect failed, 503 */
  failovers: { timeout: number; unreachable: number; unavailable: number };
  probesSent: number;
  probesAnswered: number;
}

export interface ProxyReport {
  listen: string;
  /** every upstream, comma-separated ("udp:host:port, ...") */
  upstream: string;
  /** each upstream in the configured order (reports before several upstreams existed lack it) */
  upstreams?: ProxyUpstreamReport[];
  /** 'loop': the native forwarding thread; 'native': the addon's sockets, forwarding in JavaScript; 'dgram': DSCP unknown */
  relay: 'loop' | 'native' | 'dgram';
  /** the loop relay's forwarding thread scheduling: realtime (SCHED_FIFO), high (nice -10) or normal */
  relayThread?: 'realtime' | 'high' | 'normal' | 'starting';
  calls: number;
  sip: {
    forwarded: number;
    absorbedRetransmissions: number;
    rejectedForbidden: number;
    rejectedNotFound: number;
    tooManyHops: number;
    noRtpPorts: number;
    malformed: number;
    /** requests beyond --sip-rate-limit from one client address, dropped */
    rateLimited: number;
    strayResponses: number;
    /** requests over 1300 bytes sent to a UDP upstream over TCP (RFC 3261 18.1.1), and those that went over UDP after all (the upstream took no TCP) */
    largeOverTcp: number;
    tcpFallbackToUdp: number;
  };
  media: {
    received: number;
    forwarded: number;
    droppedStrictSource: number;
    droppedJunk: number;
    droppedNoPeer: number;
    sendErrors: number;
    /** forwarded, but never seen by the analysis (it fell behind): the streams' figures miss these */
    notAnalysed: number;
  };
  /**
   * the delay the proxy added to forwarded packets, kernel receive stamp to send, ms, per leg ("a-leg":
   * from the caller, "b-leg": from the callee); null where it cannot be measured (dgram relay)
   */
  addedDelayMs: Record<'a-leg' | 'b-leg', DelayDistribution | null>;
  /**
   * RTCP round trip of each segment on the proxy's clock ("a-leg": caller <-> proxy, "b-leg": proxy <->
   * callee): an SR forwarded out of a leg and the report echoing it back; null without a sample
   */
  rttMs?: Record<ProxyLeg, LegRtt | null>;
  /**
   * the calls still up after the grace period at shutdown, ended by the proxy itself: a BYE on both
   * legs of an answered call, a CANCEL toward the callee of a ringing one; null when none were left
   */
  endedAtShutdown?: { calls: number; byeSent: number; byeAnswered: number; cancelSent: number; cancelAnswered: number } | null;
}

/** per-packet one-way delay figures of one stream between two capture points, ms */
export interface DelayDistribution {
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** one RTP stream (SSRC) seen at both capture points, in the direction it travelled */
export interface TwoPointStream {
  /** "0x1a2b3c4d" */
  ssrc: string;
  /** the stream's id in this capture's report (streams[].id), and in the peer's (`voipready analyze B`) */
  streamIdA: string | null;
  streamIdB: string | null;
  /** which point saw the packets first */
  direction: 'A->B' | 'B->A';
  /** "ip:port" at each point (they differ when a NAT sits between the points) */
  srcA: string;
  dstA: string;
  srcB: string;
  dstB: string;
  /** packets seen at both points */
  matched: number;
  /** seen at the upstream point and not at the downstream one (while both captured) */
  lostBetween: number;
  /** lostBetween / (matched + lostBetween), percent */
  lostBetweenPercent: number;
  /** missing at both points (sequence gaps): lost before the upstream point */
  lostBefore: number;
  /** seen at the downstream point only (not at the upstream one): should be 0 */
  onlyDownstream: number;
  /** one-way delay over the segment, per packet; null when the clocks cannot be trusted */
  delayMs: DelayDistribution | null;
  /** true when every delay was kept (percentiles exact; else within 0.05 %) */
  delayExact: boolean;
  /** DSCP value -> matched packets, at each point */
  dscpA: Record<string, number>;
  dscpB: Record<string, number>;
  /** matched packets whose DSCP differs between the points */
  remarked: number;
  /** the clock offset applied (B minus A, ms), null when none was given */
  clockOffsetMs: number | null;
  clockNote: string;
}

export interface TwoPointReport {
  /** the peer capture (B) */
  peer: { file: string; format: string; packets: number; error: { code: string; message: string } | null };
  /** --clock-offset (B minus A, ms), null when not given */
  clockOffsetMs: number | null;
  /** 'given': the offset was given and the delays are consistent with it; 'assumed': no offset given, clocks taken
   * as synchronised and nothing contradicts it; 'not-synchronised': negative delays or both directions of a call
   * reaching the same point first: no delay figure is given */
  clock: 'given' | 'assumed' | 'not-synchronised';
  /** what the packets say about B's clock minus A's (ms, beyond the applied offset): within [min, max]; null: unbounded */
  offsetBoundMs: { min: number | null; max: number | null };
  clockNote: string;
  /** how long a packet waits for its twin at the other point, ms */
  windowMs: number;
  streams: TwoPointStream[];
}

/** milliseconds over the probe's packets */
export interface DelayStats {
  min: number;
  mean: number;
  p50: number;
  p95: number;
  max: number;
}

/** one direction of the probe: forward = sender to reflector, backward = reflector to sender */
export interface ProbeDirection {
  /** null when the clocks are not synchronised (see clockNote) or nothing came back */
  oneWayMs: DelayStats | null;
  /** RFC 3550 interarrival jitter, mean over the packets and its maximum */
  jitterMs: number | null;
  jitterMaxMs: number | null;
  lost: number;
  lossPercent: number;
  reordered: number;
  /** the DSCP this direction's packets were sent with (null: unknown) */
  dscpSent: number | null;
  /** the DSCP seen most at the far end of this direction (null: it could not be read) */
  dscpReceived: number | null;
  /** every DSCP seen at the far end, by packets */
  dscpReceivedCounts: Record<string, number>;
  /** packets that arrived with another DSCP than they were sent with */
  remarkedPackets: number;
  /** true when the mark did not arrive unchanged; null when it could not be read */
  remarked: boolean | null;
}

export interface ProbeReport {
  method: 'stamp';
  /** "host:port" of the session-reflector */
  target: string;
  codec: string;
  mode: 'unauthenticated' | 'authenticated';
  packetBytes: number;
  intervalMs: number;
  startTime: string;
  durationSeconds: number;
  packetsSent: number;
  packetsReceived: number;
  forward: ProbeDirection;
  backward: ProbeDirection;
  rttMs: DelayStats | null;
  roundTripLost: number;
  roundTripLossPercent: number;
  /** one-way figures passed the consistency check (no negative one-way delay, asymmetry within the RTT) */
  clockSynchronised: boolean;
  /** what the clocks allow: "clocks not synchronised: one-way figures not shown, RTT/2 as estimate", the S bits */
  clockNote: string;
  /** RTT/2 (mean), the one-way estimate when clockSynchronised is false */
  oneWayEstimateMs: number | null;
  /** why DSCP is unknown in a direction, or null when both were read */
  dscpNote: string | null;
  /** reflected packets whose HMAC did not verify (authenticated mode), dropped */
  authFailures: number;
}

/**
 * A long run (a monitor, a big file) finalises idle streams and ended calls as it goes; the newest
 * are listed in streams[] / calls[], older ones only counted here, by verdict (the run's verdict
 * covers them).
 */
export interface RetentionSummary {
  streamsRetired: number;
  callsRetired: number;
  streamsNotListed: number;
  callsNotListed: number;
  notListedStreamVerdicts: Record<Verdict, number>;
  notListedCallVerdicts: Record<Verdict, number>;
}

export interface LimitCheck {
  /** 'loss' | 'jitter' | 'oneWayDelay' | 'totalDelay' | 'mos' | 'dscp' | 'ports' | 'linkUtilisation' */
  criterion: string;
  label: string;
  limit: string;
  /** worst measured, formatted; null when not measurable from this input */
  measured: string | null;
  verdict: Verdict | 'n/a';
}

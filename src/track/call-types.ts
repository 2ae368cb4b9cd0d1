/**
 * Types shared by the call tracker and its listeners: what a SIP message came with (SipMeta), the
 * media a call's SDP announces (ExpectedMedia) and the call itself (TrackedCall, CallSummary).
 */
import type { MediaDirection, PayloadInfo } from '../decode/sdp.js';
import type { SdpMediaReport } from '../model/report.js';

/** Where and when a SIP message was seen: filled by the pipeline from the packet. */
export interface SipMeta {
  /** frame number */
  num: number;
  /** capture time, ms since the epoch (fractional) */
  epochMs: number;
  srcAddr: string;
  srcPort: number;
  dstAddr: string;
  dstPort: number;
  transport: 'udp' | 'tcp' | 'tls';
  /** DSCP of the packet; -1 when the source cannot tell */
  dscp: number;
}

export type CallState = 'setup' | 'answered' | 'rejected' | 'cancelled' | 'ended' | 'incomplete';

export type CallEvent = 'start' | 'answered' | 'end';

/**
 * One m= line of one SDP: "RTP to/from address:port is this call's media, from frame `fromFrame`
 * on, with this payload-type map" (what Wireshark's SDP dissector registers for the RTP one).
 */
export interface ExpectedMedia {
  callId: string;
  /** frame number of the SIP message that carried the SDP */
  fromFrame: number;
  /** c= of the m-line, else of the session */
  address: string;
  ipVersion: 4 | 6;
  port: number;
  /** a=rtcp port (RFC 3605), else port + 1 */
  rtcpPort: number;
  rtcpMux: boolean;
  payloads: Map<number, PayloadInfo>;
  /** the m= line's payload types, in its order of preference */
  payloadTypes: number[];
  /** a=crypto present or a SAVP profile */
  srtp: boolean;
  /** the m= line's media ('audio', 'video', 'image' for T.38 fax, 'application' for BFCP/MSRP...) and protocol */
  mediaType: string;
  protocol: string;
  direction: MediaDirection;
  sdpSide: 'offer' | 'answer';
  /** true when the SDP was sent by the caller (the From party of the initial INVITE) */
  sdpOwnerIsCaller: boolean;
}

/** The live, read-only view of a call; the tracker updates it as messages arrive. */
export interface TrackedCall {
  readonly callId: string;
  /** "user@host" of the From / To URI of the initial INVITE */
  readonly from: string;
  readonly to: string;
  readonly fromDisplay: string | null;
  readonly toDisplay: string | null;
  readonly state: CallState;
  /** final response to the initial INVITE, null while none */
  readonly finalStatus: number | null;
  /** capture time of the first message of the call */
  readonly startEpochMs: number;
  /** initial INVITE -> first 2xx / first 18x, ms of capture time; null when not seen */
  readonly setupMs: number | null;
  readonly ringMs: number | null;
  readonly answerEpochMs: number | null;
  /** BYE, final failure or CANCEL outcome; null while the call is up or in setup */
  readonly endEpochMs: number | null;
  readonly lastEpochMs: number;
  readonly transport: 'udp' | 'tcp' | 'tls' | 'mixed';
  /** SIP endpoints of the initial INVITE, "ip:port" ("[v6]:port") */
  readonly sipSrc: string;
  readonly sipDst: string;
  /** DSCP value -> SIP packets of this call */
  readonly sipDscp: ReadonlyMap<number, number>;
  /** SIP packets of this call, retransmissions included */
  readonly messages: number;
  readonly retransmissions: number;
  readonly firstPacket: number;
  readonly lastPacket: number;
  /** User-Agent of the caller's INVITE, Server/User-Agent of the callee's answer */
  readonly callerAgent: string | null;
  readonly calleeAgent: string | null;
  /** every media announcement of this call (bounded), in order */
  readonly media: readonly ExpectedMedia[];
}

/** RTP/AVP, RTP/SAVP, UDP/TLS/RTP/SAVPF...: the m= line carries RTP (not udptl T.38, TCP/BFCP, TCP/MSRP) */
export function carriesRtp(m: Pick<ExpectedMedia, 'protocol'>): boolean {
  return /(^|\/)RTP(\/|$)/i.test(m.protocol);
}

/** A call as the report wants it: field names identical to CallReport in src/model/report.ts. */
export interface CallSummary {
  callId: string;
  from: string;
  to: string;
  setupMs: number | null;
  ringMs: number | null;
  finalStatus: number | null;
  state: CallState;
  startTime: string;
  durationSeconds: number | null;
  transport: 'udp' | 'tcp' | 'tls' | 'mixed';
  sipSrc: string;
  sipDst: string;
  sipDscp: Record<string, number>;
  messages: number;
  firstPacket: number;
  retransmissions: number;
  /** capture time of the answer (first 2xx), ISO; null when not answered */
  answerTime: string | null;
  /** a BYE of this call is in the capture */
  byeSeen: boolean;
  /** every SDP media line of the call in order (bounded): offer/answer, direction, payload types */
  sdp: SdpMediaReport[];
}

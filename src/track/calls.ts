/**
 * The call tracker: a processor (push / flush / toJSON) that follows INVITE dialogs by Call-ID
 * (RFC 3261 13 and 17.1.1): setup and ringing times, final status, state, and every SDP offer or
 * answer turned into ExpectedMedia for the media registry. Retransmissions (same transaction key
 * seen again) are counted but change nothing. Bounded: at most maxCalls, oldest finished first out.
 */
import { detachNullable, detachString } from '../decode/sip/strings.js';
import type { SipMessage } from '../decode/sip/types.js';
import { expectedMediaOf, sdpBodyOf } from './call-sdp.js';
import type { CallEvent, CallState, CallSummary, ExpectedMedia, SipMeta, TrackedCall } from './call-types.js';
import type { PayloadInfo } from '../decode/sdp.js';
import type { SdpMediaReport } from '../model/report.js';
import { staticPayloadType } from '../decode/rtp-payload-types.js';
import { isoTime } from '../model/iso-time.js';

export type { CallEvent, CallState, CallSummary, ExpectedMedia, SipMeta, TrackedCall } from './call-types.js';

export interface CallTrackerOptions {
  onMedia: (m: ExpectedMedia) => void;
  onCallEvent?: (call: TrackedCall, event: CallEvent) => void;
  /** default 100 000 */
  maxCalls?: number;
}

/** transaction keys remembered per call for retransmission detection */
const MAX_SEEN = 256;
/** media announcements kept per call (all are still passed to onMedia) */
const MAX_MEDIA = 32;
/** INVITE CSeq numbers whose SDP presence we remember (offer/answer side of the responses) */
const MAX_INVITE_SEQS = 16;

class Call implements TrackedCall {
  from = '';
  to = '';
  fromDisplay: string | null = null;
  toDisplay: string | null = null;
  state: CallState = 'setup';
  finalStatus: number | null = null;
  setupMs: number | null = null;
  ringMs: number | null = null;
  answerEpochMs: number | null = null;
  endEpochMs: number | null = null;
  lastEpochMs: number;
  transport: TrackedCall['transport'];
  sipSrc = '';
  sipDst = '';
  sipDscp = new Map<number, number>();
  messages = 0;
  retransmissions = 0;
  lastPacket: number;
  callerAgent: string | null = null;
  calleeAgent: string | null = null;
  media: ExpectedMedia[] = [];
  /** internal: the initial INVITE transaction, its time, the caller's tag */
  inviteEpochMs: number | null = null;
  initialSeq = -1;
  callerTag: string | null = null;
  callerEndpoint = '';
  cancelSeen = false;
  byeSeen = false;
  endEmitted = false;
  /** payload type -> name and clock, from every SDP of the call (first mapping wins): see announceMedia */
  readonly payloadPool = new Map<number, PayloadInfo>();
  readonly seen = new Set<string>();
  readonly inviteHadSdp = new Map<number, boolean>();

  constructor(readonly callId: string, readonly startEpochMs: number, readonly firstPacket: number, t: SipMeta['transport']) {
    this.lastEpochMs = startEpochMs;
    this.lastPacket = firstPacket;
    this.transport = t;
  }
}

export class CallTracker {
  /** calls evicted because maxCalls was reached */
  evicted = 0;
  /** SIP messages of INVITE dialogs whose SDP could not be parsed */
  sdpErrors = 0;
  private readonly byId = new Map<string, Call>();
  /** finished calls in the order they finished: eviction candidates */
  private readonly finished = new Set<string>();
  private readonly maxCalls: number;

  constructor(private readonly opts: CallTrackerOptions) {
    this.maxCalls = Math.max(1, opts.maxCalls ?? 100_000);
  }

  push(msg: SipMessage, meta: SipMeta): void {
    const callId = msg.callId;
    const cseq = msg.cseq;
    if (callId === null || cseq === null) return;
    let call = this.byId.get(callId);
    if (call === undefined) {
      // only INVITE dialogs are calls; a response to an INVITE whose request we missed still counts
      if (cseq.method !== 'INVITE') return;
      call = this.create(msg, meta);
    }
    call.messages++;
    if (meta.dscp >= 0) call.sipDscp.set(meta.dscp, (call.sipDscp.get(meta.dscp) ?? 0) + 1);
    if (call.transport !== meta.transport) call.transport = 'mixed';
    call.lastEpochMs = meta.epochMs;
    call.lastPacket = meta.num;
    if (isRetransmission(call, msg)) {
      call.retransmissions++;
      return;
    }
    if (msg.kind === 'request') this.onRequest(call, msg, meta);
    else this.onResponse(call, msg, meta);
    this.announceMedia(call, msg, meta);
  }

  /** End of input: calls still in setup become 'incomplete' (or 'cancelled'); every call gets its 'end'. */
  flush(endEpochMs: number): void {
    void endEpochMs; // durations run to the last SIP message of a call, not to the end of the capture
    for (const call of this.byId.values()) {
      if (call.state === 'setup') this.finish(call, call.cancelSeen ? 'cancelled' : 'incomplete', null, false);
      if (!call.endEmitted) {
        call.endEmitted = true;
        this.opts.onCallEvent?.(call, 'end');
      }
    }
  }

  /**
   * Calls that are over for good leave the tracker, their summaries answered (oldest first): ended,
   * rejected or cancelled more than graceMs ago, or silent (no SIP) for idleMs; never while `busy`
   * says the call still has media held. An idle call still in setup is finished as flush() would.
   */
  retire(nowMs: number, graceMs: number, idleMs: number, busy: (callId: string) => boolean): CallSummary[] {
    const out: CallSummary[] = [];
    for (const call of this.byId.values()) {
      const over = call.endEpochMs !== null && call.state !== 'setup' && call.state !== 'answered' && nowMs - call.endEpochMs > graceMs;
      const idle = nowMs - call.lastEpochMs > idleMs;
      if ((!over && !idle) || busy(call.callId)) continue;
      if (call.state === 'setup') this.finish(call, call.cancelSeen ? 'cancelled' : 'incomplete', null, false);
      if (!call.endEmitted) {
        call.endEmitted = true;
        this.opts.onCallEvent?.(call, 'end');
      }
      out.push(summarize(call));
      this.byId.delete(call.callId);
      this.finished.delete(call.callId);
    }
    return out;
  }

  /** calls held now */
  get size(): number {
    return this.byId.size;
  }

  calls(): Iterable<TrackedCall> {
    return this.byId.values();
  }

  get(callId: string): TrackedCall | undefined {
    return this.byId.get(callId);
  }

  toJSON(): CallSummary[] {
    return [...this.byId.values()].map(summarize);
  }

  private create(msg: SipMessage, meta: SipMeta): Call {
    if (this.byId.size >= this.maxCalls) this.evictOne();
    // strings kept for the life of the call are detached: the parser's are views into the whole message
    const call = new Call(detachString(msg.callId!), meta.epochMs, meta.num, meta.transport);
    const fromIsCaller = msg.kind === 'request';
    call.from = detachString(uriText(msg.from?.uri));
    call.to = detachString(uriText(msg.to?.uri));
    call.fromDisplay = detachNullable(msg.from?.displayName ?? null);
    call.toDisplay = detachNullable(msg.to?.displayName ?? null);
    call.callerTag = detachNullable(msg.from?.tag ?? null);
    // seen from a response only: the request went the other way
    call.sipSrc = fromIsCaller ? endpoint(meta.srcAddr, meta.srcPort) : endpoint(meta.dstAddr, meta.dstPort);
    call.sipDst = fromIsCaller ? endpoint(meta.dstAddr, meta.dstPort) : endpoint(meta.srcAddr, meta.srcPort);
    call.callerEndpoint = call.sipSrc;
    call.initialSeq = msg.cseq!.seq;
    this.byId.set(call.callId, call);
    this.opts.onCallEvent?.(call, 'start');
    return call;
  }

  private evictOne(): void {
    let victim: string | undefined = this.finished.values().next().value;
    if (victim === undefined) victim = this.byId.keys().next().value;
    if (victim === undefined) return;
    this.byId.delete(victim);
    this.finished.delete(victim);
    this.evicted++;
  }

  private onRequest(call: Call, msg: Extract<SipMessage, { kind: 'request' }>, meta: SipMeta): void {
    const seq = msg.cseq!.seq;
    if (msg.method === 'INVITE') {
      remember(call.inviteHadSdp, seq, sdpBodyOf(msg) !== null);
      const initial = msg.to?.tag == null && call.answerEpochMs === null;
      if (!initial) return; // re-INVITE: only its SDP matters
      // first INVITE, or a new one after a 401/407 challenge: setup time still counts from the first
      call.inviteEpochMs ??= meta.epochMs;
      call.initialSeq = seq;
      call.callerAgent ??= detachNullable(msg.userAgent);
      if (call.state === 'rejected') this.reopen(call);
    } else if (msg.method === 'CANCEL') {
      call.cancelSeen = true;
    } else if (msg.method === 'BYE') {
      call.byeSeen = true;
      if (call.state === 'answered' || call.state === 'setup') this.finish(call, 'ended', meta.epochMs, true);
    }
  }

  private onResponse(call: Call, msg: Extract<SipMessage, { kind: 'response' }>, meta: SipMeta): void {
    const cseq = msg.cseq!;
    if (cseq.method !== 'INVITE' || cseq.seq !== call.initialSeq) return;
    const status = msg.status;
    call.calleeAgent ??= detachNullable(msg.server ?? msg.userAgent);
    if (status >= 180 && status < 190) {
      if (call.ringMs === null && call.inviteEpochMs !== null) call.ringMs = roundMs(meta.epochMs - call.inviteEpochMs);
    } else if (status >= 200 && status < 300) {
      if (call.answerEpochMs !== null) return;
      call.answerEpochMs = meta.epochMs;
      call.finalStatus = status;
      if (call.inviteEpochMs !== null) call.setupMs = roundMs(meta.epochMs - call.inviteEpochMs);
      this.finished.delete(call.callId);
      call.state = 'answered';
      call.endEpochMs = null;
      this.opts.onCallEvent?.(call, 'answered');
    } else if (status >= 300 && call.state === 'setup') {
      call.finalStatus = status;
      const state = call.cancelSeen || status === 487 ? 'cancelled' : 'rejected';
      // 401/407 are challenges: the caller usually retries with credentials, so no 'end' yet
      this.finish(call, state, meta.epochMs, status !== 401 && status !== 407);
    }
  }

  private finish(call: Call, state: CallState, atMs: number | null, emit: boolean): void {
    call.state = state;
    if (atMs !== null) call.endEpochMs = atMs;
    this.finished.add(call.callId);
    if (emit && !call.endEmitted) {
      call.endEmitted = true;
      this.opts.onCallEvent?.(call, 'end');
    }
  }

  private reopen(call: Call): void {
    call.state = 'setup';
    call.finalStatus = null;
    call.endEpochMs = null;
    this.finished.delete(call.callId);
  }

  private announceMedia(call: Call, msg: SipMessage, meta: SipMeta): void {
    const body = sdpBodyOf(msg);
    if (body === null) return;
    const media = expectedMediaOf(body, {
      callId: call.callId,
      frame: meta.num,
      sdpSide: sdpSideOf(call, msg),
      sdpOwnerIsCaller: sdpOwnerIsCaller(call, msg, meta),
    });
    if (typeof media === 'string') {
      this.sdpErrors++;
      return;
    }
    for (const m of media) {
      shareMappings(call, m);
      if (call.media.length < MAX_MEDIA) call.media.push(m);
      this.opts.onMedia(m);
    }
  }
}

/**
 * Both sides' rtpmap: an answer often lists only the codec it chose (a=rtpmap:0 PCMU) while the
 * caller's telephone-event/8000 on PT 101 still flows to it, and RTP is classified by the SDP of the
 * endpoint it goes to. Each m= line's own mapping wins; a dynamic type it does not map takes the
 * call's other SDPs' mapping (the maps are shared with the media registry, so an earlier line learns
 * from a later answer too).
 */
function shareMappings(call: Call, m: ExpectedMedia): void {
  for (const [pt, info] of m.payloads) if (!call.payloadPool.has(pt)) call.payloadPool.set(pt, info);
  for (const other of [...call.media, m]) {
    if (other.mediaType !== m.mediaType) continue;
    for (const [pt, info] of call.payloadPool) if (!other.payloads.has(pt)) other.payloads.set(pt, info);
  }
}

/** one SDP media line as the report lists it */
function sdpReport(m: ExpectedMedia): SdpMediaReport {
  return {
    packet: m.fromFrame, side: m.sdpSide, byCaller: m.sdpOwnerIsCaller, media: m.mediaType, protocol: m.protocol,
    address: endpoint(m.address, m.port), direction: m.direction, payloadTypes: [...m.payloadTypes],
    codecs: m.payloadTypes.map((pt) => m.payloads.get(pt)?.codec ?? staticPayloadType(pt)?.codec ?? `PT${pt}`),
  };
}

/**
 * Transaction key (RFC 3261 17.2.3: top Via branch + method; responses also by status and To tag,
 * so forked 180s from different UAS are not mistaken for retransmissions).
 */
function isRetransmission(call: Call, msg: SipMessage): boolean {
  const cseq = msg.cseq!;
  const branch = msg.topViaBranch ?? '';
  const key = msg.kind === 'request'
    ? `Q ${msg.method} ${cseq.seq} ${branch}`
    : `R ${msg.status} ${cseq.method} ${cseq.seq} ${branch} ${msg.to?.tag ?? ''}`;
  if (call.seen.has(key)) return true;
  if (call.seen.size < MAX_SEEN) call.seen.add(detachString(key));
  return false;
}

/**
 * Offer or answer (RFC 3264 and RFC 3261 13.2.1): an INVITE with SDP is an offer and the SDP of
 * its responses the answer; an INVITE without SDP gets the offer in the response and the answer
 * in the ACK. PRACK / UPDATE requests offer, their responses answer.
 */
function sdpSideOf(call: Call, msg: SipMessage): 'offer' | 'answer' {
  const cseq = msg.cseq!;
  if (msg.kind === 'request') return msg.method === 'ACK' ? 'answer' : 'offer';
  if (cseq.method === 'INVITE') return call.inviteHadSdp.get(cseq.seq) === false ? 'offer' : 'answer';
  return 'answer';
}

/** The caller sends requests with its own From tag; responses come from the other side of the request. */
function sdpOwnerIsCaller(call: Call, msg: SipMessage, meta: SipMeta): boolean {
  const tag = msg.from?.tag ?? null;
  const requestByCaller = call.callerTag !== null && tag !== null
    ? tag === call.callerTag
    : (msg.kind === 'request' ? endpoint(meta.srcAddr, meta.srcPort) : endpoint(meta.dstAddr, meta.dstPort)) === call.callerEndpoint;
  return msg.kind === 'request' ? requestByCaller : !requestByCaller;
}

function remember(map: Map<number, boolean>, seq: number, v: boolean): void {
  if (map.size >= MAX_INVITE_SEQS && !map.has(seq)) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(seq, v);
}

function uriText(uri: { user: string | null; host: string } | undefined): string {
  if (uri === undefined) return '';
  if (uri.host === '') return uri.user ?? '';
  return uri.user !== null && uri.user !== '' ? `${uri.user}@${uri.host}` : uri.host;
}

/** "ip:port", IPv6 as "[addr]:port" (the report's convention) */
export function endpoint(addr: string, port: number): string {
  return addr.includes(':') && !addr.startsWith('[') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** ms with microsecond resolution, so float noise from ns timestamps does not show */
function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

function summarize(c: Call): CallSummary {
  const endMs = c.endEpochMs ?? c.lastEpochMs;
  const dscp: Record<string, number> = {};
  for (const [k, v] of [...c.sipDscp.entries()].sort((a, b) => a[0] - b[0])) dscp[String(k)] = v;
  return {
    callId: c.callId,
    from: c.from,
    to: c.to,
    setupMs: c.setupMs,
    ringMs: c.ringMs,
    finalStatus: c.finalStatus,
    state: c.state,
    startTime: isoTime(c.startEpochMs),
    durationSeconds: c.answerEpochMs === null ? null : Math.max(0, Math.round(endMs - c.answerEpochMs) / 1000),
    transport: c.transport,
    sipSrc: c.sipSrc,
    sipDst: c.sipDst,
    sipDscp: dscp,
    messages: c.messages,
    firstPacket: c.firstPacket,
    retransmissions: c.retransmissions,
    answerTime: c.answerEpochMs === null ? null : isoTime(c.answerEpochMs),
    byeSeen: c.byeSeen,
    sdp: c.media.map(sdpReport),
  };
}

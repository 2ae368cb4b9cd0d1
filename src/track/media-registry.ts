/**
 * Which UDP datagrams are RTP or RTCP, mirroring Wireshark's RTP conversations:
 *  - signalled media (SDP m= lines, from the call tracker): the address:port is RTP (its rtcpPort RTCP) for
 *    packets to OR from it, from the SDP's frame on; a later SDP for the same address:port starts a new
 *    conversation with the new payload map (as srtp_add_address does);
 *  - otherwise, with `heuristic` on, tshark's heuristic (version 2, PT not 72..76, lengths and padding
 *    plausible) PLUS our confirmation: a (src, dst, SSRC) flow becomes a stream only after `confirmPackets`
 *    packets with small forward sequence steps and no STUN/TURN/DTLS/ZRTP look. Its buffered packets
 *    (numbers only) are replayed through drainReplay() so the figures start at the very first packet.
 * With rtcp-mux (RFC 5761 4), an RTP-looking packet with M set and PT 72..76 is RTCP, as in packet-rtp.c.
 *
 * Each conversation carries the dissector's extended timestamp (rtp-timestamp.ts), shared by both
 * directions and all SSRCs of the conversation, exactly as Wireshark keeps it.
 */
import { type PacketInfo, endpointKey } from '../decode/packet-info.js';
import { EndpointTable } from '../decode/ip/endpoint-table.js';
import { RTP_BAD_PADDING, RtpHeader, decodeRtpHeader, isMuxedRtcp } from '../decode/rtp.js';
import { isKnownNonRtp } from '../decode/stun.js';
import { EXTENDED_TIMESTAMP_START, extendTimestamp } from '../measure/rtp-timestamp.js';
import { type Candidate, CandidateFlows } from './rtp-candidates.js';

export const MEDIA_NONE = 0;
export const MEDIA_RTP = 1;
export const MEDIA_RTCP = 2;
/** looks like RTP but the flow is not confirmed yet (buffered; replayed when it is) */
export const MEDIA_PENDING = 3;

export interface PayloadInfo {
  codec: string;
  clockRate: number;
  /** the SDP's a=ptime, ms, when it has one */
  ptime?: number;
}

export interface MediaRegistration {
  addrKey: number;
  port: number;
  rtcpPort: number;
  rtcpMux: boolean;
  fromFrame: number;
  payloads: Map<number, PayloadInfo>;
  callId: string | null;
  srtp: boolean;
  /**
   * false for an m= line that does not carry RTP (m=image udptl t38, m=application TCP/BFCP or MSRP):
   * its port is then not RTP from this SDP on (a T.38 re-INVITE takes over the audio port), unless
   * RTP version 2 arrives there and the heuristic confirms it. Absent: RTP.
   */
  rtp?: boolean;
}

/** what the registry knows about the packet it just classified (one reused object) */
export interface MediaContext {
  payloads: Map<number, PayloadInfo> | undefined;
  callId: string | null;
  srtp: boolean;
  detection: 'sdp' | 'heuristic';
  /** the conversation's extended RTP timestamp for this packet */
  extendedTimestamp: number;
  /** the conversation's number in this registry (a hint for the stream table's per-conversation cache) */
  convId: number;
}

/** one RTP conversation; the registration's payload map, Call-ID and SRTP flag are copied in (fewer hops per packet) */
interface Conversation {
  reg: MediaRegistration | null;
  payloads: Map<number, PayloadInfo> | undefined;
  callId: string | null;
  srtp: boolean;
  rtcpOnly: boolean;
  /** the SDP named this endpoint for something other than RTP (MediaRegistration.rtp false) */
  notRtp: boolean;
  extTs: number;
  id: number;
}

function conversation(reg: MediaRegistration | null, rtcpOnly: boolean, extTs: number, id: number): Conversation {
  return { reg, payloads: reg?.payloads, callId: reg?.callId ?? null, srtp: reg?.srtp ?? false, rtcpOnly, notRtp: reg?.rtp === false, extTs, id };
}

/** the place of a forgotten heuristic conversation until it is reused */
const FORGOTTEN = conversation(null, false, 0, -1);

/**
 * Candidate flows held at once. A monitor attached to a mirror port mid-day sees the RTP of every call
 * already up without their SDP, all starting at once and interleaved: each must keep its candidate
 * until its confirming packets arrive (with 64, 400 interleaved flows evicted each other forever and
 * nothing was measured). About 1 KB each.
 */
const MAX_CANDIDATES = 8192;

export interface MediaRegistryOptions {
  heuristic?: boolean;
  /** packets with small forward sequence steps needed before a heuristic flow is a stream (default 3) */
  confirmPackets?: number;
  /** most candidate flows kept at once; the least recently used goes (default MAX_CANDIDATES) */
  maxCandidates?: number;
  /** called when an SDP names addrKey:port (the classification of its packets may change from here on) */
  onEndpointChange?: (addrKey: number, port: number) => void;
}

export class MediaRegistry {
  readonly ctx: MediaContext = {
    payloads: undefined,
    callId: null,
    srtp: false,
    detection: 'heuristic',
    extendedTimestamp: 0,
    convId: -1,
  };
  /** conversations made so far (their ids) */
  private conversations = 0;
  private readonly onEndpointChange: ((addrKey: number, port: number) => void) | undefined;

  private readonly heuristic: boolean;
  /** endpoint key -> index in signalledLists: the conversations by ascending fromFrame */
  private readonly signalled = new EndpointTable(256);
  private readonly signalledLists: Array<Array<{ from: number; conv: Conversation }>> = [];
  /** per endpoint index: its latest conversation and that SDP's frame (the usual answer, without the list) */
  private readonly signalledLast: Conversation[] = [];
  private readonly signalledLastFrom: number[] = [];
  /** (lower endpoint, higher endpoint) -> index in heurConvList: one conversation for both directions */
  private readonly heurConvs = new EndpointTable(64);
  private readonly heurConvList: Conversation[] = [];
  /** (src, dst, SSRC) of the confirmed heuristic flows (value 1) */
  private readonly confirmed = new EndpointTable(64);
  private readonly candidates: CandidateFlows;
  private replayFrom: Candidate | null = null;
  private readonly scratchPinfo: PacketInfo;
  private readonly scratchHdr = new RtpHeader();
  /** Call-ID -> the endpoint keys its SDPs registered (forgetCall() removes them) */
  private readonly endpointsOfCall = new Map<string, number[]>();
  /** signalledLists indexes freed by forgetCall(), for the next new endpoint */
  private readonly freeLists: number[] = [];

  constructor(opts: MediaRegistryOptions = {}, scratch?: PacketInfo) {
    this.heuristic = opts.heuristic ?? true;
    this.candidates = new CandidateFlows(Math.max(1, opts.confirmPackets ?? 3), Math.max(1, opts.maxCandidates ?? MAX_CANDIDATES));
    this.scratchPinfo = scratch ?? ({} as PacketInfo);
    this.onEndpointChange = opts.onEndpointChange;
  }

  /** an SDP m= line: address:port is RTP (rtcpPort RTCP) to and from it, from fromFrame on */
  register(m: MediaRegistration): void {
    this.onEndpointChange?.(m.addrKey, m.port);
    this.addConv(endpointKey(m.addrKey, m.port), m.fromFrame, conversation(m, false, EXTENDED_TIMESTAMP_START, this.conversations++));
    this.noteEndpoint(m.callId, endpointKey(m.addrKey, m.port));
    // UDPTL and TCP media have no RTCP port beside them
    if (m.rtp !== false && !m.rtcpMux && m.rtcpPort !== m.port && m.rtcpPort > 0) {
      this.onEndpointChange?.(m.addrKey, m.rtcpPort);
      this.addConv(endpointKey(m.addrKey, m.rtcpPort), m.fromFrame, conversation(m, true, 0, this.conversations++));
      this.noteEndpoint(m.callId, endpointKey(m.addrKey, m.rtcpPort));
    }
  }

  /** endpoints with signalled media held now */
  get signalledEndpoints(): number {
    return this.signalled.size;
  }

  /**
   * A call retired: its SDPs' conversations go. An endpoint that no other held call named is
   * forgotten (its packets are classified afresh: by a later SDP, or the heuristic).
   */
  forgetCall(callId: string): void {
    const keys = this.endpointsOfCall.get(callId);
    if (keys === undefined) return;
    this.endpointsOfCall.delete(callId);
    for (const key of keys) {
      const at = this.signalled.get(key, 0, 0);
      if (at < 0) continue;
      const list = this.signalledLists[at]!.filter((e) => e.conv.callId !== callId);
      if (list.length === 0) {
        this.signalled.delete(key, 0, 0);
        this.signalledLists[at] = [];
        this.freeLists.push(at);
        continue;
      }
      this.signalledLists[at] = list;
      const last = list[list.length - 1]!;
      this.signalledLast[at] = last.conv;
      this.signalledLastFrom[at] = last.from;
    }
  }

  /** a heuristic stream retired: its flow must be confirmed again, and its conversation goes */
  forgetFlow(srcAddr: number, srcPort: number, dstAddr: number, dstPort: number, ssrc: number): void {
    const src = endpointKey(srcAddr, srcPort);
    const dst = endpointKey(dstAddr, dstPort);
    this.confirmed.delete(src, dst, ssrc);
    const lo = src < dst ? src : dst;
    const hi = src < dst ? dst : src;
    const at = this.heurConvs.get(lo, hi, 0);
    if (at >= 0) {
      this.heurConvs.delete(lo, hi, 0);
      this.heurConvList[at] = FORGOTTEN;
      this.freeHeur.push(at);
    }
  }

  private readonly freeHeur: number[] = [];

  private noteEndpoint(callId: string | null, key: number): void {
    if (callId === null) return;
    const list = this.endpointsOfCall.get(callId);
    if (list === undefined) this.endpointsOfCall.set(callId, [key]);
    else if (!list.includes(key)) list.push(key);
  }

  /**
   * Classify one UDP datagram; decodes the RTP header into `hdr` when it returns MEDIA_RTP or
   * MEDIA_PENDING. After MEDIA_RTP, call drainReplay() before handling this packet.
   */
  classify(p: PacketInfo, hdr: RtpHeader): number {
    this.replayFrom = null;
    const buf = p.buf;
    const start = p.payloadStart;
    const end = p.payloadEnd;
    // endpoint keys go through the table's typed-array key: no boxed numbers per packet
    const key = this.signalled.key;
    key[0] = endpointKey(p.dstAddr, p.dstPort);
    let conv = this.signalledConv(p.num);
    if (conv === undefined) {
      key[0] = endpointKey(p.srcAddr, p.srcPort);
      conv = this.signalledConv(p.num);
    }
    if (conv !== undefined && !conv.notRtp) return this.classifySignalled(conv, buf, start, end, hdr);
    if (!this.heuristic) return MEDIA_NONE;
    // a T.38 or BFCP endpoint: RTP only if RTP v2 really flows there (the heuristic confirms it), still the call's
    const kind = this.classifyHeuristic(p, hdr);
    if (conv !== undefined && kind === MEDIA_RTP) this.ctx.callId = conv.callId;
    return kind;
  }

  /**
   * The Call-IDs whose SDP (at or before frame `num`) named addr:port, newest first. Used once per new
   * stream: two calls may announce the same answer address (a PBX reusing a media port), and the call
   * a stream belongs to is the one whose SDP named BOTH of its endpoints, not simply the latest SDP.
   */
  callIdsAt(addrKey: number, port: number, num: number): string[] {
    const key = this.signalled.key;
    key[0] = endpointKey(addrKey, port);
    const at = this.signalled.find();
    if (at < 0) return [];
    const out: string[] = [];
    const list = this.signalledLists[at]!;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i]!;
      if (e.from <= num && e.conv.callId !== null && !out.includes(e.conv.callId)) out.push(e.conv.callId);
    }
    return out;
  }

  /** heuristic candidates evicted or abandoned (for diagnostics) */
  get droppedCandidates(): number {
    return this.candidates.dropped;
  }

  /** replay the buffered packets of the flow confirmed by the last classify() (oldest first) */
  drainReplay(fn: (p: PacketInfo, hdr: RtpHeader, ctx: MediaContext) => void): void {
    const c = this.replayFrom;
    if (c === null) return;
    this.replayFrom = null;
    const p = this.scratchPinfo;
    const h = this.scratchHdr;
    const savedExt = this.ctx.extendedTimestamp;
    for (let i = 0; i < c.count; i++) {
      p.num = c.num[i]!;
      p.tsSec = c.tsSec[i]!;
      p.tsNsec = c.tsNsec[i]!;
      p.frameLen = c.frameLen[i]!;
      p.dscp = c.dscp[i]!;
      p.ipVersion = c.ipVersion;
      p.srcAddr = c.srcAddr;
      p.dstAddr = c.dstAddr;
      p.srcPort = c.srcPort;
      p.dstPort = c.dstPort;
      p.proto = 17;
      h.version = 2;
      h.sequence = c.seq[i]!;
      h.timestamp = c.ts[i]!;
      h.ssrc = c.ssrc;
      h.payloadType = c.ptm[i]! & 0x7f;
      h.marker = (c.ptm[i]! & 0x80) !== 0;
      h.payloadLength = c.payloadLength[i]!;
      h.headerLength = c.headerLength[i]!;
      this.ctx.extendedTimestamp = c.extTs[i]!;
      fn(p, h, this.ctx);
    }
    this.ctx.extendedTimestamp = savedExt;
  }

  private addConv(key: number, from: number, conv: Conversation): void {
    const at = this.signalled.get(key, 0, 0);
    let list = at >= 0 ? this.signalledLists[at] : undefined;
    let idx = at;
    if (list === undefined) {
      idx = this.freeLists.pop() ?? this.signalledLists.length;
      this.signalled.set(key, 0, 0, idx);
      this.signalledLists[idx] = list = [];
    }
    const same = list.findIndex((e) => e.from === from);
    if (same >= 0) {
      // the same SDP frame again (e.g. offer and answer in one message): update the payloads in place
      const c = list[same]!.conv;
      c.reg = conv.reg;
      c.payloads = conv.payloads;
      c.callId = conv.callId;
      c.srtp = conv.srtp;
      c.notRtp = conv.notRtp;
      return;
    }
    list.push({ from, conv });
    list.sort((a, b) => a.from - b.from);
    const last = list[list.length - 1]!;
    this.signalledLast[idx] = last.conv;
    this.signalledLastFrom[idx] = last.from;
  }

  /** the conversation of the endpoint in signalled.key[0] for frame num (the latest SDP before it) */
  private signalledConv(num: number): Conversation | undefined {
    const at = this.signalled.find();
    if (at < 0) return undefined;
    if (this.signalledLastFrom[at]! <= num) return this.signalledLast[at];
    const list = this.signalledLists[at]!;
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i]!;
      if (e.from <= num) return e.conv;
    }
    return undefined;
  }

  private classifySignalled(conv: Conversation, buf: Uint8Array, start: number, end: number, hdr: RtpHeader): number {
    if (conv.rtcpOnly || isMuxedRtcp(buf, start, end)) return MEDIA_RTCP;
    const r = decodeRtpHeader(buf, start, end, hdr);
    if (r < 0 && r !== RTP_BAD_PADDING) return MEDIA_NONE;
    if (r === RTP_BAD_PADDING) hdr.payloadLength = end - start - hdr.headerLength;
    conv.extTs = extendTimestamp(conv.extTs, hdr.timestamp);
    const ctx = this.ctx;
    ctx.payloads = conv.payloads;
    ctx.callId = conv.callId;
    ctx.srtp = conv.srtp;
    ctx.detection = 'sdp';
    ctx.extendedTimestamp = conv.extTs;
    ctx.convId = conv.id;
    return MEDIA_RTP;
  }

  private classifyHeuristic(p: PacketInfo, hdr: RtpHeader): number {
    const src = endpointKey(p.srcAddr, p.srcPort);
    const dst = endpointKey(p.dstAddr, p.dstPort);
    const buf = p.buf;
    const r = decodeRtpHeader(buf, p.payloadStart, p.payloadEnd, hdr);
    if (r < 0) return MEDIA_NONE;
    if (hdr.payloadType >= 72 && hdr.payloadType <= 76) {
      // tshark's heuristic refuses these; with rtcp-mux they are RTCP on a known RTP flow
      if (hdr.marker && this.heurConv(src, dst, false) !== undefined) return MEDIA_RTCP;
      return MEDIA_NONE;
    }
    const conv = this.heurConv(src, dst, true)!;
    conv.extTs = extendTimestamp(conv.extTs, hdr.timestamp);
    const ctx = this.ctx;
    ctx.payloads = undefined;
    ctx.callId = null;
    ctx.srtp = false;
    ctx.detection = 'heuristic';
    ctx.extendedTimestamp = conv.extTs;
    ctx.convId = conv.id;
    const ck = this.confirmed.key;
    ck[0] = src;
    ck[1] = dst;
    ck[2] = hdr.ssrc;
    if (this.confirmed.find() === 1) return MEDIA_RTP;
    if (isKnownNonRtp(buf, p.payloadStart, p.payloadEnd)) return MEDIA_NONE;
    return this.candidatePacket(p, src, dst, hdr, conv.extTs);
  }

  private heurConv(src: number, dst: number, create: boolean): Conversation | undefined {
    const lo = src < dst ? src : dst;
    const hi = src < dst ? dst : src;
    const k = this.heurConvs.key;
    k[0] = lo;
    k[1] = hi;
    const at = this.heurConvs.find();
    if (at >= 0) return this.heurConvList[at];
    if (!create) return undefined;
    const c = conversation(null, false, EXTENDED_TIMESTAMP_START, this.conversations++);
    const free = this.freeHeur.pop();
    if (free !== undefined) {
      this.heurConvs.insert(free);
      this.heurConvList[free] = c;
    } else {
      this.heurConvs.insert(this.heurConvList.length);
      this.heurConvList.push(c);
    }
    return c;
  }

  /** buffer a packet of an unconfirmed flow; when it confirms the flow, its earlier packets are replayed */
  private candidatePacket(p: PacketInfo, src: number, dst: number, hdr: RtpHeader, extTs: number): number {
    const c = this.candidates.push(p, src, dst, hdr, extTs);
    if (c === null) return MEDIA_PENDING;
    this.confirmed.set(src, dst, hdr.ssrc, 1);
    this.replayFrom = c.count > 0 ? c : null;
    return MEDIA_RTP;
  }
}

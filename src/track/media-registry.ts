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
import { RTP_BAD_PADDING, RtpHeader, decodeRtpHeader, isMuxedRtcp } from '../decode/rtp.js';
import { isKnownNonRtp } from '../decode/stun.js';
import { EXTENDED_TIMESTAMP_START, extendTimestamp } from '../measure/rtp-timestamp.js';

export const MEDIA_NONE = 0;
export const MEDIA_RTP = 1;
export const MEDIA_RTCP = 2;
/** looks like RTP but the flow is not confirmed yet (buffered; replayed when it is) */
export const MEDIA_PENDING = 3;

export interface PayloadInfo {
  codec: string;
  clockRate: number;
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
}

/** what the registry knows about the packet it just classified (one reused object) */
export interface MediaContext {
  payloads: Map<number, PayloadInfo> | undefined;
  callId: string | null;
  srtp: boolean;
  detection: 'sdp' | 'heuristic';
  /** the conversation's extended RTP timestamp for this packet */
  extendedTimestamp: number;
}

interface Conversation {
  reg: MediaRegistration | null;
  rtcpOnly: boolean;
  extTs: number;
}

const BUFFER = 8;

/** a heuristic candidate flow: a few numbers per buffered packet in typed arrays */
class Candidate {
  count = 0;
  goodSteps = 0;
  lastSeq = 0;
  lastUsed = 0;
  readonly num = new Float64Array(BUFFER);
  readonly tsSec = new Float64Array(BUFFER);
  readonly tsNsec = new Float64Array(BUFFER);
  readonly frameLen = new Float64Array(BUFFER);
  readonly extTs = new Float64Array(BUFFER);
  readonly ts = new Float64Array(BUFFER);
  readonly seq = new Uint16Array(BUFFER);
  readonly dscp = new Uint8Array(BUFFER);
  readonly ptm = new Uint8Array(BUFFER);
  readonly payloadLength = new Uint32Array(BUFFER);
  readonly headerLength = new Uint32Array(BUFFER);
  constructor(
    readonly src: number,
    readonly dst: number,
    readonly ssrc: number,
    readonly ipVersion: 4 | 6,
    readonly srcAddr: number,
    readonly dstAddr: number,
    readonly srcPort: number,
    readonly dstPort: number,
  ) {}
}

type Nested<T> = Map<number, Map<number, Map<number, T>>>;

function get3<T>(m: Nested<T>, a: number, b: number, c: number): T | undefined {
  return m.get(a)?.get(b)?.get(c);
}

function set3<T>(m: Nested<T>, a: number, b: number, c: number, v: T): void {
  let m2 = m.get(a);
  if (!m2) m.set(a, (m2 = new Map()));
  let m3 = m2.get(b);
  if (!m3) m2.set(b, (m3 = new Map()));
  m3.set(c, v);
}

function del3<T>(m: Nested<T>, a: number, b: number, c: number): void {
  m.get(a)?.get(b)?.delete(c);
}

export interface MediaRegistryOptions {
  heuristic?: boolean;
  /** packets with small forward sequence steps needed before a heuristic flow is a stream (default 3) */
  confirmPackets?: number;
  /** most candidate flows kept at once; the least recently used goes (default 64) */
  maxCandidates?: number;
}

export class MediaRegistry {
  readonly ctx: MediaContext = {
    payloads: undefined,
    callId: null,
    srtp: false,
    detection: 'heuristic',
    extendedTimestamp: 0,
  };
  /** heuristic candidates evicted or abandoned (for diagnostics) */
  droppedCandidates = 0;

  private readonly heuristic: boolean;
  private readonly confirm: number;
  private readonly maxCandidates: number;
  /** endpoint key -> conversations by ascending fromFrame */
  private readonly signalled = new Map<number, Array<{ from: number; conv: Conversation }>>();
  /** lower endpoint -> higher endpoint -> heuristic conversation (both directions) */
  private readonly heurConvs = new Map<number, Map<number, Conversation>>();
  private readonly confirmed: Nested<true> = new Map();
  private readonly candidates: Nested<Candidate> = new Map();
  private readonly candidateList: Candidate[] = [];
  private replayFrom: Candidate | null = null;
  private readonly scratchPinfo: PacketInfo;
  private readonly scratchHdr = new RtpHeader();

  constructor(opts: MediaRegistryOptions = {}, scratch?: PacketInfo) {
    this.heuristic = opts.heuristic ?? true;
    this.confirm = Math.max(1, opts.confirmPackets ?? 3);
    this.maxCandidates = Math.max(1, opts.maxCandidates ?? 64);
    this.scratchPinfo = scratch ?? ({} as PacketInfo);
  }

  /** an SDP m= line: address:port is RTP (rtcpPort RTCP) to and from it, from fromFrame on */
  register(m: MediaRegistration): void {
    this.addConv(endpointKey(m.addrKey, m.port), m.fromFrame, { reg: m, rtcpOnly: false, extTs: EXTENDED_TIMESTAMP_START });
    if (!m.rtcpMux && m.rtcpPort !== m.port && m.rtcpPort > 0) {
      this.addConv(endpointKey(m.addrKey, m.rtcpPort), m.fromFrame, { reg: m, rtcpOnly: true, extTs: 0 });
    }
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
    const src = endpointKey(p.srcAddr, p.srcPort);
    const dst = endpointKey(p.dstAddr, p.dstPort);
    const conv = this.signalledConv(dst, p.num) ?? this.signalledConv(src, p.num);
    if (conv !== undefined) return this.classifySignalled(conv, buf, start, end, hdr);
    if (!this.heuristic) return MEDIA_NONE;
    return this.classifyHeuristic(p, src, dst, hdr);
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
    let list = this.signalled.get(key);
    if (!list) this.signalled.set(key, (list = []));
    const same = list.findIndex((e) => e.from === from);
    if (same >= 0) {
      // the same SDP frame again (e.g. offer and answer in one message): update the payloads in place
      list[same]!.conv.reg = conv.reg;
      return;
    }
    list.push({ from, conv });
    list.sort((a, b) => a.from - b.from);
  }

  private signalledConv(key: number, num: number): Conversation | undefined {
    const list = this.signalled.get(key);
    if (list === undefined) return undefined;
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
    const reg = conv.reg!;
    conv.extTs = extendTimestamp(conv.extTs, hdr.timestamp);
    const ctx = this.ctx;
    ctx.payloads = reg.payloads;
    ctx.callId = reg.callId;
    ctx.srtp = reg.srtp;
    ctx.detection = 'sdp';
    ctx.extendedTimestamp = conv.extTs;
    return MEDIA_RTP;
  }

  private classifyHeuristic(p: PacketInfo, src: number, dst: number, hdr: RtpHeader): number {
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
    if (get3(this.confirmed, src, dst, hdr.ssrc) === true) return MEDIA_RTP;
    if (isKnownNonRtp(buf, p.payloadStart, p.payloadEnd)) return MEDIA_NONE;
    return this.candidatePacket(p, src, dst, hdr, conv.extTs);
  }

  private heurConv(src: number, dst: number, create: boolean): Conversation | undefined {
    const lo = src < dst ? src : dst;
    const hi = src < dst ? dst : src;
    let m = this.heurConvs.get(lo);
    let c = m?.get(hi);
    if (c === undefined && create) {
      if (!m) this.heurConvs.set(lo, (m = new Map()));
      c = { reg: null, rtcpOnly: false, extTs: EXTENDED_TIMESTAMP_START };
      m.set(hi, c);
    }
    return c;
  }

  private candidatePacket(p: PacketInfo, src: number, dst: number, hdr: RtpHeader, extTs: number): number {
    let c = get3(this.candidates, src, dst, hdr.ssrc);
    if (c === undefined) {
      c = this.newCandidate(p, src, dst, hdr.ssrc);
    } else {
      const step = (hdr.sequence - c.lastSeq) & 0xffff;
      if (step >= 1 && step <= 16) c.goodSteps++;
    }
    if (c.count === BUFFER) {
      // never looked like a sequence: start over from this packet
      this.droppedCandidates++;
      c.count = 0;
      c.goodSteps = 0;
    }
    const i = c.count++;
    c.num[i] = p.num;
    c.tsSec[i] = p.tsSec;
    c.tsNsec[i] = p.tsNsec;
    c.frameLen[i] = p.frameLen;
    c.dscp[i] = p.dscp;
    c.extTs[i] = extTs;
    c.ts[i] = hdr.timestamp;
    c.seq[i] = hdr.sequence;
    c.ptm[i] = hdr.payloadType | (hdr.marker ? 0x80 : 0);
    c.payloadLength[i] = hdr.payloadLength;
    c.headerLength[i] = hdr.headerLength;
    c.lastSeq = hdr.sequence;
    c.lastUsed = p.num;
    if (c.count >= this.confirm && c.goodSteps >= this.confirm - 1) {
      set3(this.confirmed, src, dst, hdr.ssrc, true);
      this.removeCandidate(c);
      c.count--; // the current packet is handled by the caller, not replayed
      this.replayFrom = c.count > 0 ? c : null;
      return MEDIA_RTP;
    }
    return MEDIA_PENDING;
  }

  private newCandidate(p: PacketInfo, src: number, dst: number, ssrc: number): Candidate {
    if (this.candidateList.length >= this.maxCandidates) {
      let oldest = 0;
      for (let i = 1; i < this.candidateList.length; i++) {
        if (this.candidateList[i]!.lastUsed < this.candidateList[oldest]!.lastUsed) oldest = i;
      }
      this.droppedCandidates++;
      this.removeCandidate(this.candidateList[oldest]!);
    }
    const v = p.ipVersion === 6 ? 6 : 4;
    const c = new Candidate(src, dst, ssrc, v, p.srcAddr, p.dstAddr, p.srcPort, p.dstPort);
    set3(this.candidates, src, dst, ssrc, c);
    this.candidateList.push(c);
    return c;
  }

  private removeCandidate(c: Candidate): void {
    del3(this.candidates, c.src, c.dst, c.ssrc);
    const i = this.candidateList.indexOf(c);
    if (i >= 0) this.candidateList.splice(i, 1);
  }
}

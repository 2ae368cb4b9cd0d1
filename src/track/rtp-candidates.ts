/**
 * Heuristic RTP candidates: (src, dst, SSRC) flows that pass tshark's RTP heuristic but are not yet
 * confirmed as streams. Each keeps the numbers of its last few packets in typed arrays, so that once
 * `confirm` packets with small forward sequence steps have been seen, the registry can replay them and
 * the stream's figures start at its very first packet. Bounded: at most maxCandidates flows (the least
 * recently used goes), at most BUFFER packets each (a flow that never looks like a sequence starts over).
 */
import type { PacketInfo } from '../decode/packet-info.js';
import type { RtpHeader } from '../decode/rtp.js';

const BUFFER = 8;

/** a heuristic candidate flow: a few numbers per buffered packet in typed arrays */
export class Candidate {
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
  /** DSCP per packet; -1: unknown (a datagram source that cannot read it) */
  readonly dscp = new Int8Array(BUFFER);
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

export class CandidateFlows {
  /** candidates evicted or abandoned (for diagnostics) */
  dropped = 0;
  private readonly byKey: Nested<Candidate> = new Map();
  /** least recently used first (a Set keeps insertion order: a touched candidate is moved to the end) */
  private readonly lru = new Set<Candidate>();

  constructor(private readonly confirm: number, private readonly maxCandidates: number) {}

  /**
   * Buffer one packet of the flow (src, dst, hdr.ssrc). Returns the candidate when this packet confirms
   * the flow (it is then forgotten here; its `count` buffered packets, this one excluded, are to be
   * replayed), else null.
   */
  push(p: PacketInfo, src: number, dst: number, hdr: RtpHeader, extTs: number): Candidate | null {
    let c = get3(this.byKey, src, dst, hdr.ssrc);
    if (c === undefined) {
      c = this.create(p, src, dst, hdr.ssrc);
    } else {
      const step = (hdr.sequence - c.lastSeq) & 0xffff;
      if (step >= 1 && step <= 16) c.goodSteps++;
      this.lru.delete(c);
      this.lru.add(c);
    }
    if (c.count === BUFFER) {
      // never looked like a sequence: start over from this packet
      this.dropped++;
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
      this.remove(c);
      c.count--; // the current packet is handled by the caller, not replayed
      return c;
    }
    return null;
  }

  private create(p: PacketInfo, src: number, dst: number, ssrc: number): Candidate {
    if (this.lru.size >= this.maxCandidates) {
      this.dropped++;
      this.remove(this.lru.values().next().value!);
    }
    const v = p.ipVersion === 6 ? 6 : 4;
    const c = new Candidate(src, dst, ssrc, v, p.srcAddr, p.dstAddr, p.srcPort, p.dstPort);
    set3(this.byKey, src, dst, ssrc, c);
    this.lru.add(c);
    return c;
  }

  private remove(c: Candidate): void {
    del3(this.byKey, c.src, c.dst, c.ssrc);
    this.lru.delete(c);
  }
}

/**
 * TCP stream reassembly for SIP over TCP: per flow and direction, payload bytes are delivered in
 * sequence order exactly once. Retransmitted and overlapping bytes are cut off, out-of-order
 * segments are held (copied, bounded) until the gap fills; when the hold limit is reached or the
 * stream ends with a hole, we skip ahead to the next held byte and count a gap instead of growing.
 *
 * Sequence numbers compare modulo 2^32 (RFC 9293 section 3.4): seqDiff() below. A SYN sets the
 * initial sequence number; a flow seen mid-stream starts at its first data segment. FIN from both
 * sides, or RST, closes the flow and frees its memory. Flows are found through numeric endpoint
 * keys (two nested Maps), never a string per packet.
 */
import { endpointKey, IPPROTO_TCP, PacketInfo } from '../decode/packet-info.js';
import { TCP_FIN, TCP_RST, TCP_SYN, TCP_ACK } from '../decode/transport/tcp.js';

export interface TcpFlowInfo {
  /** stable numeric id, 1-based, in order of first appearance */
  readonly id: number;
  /** side 0: the connection's client when the SYN was seen, else the first sender */
  readonly addr0: number;
  readonly port0: number;
  readonly addr1: number;
  readonly port1: number;
}

export type TcpDataListener = (flow: TcpFlowInfo, dir: 0 | 1, bytes: Buffer, pinfo: PacketInfo) => void;

export interface TcpReassemblerOptions {
  /** out-of-order bytes held per flow before skipping ahead (default 1 MiB) */
  maxBufferedBytesPerFlow?: number;
  /** flows tracked at once; the least recently active is dropped beyond it (default 10000) */
  maxFlows?: number;
}

export interface TcpStats {
  /** segments (or parts of them) whose bytes had been delivered already */
  retransmissions: number;
  outOfOrder: number;
  /** holes skipped over: bytes that never arrived */
  gaps: number;
  /** held segments discarded with an evicted flow */
  dropped: number;
}

interface Held {
  seq: number;
  info: PacketInfo;
}

class Direction {
  synced = false;
  next = 0;
  fin = false;
  held: Held[] = [];
}

class Flow implements TcpFlowInfo {
  readonly dirs: [Direction, Direction] = [new Direction(), new Direction()];
  heldBytes = 0;
  constructor(
    readonly id: number,
    readonly addr0: number,
    readonly port0: number,
    readonly addr1: number,
    readonly port1: number,
    readonly lo: number,
    readonly hi: number,
  ) {}
}

/** signed distance a - b between two 32-bit sequence numbers (RFC 9293 section 3.4) */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

export class TcpReassembler {
  private readonly onData: TcpDataListener;
  private readonly maxHeld: number;
  private readonly maxFlows: number;
  /** lower endpoint key -> higher endpoint key -> flow */
  private readonly flows = new Map<number, Map<number, Flow>>();
  /** all flows in least-recently-active order */
  private readonly lru = new Map<number, Flow>();
  private nextId = 1;
  readonly stats: TcpStats = { retransmissions: 0, outOfOrder: 0, gaps: 0, dropped: 0 };

  constructor(onData: TcpDataListener, opts: TcpReassemblerOptions = {}) {
    this.onData = onData;
    this.maxHeld = opts.maxBufferedBytesPerFlow ?? 1024 * 1024;
    this.maxFlows = opts.maxFlows ?? 10000;
  }

  get flowCount(): number {
    return this.lru.size;
  }

  push(p: PacketInfo): void {
    if (p.proto !== IPPROTO_TCP) {
      return;
    }
    const flags = p.tcpFlags;
    const len = p.payloadEnd - p.payloadStart;
    const src = endpointKey(p.srcAddr, p.srcPort);
    const dst = endpointKey(p.dstAddr, p.dstPort);
    let flow = this.find(src, dst);
    if (flow === undefined) {
      if ((len === 0 && (flags & TCP_SYN) === 0) || (flags & TCP_RST) !== 0) {
        return;
      }
      // a SYN+ACK seen first comes from the server: the client is side 0
      const fromServer = (flags & (TCP_SYN | TCP_ACK)) === (TCP_SYN | TCP_ACK);
      flow = fromServer ? this.create(p.dstAddr, p.dstPort, p.srcAddr, p.srcPort, dst, src) : this.create(p.srcAddr, p.srcPort, p.dstAddr, p.dstPort, src, dst);
    } else {
      this.lru.delete(flow.id);
      this.lru.set(flow.id, flow);
    }
    const dir: 0 | 1 = flow.addr0 === p.srcAddr && flow.port0 === p.srcPort ? 0 : 1;
    const d = flow.dirs[dir];
    let seq = p.tcpSeq;
    if ((flags & TCP_SYN) !== 0) {
      if (!d.synced || d.fin) {
        this.skipAll(flow, dir);
        d.synced = true;
        d.fin = false;
        d.next = (seq + 1) >>> 0;
      }
      seq = (seq + 1) >>> 0; // the SYN occupies one sequence number
    }
    if (len > 0) {
      if (!d.synced) {
        d.synced = true;
        d.next = seq;
      }
      this.segment(flow, dir, d, seq, p);
    }
    if ((flags & TCP_RST) !== 0) {
      this.close(flow);
    } else if ((flags & TCP_FIN) !== 0) {
      d.fin = true;
      if (flow.dirs[0].fin && flow.dirs[1].fin) {
        this.close(flow);
      }
    }
  }

  /** end of input: deliver what is held (skipping the holes) and forget every flow */
  flush(): void {
    for (const flow of [...this.lru.values()]) {
      this.close(flow);
    }
  }

  private find(src: number, dst: number): Flow | undefined {
    return src < dst ? this.flows.get(src)?.get(dst) : this.flows.get(dst)?.get(src);
  }

  private create(a0: number, p0: number, a1: number, p1: number, ep0: number, ep1: number): Flow {
    if (this.lru.size >= this.maxFlows) {
      const oldest = this.lru.values().next().value as Flow;
      this.stats.dropped += oldest.dirs[0].held.length + oldest.dirs[1].held.length;
      this.remove(oldest);
    }
    const lo = Math.min(ep0, ep1);
    const hi = Math.max(ep0, ep1);
    const flow = new Flow(this.nextId++, a0, p0, a1, p1, lo, hi);
    let inner = this.flows.get(lo);
    if (inner === undefined) {
      inner = new Map();
      this.flows.set(lo, inner);
    }
    inner.set(hi, flow);
    this.lru.set(flow.id, flow);
    return flow;
  }

  private segment(flow: Flow, dir: 0 | 1, d: Direction, seq: number, p: PacketInfo): void {
    const len = p.payloadEnd - p.payloadStart;
    const diff = seqDiff(seq, d.next);
    if (diff <= 0) {
      const skip = -diff;
      if (skip > 0) {
        this.stats.retransmissions++;
      }
      if (skip >= len) {
        return;
      }
      d.next = (d.next + len - skip) >>> 0;
      this.onData(flow, dir, p.buf.subarray(p.payloadStart + skip, p.payloadEnd), p);
      this.drain(flow, dir, d, p);
      return;
    }
    this.stats.outOfOrder++;
    while (flow.heldBytes + len > this.maxHeld && d.held.length > 0) {
      // the hole is not filling in time: give up on it rather than grow
      this.skipAhead(flow, dir, d);
    }
    if (seqDiff(seq, d.next) <= 0) {
      // skipping ahead passed this segment's start: it is now (partly) in order or old
      this.segment(flow, dir, d, seq, p);
      return;
    }
    if (flow.heldBytes + len > this.maxHeld) {
      // this segment alone exceeds the limit: deliver it now, after a gap
      this.stats.gaps++;
      d.next = (seq + len) >>> 0;
      this.onData(flow, dir, p.buf.subarray(p.payloadStart, p.payloadEnd), p);
      return;
    }
    this.hold(flow, d, seq, p);
  }

  /** keep a copy of an early segment, ordered by distance from the next expected byte */
  private hold(flow: Flow, d: Direction, seq: number, p: PacketInfo): void {
    const info = clonePacket(p);
    const dist = seqDiff(seq, d.next);
    let i = d.held.length;
    while (i > 0 && seqDiff((d.held[i - 1] as Held).seq, d.next) > dist) {
      i--;
    }
    d.held.splice(i, 0, { seq, info });
    flow.heldBytes += info.payloadEnd;
  }

  /** deliver held segments that now start at or before the next expected byte */
  private drain(flow: Flow, dir: 0 | 1, d: Direction, completing: PacketInfo | null): void {
    while (d.held.length > 0) {
      const h = d.held[0] as Held;
      const diff = seqDiff(h.seq, d.next);
      if (diff > 0) {
        return;
      }
      d.held.shift();
      const len = h.info.payloadEnd;
      flow.heldBytes -= len;
      const skip = -diff;
      if (skip >= len) {
        this.stats.retransmissions++;
        continue;
      }
      d.next = (d.next + len - skip) >>> 0;
      this.onData(flow, dir, h.info.buf.subarray(skip, len), completing ?? h.info);
    }
  }

  /** jump over the hole before the first held segment */
  private skipAhead(flow: Flow, dir: 0 | 1, d: Direction): void {
    const first = d.held[0];
    if (first === undefined) {
      return;
    }
    this.stats.gaps++;
    d.next = first.seq;
    this.drain(flow, dir, d, null);
  }

  private skipAll(flow: Flow, dir: 0 | 1): void {
    const d = flow.dirs[dir];
    while (d.held.length > 0) {
      this.skipAhead(flow, dir, d);
    }
  }

  private close(flow: Flow): void {
    this.skipAll(flow, 0);
    this.skipAll(flow, 1);
    this.remove(flow);
  }

  private remove(flow: Flow): void {
    const inner = this.flows.get(flow.lo);
    inner?.delete(flow.hi);
    if (inner !== undefined && inner.size === 0) {
      this.flows.delete(flow.lo);
    }
    this.lru.delete(flow.id);
  }
}

/** a held segment outlives the reused PacketInfo: copy its numbers and its payload bytes */
function clonePacket(p: PacketInfo): PacketInfo {
  const c = new PacketInfo();
  c.num = p.num;
  c.tsSec = p.tsSec;
  c.tsNsec = p.tsNsec;
  c.frameLen = p.frameLen;
  c.linkType = p.linkType;
  c.ipVersion = p.ipVersion;
  c.srcAddr = p.srcAddr;
  c.dstAddr = p.dstAddr;
  c.dscp = p.dscp;
  c.ecn = p.ecn;
  c.ttl = p.ttl;
  c.proto = p.proto;
  c.srcPort = p.srcPort;
  c.dstPort = p.dstPort;
  c.vlan = p.vlan;
  c.tcpSeq = p.tcpSeq;
  c.tcpAck = p.tcpAck;
  c.tcpFlags = p.tcpFlags;
  c.reassembled = p.reassembled;
  c.buf = Buffer.from(p.buf.subarray(p.payloadStart, p.payloadEnd));
  c.payloadStart = 0;
  c.payloadEnd = c.buf.length;
  return c;
}

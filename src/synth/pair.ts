/**
 * generatePair: the same calls captured at two points A and B, with a network segment between
 * them. The scenario's frames are what the point nearer the sender sees (the caller's side is A,
 * the callee's side B; the scenario's own loss and jitter happen before that point). The segment
 * then delays every frame (fixed + seeded jitter), and for RTP drops packets and re-marks DSCP;
 * an optional NAT rewrites the caller's address and port in everything B sees; B's capture clock
 * may run `clockOffsetMs` ahead of A's (B minus A). The truth records, per RTP stream, every
 * packet's one-way delay over the segment (true time, offset excluded) from the timestamps as
 * written, which packets the segment lost and how many it re-marked.
 */
import { buildSources, makeContext, openWriter, walkFrames } from './generate.js';
import { addressPlus, formatAddress, parseAddress } from './frames.js';
import { dscpOf, fixChecksums, locate, rewriteEndpoint, rtpFields, setDscp } from './frame-edit.js';
import { MinHeap } from './heap.js';
import { Rng } from './prng.js';
import { extraDelayMs, isLost } from './rtp-source.js';
import type { JitterModel, LossModel, Scenario } from './scenario.js';
import { msToNs } from './source.js';

export interface SegmentSpec {
  /** fixed one-way delay of the segment, ms */
  delayMs: number;
  jitter: JitterModel;
  /** RTP packets lost on the segment (index = the packet's position in its stream at the upstream point) */
  loss: LossModel;
  /** RTP re-marked to DSCP `to` with probability `p` (1: every packet) */
  remark: { to: number; p: number } | null;
  /** when false, a frame never overtakes one sent before it in the same direction */
  reorder: boolean;
}

export interface PairSpec {
  seed: number;
  /** A to B (the caller's frames) and B to A (the callee's frames) */
  forward: SegmentSpec;
  backward: SegmentSpec;
  /** B sees the caller at `address`, its ports moved by `portShift` (IPv4 only) */
  nat: { address: string; portShift: number } | null;
  /** B's capture clock minus A's, ms (rounded to the file's timestamp resolution) */
  clockOffsetMs: number;
}

export interface PairStreamTruth {
  ssrc: string;
  direction: 'A->B' | 'B->A';
  /** packets seen at the upstream point (the scenario's loss is before it) */
  upstream: number;
  /** of them, seen at the downstream point */
  delivered: number;
  lostBetween: number;
  /** the scenario's loss before the upstream point (sequence numbers missing at both) */
  lostBefore: number;
  /** RTP sequence numbers (16-bit) lost on the segment */
  lostSeqs: number[];
  remarked: number;
  dscpUpstream: number;
  dscpDownstream: Record<string, number>;
  /** per delivered packet, in upstream order: the segment's delay, microseconds */
  delaysUs: number[];
  delayMs: { min: number; mean: number; p50: number; p95: number; p99: number; max: number } | null;
}

export interface PairTruth {
  scenario: string;
  seed: number;
  clockOffsetMs: number;
  nat: PairSpec['nat'];
  framesA: number;
  framesB: number;
  streams: PairStreamTruth[];
}

export const DEFAULT_SEGMENT: SegmentSpec = {
  delayMs: 0, jitter: { kind: 'none' }, loss: { kind: 'none' }, remark: null, reorder: false,
};

export function defineSegment(s: Partial<SegmentSpec> = {}): SegmentSpec {
  return { ...DEFAULT_SEGMENT, ...s };
}

interface Pending {
  ns: number;
  order: number;
  frame: Buffer;
}

/** a writer fed out of time order within a bounded horizon: frames wait in a heap until due */
class OrderedOut {
  private readonly heap = new MinHeap<Pending>();
  private order = 0;
  frames = 0;
  constructor(private readonly s: Scenario, private readonly w: ReturnType<typeof openWriter>) {}
  push(ns: number, frame: Buffer): void {
    this.heap.push({ ns, order: this.order++, frame });
  }
  /** write every frame due at or before `ns` */
  flush(ns: number): void {
    for (let e = this.heap.peek(); e !== undefined && e.ns <= ns; e = this.heap.peek()) {
      this.heap.pop();
      this.frames++;
      const sec = Math.floor(e.ns / 1e9);
      this.w.write(this.s.startTime + sec, e.ns - sec * 1e9, e.frame);
    }
  }
  close(): void {
    this.flush(Infinity);
    this.w.close();
  }
}

interface StreamAcc {
  t: PairStreamTruth;
  index: number;
  seqs: Set<number>;
}

/** nearest-rank percentile of sorted values (the matcher's definition) */
export function nearestRank(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)]!;
}

export function delaySummaryMs(us: number[]): PairStreamTruth['delayMs'] {
  if (us.length === 0) return null;
  const s = [...us].sort((a, b) => a - b);
  return {
    min: s[0]! / 1000, mean: us.reduce((a, b) => a + b, 0) / us.length / 1000,
    p50: nearestRank(s, 0.5) / 1000, p95: nearestRank(s, 0.95) / 1000, p99: nearestRank(s, 0.99) / 1000, max: s[s.length - 1]! / 1000,
  };
}

export function generatePair(s: Scenario, pair: PairSpec, pathA: string, pathB: string, format: 'pcap' | 'pcapng'): PairTruth {
  const ctx = makeContext(s);
  const built = buildSources(ctx);
  const outA = new OrderedOut(s, openWriter(s, ctx, pathA, format));
  const outB = new OrderedOut(s, openWriter(s, ctx, pathB, format));
  const res = ctx.resolutionNs;
  const offsetNs = Math.round(msToNs(pair.clockOffsetMs) / res) * res;
  const callers = new Set<string>();
  const calls = s.groups.reduce((n, g) => n + g.count, 0);
  for (let i = 0; i < calls; i++) callers.add(formatAddress(addressPlus(parseAddress(s.callerBase), i)));
  const natAddr = pair.nat === null ? null : parseAddress(pair.nat.address);
  const rng = new Rng(pair.seed);
  const lastArrival = [0, 0];
  const streams = new Map<number, StreamAcc>();
  walkFrames(built, (ns, original, onWrite) => {
    onWrite?.(0, ns);
    const l = locate(ctx.link, original);
    const fromCaller = l !== null && callers.has(formatAddress(original.subarray(l.ip + (l.version === 4 ? 12 : 8), l.ip + (l.version === 4 ? 16 : 24))));
    const k = fromCaller ? 0 : 1;
    const seg = fromCaller ? pair.forward : pair.backward;
    const down = Buffer.from(original);
    const rtp = l === null ? null : rtpFields(original, l);
    let acc: StreamAcc | undefined;
    if (rtp !== null) {
      acc = streams.get(rtp.ssrc);
      if (acc === undefined) {
        acc = { t: newTruth(rtp.ssrc, fromCaller, l === null ? 0 : dscpOf(original, l)), index: 0, seqs: new Set() };
        streams.set(rtp.ssrc, acc);
      }
      acc.t.upstream++;
      acc.seqs.add(rtp.seq);
      const i = acc.index++;
      if (isLost(seg.loss, i, rng)) {
        acc.t.lostBetween++;
        acc.t.lostSeqs.push(rtp.seq);
        placeUpstream(k, ns, original);
        return;
      }
      if (seg.remark !== null && l !== null && rng.next() < seg.remark.p && dscpOf(down, l) !== seg.remark.to) {
        setDscp(down, l, seg.remark.to);
        acc.t.remarked++;
      }
    }
    let arrival = Math.floor((ns + msToNs(seg.delayMs + extraDelayMs(seg.jitter, rng))) / res) * res;
    if (!seg.reorder) arrival = Math.max(arrival, lastArrival[k]!);
    lastArrival[k] = arrival;
    if (acc !== undefined && l !== null) {
      acc.t.delivered++;
      acc.t.delaysUs.push((arrival - ns) / 1000);
      const d = String(dscpOf(down, l));
      acc.t.dscpDownstream[d] = (acc.t.dscpDownstream[d] ?? 0) + 1;
    }
    placeUpstream(k, ns, original);
    if (k === 0) outB.push(arrival + offsetNs, nat(down, fromCaller));
    else outA.push(arrival, down);
    outA.flush(ns);
    outB.flush(ns + offsetNs);
  });
  function placeUpstream(k: number, ns: number, frame: Buffer): void {
    if (k === 0) outA.push(ns, frame);
    else outB.push(ns + offsetNs, nat(Buffer.from(frame), false));
  }
  /** the caller's address and port as B sees them (source of its frames, destination of the callee's) */
  function nat(frame: Buffer, fromCaller: boolean): Buffer {
    const l = natAddr === null ? null : locate(ctx.link, frame);
    if (l === null || natAddr === null || pair.nat === null || l.version !== 4) return frame;
    const which = fromCaller ? 'src' : 'dst';
    const portAt = l.transport + (which === 'src' ? 0 : 2);
    const port = l.fragment || (l.proto !== 17 && l.proto !== 6) ? 0 : frame.readUInt16BE(portAt) + pair.nat.portShift;
    if (!fromCaller && !callers.has(formatAddress(frame.subarray(l.ip + 16, l.ip + 20)))) return frame;
    rewriteEndpoint(frame, l, which, natAddr, port);
    fixChecksums(frame, l);
    return frame;
  }
  outA.close();
  outB.close();
  const byAcc = new Map(built.streams.map((a) => [a.t.ssrc, a.t.dropped]));
  return {
    scenario: s.name, seed: pair.seed, clockOffsetMs: offsetNs / 1e6, nat: pair.nat, framesA: outA.frames, framesB: outB.frames,
    streams: [...streams.values()].map((a) => ({ ...a.t, lostBefore: byAcc.get(a.t.ssrc) ?? 0, delayMs: delaySummaryMs(a.t.delaysUs) })),
  };
}

function newTruth(ssrc: number, fromCaller: boolean, dscp: number): PairStreamTruth {
  return {
    ssrc: `0x${ssrc.toString(16).padStart(8, '0')}`, direction: fromCaller ? 'A->B' : 'B->A', upstream: 0, delivered: 0,
    lostBetween: 0, lostBefore: 0, lostSeqs: [], remarked: 0, dscpUpstream: dscp, dscpDownstream: {}, delaysUs: [], delayMs: null,
  };
}

/** the pair truth as JSON, one line per stream (per-packet delays included) */
export function pairTruthToJSON(t: PairTruth): string {
  const { streams, ...head } = t;
  const top = JSON.stringify(head, null, 1).slice(0, -2);
  return `${top},\n "streams": [\n  ${streams.map((x) => JSON.stringify(x)).join(',\n  ')}\n ]\n}\n`;
}

/**
 * Two-point matching: the same RTP packets seen at capture points A and B are paired by
 * (SSRC, extended sequence number, RTP timestamp), whatever their addresses (a NAT between the
 * points changes those). Pure and bounded: the caller feeds both captures merged by (aligned)
 * time; a packet seen at one point waits at most `windowNs` of the other point's time for its
 * twin, then counts as seen at that point only. Memory follows the packets of the last window,
 * not the files.
 *
 * Per SSRC it keeps the signed differences tB - offset - tA (ns, offset = the given clock offset
 * of B minus A, else 0) in a bounded DelayStats, the packets seen at one point only (split into
 * "while the other capture ran" and "outside the other capture's time span"), the sequence range
 * and distinct packets seen (sequence gaps at both points: lost before the upstream point), and
 * the DSCP of each matched packet at both points.
 */
import { seqDelta16 } from '../sequence.js';
import { DelayStats } from './delay-stats.js';

export type Side = 0 | 1;

interface Pending {
  s: SsrcState;
  ext: number;
  side: Side;
  /** aligned ns (B's time minus the alignment) */
  t: number;
  ts: number;
  dscp: number;
  done: boolean;
}

export class SsrcState {
  readonly ssrc: number;
  readonly maxExt: [number, number] = [NaN, NaN];
  minAll = Infinity;
  maxAll = -Infinity;
  matched = 0;
  /** seen at this point only, while the other capture ran */
  readonly only: [number, number] = [0, 0];
  /** seen at this point only, outside the other capture's time span (not counted as loss) */
  readonly outside: [number, number] = [0, 0];
  readonly duplicates: [number, number] = [0, 0];
  /** same SSRC and sequence number, different RTP timestamp: not the same packet */
  timestampMismatch = 0;
  remarked = 0;
  readonly dscp: [Uint32Array, Uint32Array] = [new Uint32Array(64), new Uint32Array(64)];
  /** tB - offset - tA of matched packets, microseconds */
  readonly diff = new DelayStats();
  readonly pending = new Map<number, Pending>();

  constructor(ssrc: number) {
    this.ssrc = ssrc;
  }

  /** extended sequence number at `side`, aligned with the other side's when this side starts later */
  extend(side: Side, seq: number): number {
    const own = this.maxExt[side];
    const ref = Number.isNaN(own) ? this.maxExt[side === 0 ? 1 : 0] : own;
    const ext = Number.isNaN(ref) ? seq : ref + seqDelta16(ref & 0xffff, seq);
    if (Number.isNaN(own) || ext > own) this.maxExt[side] = ext;
    return ext;
  }

  /** distinct packets seen at either point */
  get distinct(): number {
    return this.matched + this.only[0] + this.only[1] + this.outside[0] + this.outside[1];
  }

  /** packets missing at both points within the sequence range seen */
  get lostBefore(): number {
    return this.maxAll < this.minAll ? 0 : Math.max(0, this.maxAll - this.minAll + 1 - this.distinct);
  }
}

export interface MatcherOptions {
  /** how long (ns of the other point's time) a packet waits for its twin; default 3 s */
  windowNs?: number;
  /** B's clock minus A's, ns, subtracted before the difference is taken (0 when not given) */
  offsetNs?: number;
  /** B's clock minus A's, ns, used only to merge the two reads (the given offset, or an estimate) */
  alignNs?: number;
  /** hard cap on waiting packets (oldest leave first) */
  maxPending?: number;
}

export class TwoPointMatcher {
  readonly streams = new Map<number, SsrcState>();
  readonly windowNs: number;
  readonly offsetNs: number;
  readonly alignNs: number;
  private readonly maxPending: number;
  /** per side: waiting packets in arrival order, and the head index */
  private readonly queues: [Pending[], Pending[]] = [[], []];
  private readonly heads: [number, number] = [0, 0];
  private waiting = 0;
  /** aligned time span of each capture so far (every record counts, not only RTP) */
  readonly first: [number, number] = [Infinity, Infinity];
  readonly last: [number, number] = [-Infinity, -Infinity];

  constructor(opts: MatcherOptions = {}) {
    this.windowNs = opts.windowNs ?? 3e9;
    this.offsetNs = opts.offsetNs ?? 0;
    this.alignNs = opts.alignNs ?? this.offsetNs;
    this.maxPending = opts.maxPending ?? 1_000_000;
  }

  /** B's time on A's clock for merging (aligned); A's time unchanged */
  aligned(side: Side, tNs: number): number {
    return side === 0 ? tNs : tNs - this.alignNs;
  }

  /** every record of a capture (RTP or not): its time extends that capture's span and expires waiting packets */
  observe(side: Side, tNs: number): void {
    const t = this.aligned(side, tNs);
    if (t < this.first[side]) this.first[side] = t;
    if (t > this.last[side]) this.last[side] = t;
    this.expire(side === 0 ? 1 : 0, t - this.windowNs);
  }

  /** one RTP packet seen at `side` (call observe() for its record too) */
  push(side: Side, tNs: number, ssrc: number, seq: number, ts: number, dscp: number): void {
    let s = this.streams.get(ssrc);
    if (s === undefined) {
      s = new SsrcState(ssrc);
      this.streams.set(ssrc, s);
    }
    const ext = s.extend(side, seq);
    const t = this.aligned(side, tNs);
    const p = s.pending.get(ext);
    if (p !== undefined) {
      if (p.side === side) {
        s.duplicates[side]++;
        return;
      }
      if (p.ts !== ts) {
        s.timestampMismatch++;
        return;
      }
      p.done = true;
      s.pending.delete(ext);
      this.waiting--;
      this.match(s, p, side, tNs, dscp);
      return;
    }
    if (ext < s.minAll) s.minAll = ext;
    if (ext > s.maxAll) s.maxAll = ext;
    const entry: Pending = { s, ext, side, t, ts, dscp, done: false };
    s.pending.set(ext, entry);
    this.queues[side].push(entry);
    this.waiting++;
    if (this.waiting > this.maxPending) this.expireOldest();
  }

  /** end of both captures: everything still waiting was seen at one point only */
  finish(): void {
    this.expire(0, Infinity);
    this.expire(1, Infinity);
  }

  private match(s: SsrcState, p: Pending, side: Side, tNs: number, dscp: number): void {
    s.matched++;
    // p.t is aligned; undo the alignment to get B's own clock back
    const tA = side === 0 ? tNs : p.t;
    const tB = side === 1 ? tNs : p.t + this.alignNs;
    s.diff.push((tB - this.offsetNs - tA) / 1000);
    const dA = side === 0 ? dscp : p.dscp;
    const dB = side === 1 ? dscp : p.dscp;
    s.dscp[0][dA & 63]!++;
    s.dscp[1][dB & 63]!++;
    if (dA !== dB) s.remarked++;
  }

  /** settle the packets of `side` that arrived before `until` (aligned ns) */
  private expire(side: Side, until: number): void {
    const q = this.queues[side];
    let h = this.heads[side];
    while (h < q.length && q[h]!.t <= until) this.settle(q[h++]!);
    if (h > 4096 && h * 2 > q.length) {
      q.splice(0, h);
      h = 0;
    }
    this.heads[side] = h;
  }

  private expireOldest(): void {
    const a = this.queues[0][this.heads[0]];
    const b = this.queues[1][this.heads[1]];
    const side: Side = a === undefined ? 1 : b === undefined ? 0 : a.t <= b.t ? 0 : 1;
    const q = this.queues[side];
    this.settle(q[this.heads[side]++]!);
  }

  private settle(p: Pending): void {
    if (p.done) return;
    p.done = true;
    p.s.pending.delete(p.ext);
    this.waiting--;
    const other = p.side === 0 ? 1 : 0;
    const inside = p.t >= this.first[other] && p.t <= this.last[other];
    if (inside) p.s.only[p.side]++;
    else p.s.outside[p.side]++;
  }
}

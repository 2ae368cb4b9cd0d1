/**
 * The bounded in-memory sample queue shared by all targets. Snapshots stay in timestamp order;
 * each target has its own read position (the seq of the next snapshot it must send), and a snapshot
 * leaves the queue once every target has sent it (or given up on it).
 *
 * When the queue holds more than `maxSamples`, the oldest snapshots are dropped whole, and each
 * target that had not sent them counts their samples as dropped: the counter equals exactly what
 * the receiver will miss.
 */
import type { Snapshot } from './snapshot.js';

export interface Batch {
  snapshots: Snapshot[];
  samples: number;
  /** seq of the last snapshot in the batch: ack(target, lastSeq) after a send */
  lastSeq: number;
}

export class SampleQueue {
  private snaps: Snapshot[] = [];
  /** cums[i]: samples pushed up to and including snaps[i] (so pending() is a subtraction) */
  private cums: number[] = [];
  private pushedTotal = 0;
  /** index of the first live snapshot in `snaps` (shift() on big arrays is O(n)) */
  private head = 0;
  private total = 0;
  /** per target: seq of the next snapshot to send */
  private readonly next: number[];
  /** per target: samples dropped because the queue was full */
  readonly dropped: number[];

  constructor(
    readonly maxSamples: number,
    targets: number,
    firstSeq = 0,
  ) {
    this.next = new Array<number>(targets).fill(firstSeq);
    this.dropped = new Array<number>(targets).fill(0);
  }

  /** append a snapshot (seq and timestamp must grow); returns samples dropped per target to make room */
  push(s: Snapshot): number[] {
    this.snaps.push(s);
    this.pushedTotal += s.values.length;
    this.cums.push(this.pushedTotal);
    this.total += s.values.length;
    const droppedNow = new Array<number>(this.next.length).fill(0);
    while (this.total > this.maxSamples && this.head < this.snaps.length) {
      const old = this.snaps[this.head] as Snapshot;
      this.snaps[this.head++] = EMPTY;
      this.total -= old.values.length;
      for (let t = 0; t < this.next.length; t++) {
        if ((this.next[t] as number) <= old.seq) {
          droppedNow[t] = (droppedNow[t] as number) + old.values.length;
          this.dropped[t] = (this.dropped[t] as number) + old.values.length;
          this.next[t] = old.seq + 1;
        }
      }
    }
    this.compact();
    return droppedNow;
  }

  /** the oldest unsent snapshots of one target, up to maxSamples (at least one snapshot if any) */
  peek(target: number, maxSamples: number): Batch | null {
    const from = this.next[target] as number;
    const snapshots: Snapshot[] = [];
    let samples = 0;
    for (let i = this.indexOfSeq(from); i < this.snaps.length; i++) {
      const s = this.snaps[i] as Snapshot;
      if (snapshots.length > 0 && samples + s.values.length > maxSamples) break;
      snapshots.push(s);
      samples += s.values.length;
    }
    const last = snapshots[snapshots.length - 1];
    return last === undefined ? null : { snapshots, samples, lastSeq: last.seq };
  }

  /** the target is done with everything up to and including `seq` (sent, or given up on) */
  ack(target: number, seq: number): void {
    if (seq + 1 > (this.next[target] as number)) this.next[target] = seq + 1;
    this.release();
  }

  /** samples one target still has to send */
  pending(target: number): number {
    const i = this.indexOfSeq(this.next[target] as number);
    const s = this.snaps[i];
    return s === undefined ? 0 : this.pushedTotal - ((this.cums[i] as number) - s.values.length);
  }

  /** timestamp of the oldest sample a target still has to send, or null */
  oldestPending(target: number): number | null {
    const s = this.snaps[this.indexOfSeq(this.next[target] as number)];
    return s === undefined ? null : s.timestampMs;
  }

  /** set a target's position (restoring from disk, before pushing the restored snapshots) */
  seek(target: number, seq: number): void {
    this.next[target] = seq;
  }

  nextSeq(target: number): number {
    return this.next[target] as number;
  }

  /** lowest position over all targets: everything before it may be forgotten (also on disk) */
  minNextSeq(): number {
    return Math.min(...this.next);
  }

  get samples(): number {
    return this.total;
  }

  get length(): number {
    return this.snaps.length - this.head;
  }

  /** live snapshots, oldest first (for persisting) */
  *entries(): Iterable<Snapshot> {
    for (let i = this.head; i < this.snaps.length; i++) yield this.snaps[i] as Snapshot;
  }

  private release(): void {
    const keepFrom = this.minNextSeq();
    while (this.head < this.snaps.length && (this.snaps[this.head] as Snapshot).seq < keepFrom) {
      this.total -= (this.snaps[this.head] as Snapshot).values.length;
      this.snaps[this.head++] = EMPTY;
    }
    this.compact();
  }

  /** seqs are increasing, so binary search */
  private indexOfSeq(seq: number): number {
    let lo = this.head;
    let hi = this.snaps.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.snaps[mid] as Snapshot).seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.snaps.length) {
      this.snaps = this.snaps.slice(this.head);
      this.cums = this.cums.slice(this.head);
      this.head = 0;
    }
  }
}

const EMPTY: Snapshot = { seq: -1, timestampMs: 0, ids: new Uint32Array(0), values: new Float64Array(0) };

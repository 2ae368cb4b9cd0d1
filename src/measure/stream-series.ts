/**
 * A bounded per-interval series of one stream (StreamSeries in src/model/report.ts): 1 s buckets of
 * capture time; when `maxPoints` is reached, neighbouring buckets are merged pairwise and the interval
 * doubles, so memory stays bounded whatever the stream length.
 */
import type { StreamSeries } from '../model/report.js';
import { seqDelta16 } from './sequence.js';

export class StreamSeriesBuilder {
  private interval = 1;
  private start = -1;
  private readonly packets: number[] = [];
  private readonly lost: number[] = [];
  private readonly jitter: number[] = [];
  private readonly maxDelta: number[] = [];
  /** per bucket: highest extended sequence number at its start, to count expected packets */
  private readonly highestAtStart: number[] = [];
  private highest = 0;
  private lastSeq = -1;

  constructor(private readonly maxPoints = 600) {}

  /** one packet: capture time (epoch s), its sequence number, the stream's jitter and delta after it (ms) */
  push(epochSec: number, seq: number, jitterMs: number, deltaMs: number): void {
    if (this.start < 0) {
      this.start = Math.floor(epochSec);
      this.highest = 0;
      this.lastSeq = (seq - 1) & 0xffff;
    }
    let idx = Math.floor((epochSec - this.start) / this.interval);
    while (idx >= this.maxPoints) {
      this.halve();
      idx = Math.floor((epochSec - this.start) / this.interval);
    }
    while (this.packets.length <= idx) this.openBucket();
    // extended sequence (RFC 3550 A.1 style), only forward moves raise the highest
    const d = seqDelta16(this.lastSeq, seq);
    const ext = this.highest + (d > 0 ? d : 0);
    const bucketHighStart = this.highestAtStart[idx]!;
    if (d > 0) {
      this.highest = ext;
      this.lastSeq = seq;
    }
    this.packets[idx]!++;
    this.jitter[idx] = jitterMs;
    if (deltaMs > this.maxDelta[idx]!) this.maxDelta[idx] = deltaMs;
    const expected = this.highest - bucketHighStart;
    const lost = expected - this.packets[idx]!;
    this.lost[idx] = lost > 0 ? lost : 0;
  }

  toJSON(): StreamSeries {
    return {
      intervalSeconds: this.interval,
      start: this.start < 0 ? 0 : this.start,
      packets: this.packets.slice(),
      lost: this.lost.slice(),
      jitterMs: this.jitter.slice(),
      maxDeltaMs: this.maxDelta.slice(),
    };
  }

  private openBucket(): void {
    const prevJitter = this.jitter.length > 0 ? this.jitter[this.jitter.length - 1]! : 0;
    this.packets.push(0);
    this.lost.push(0);
    this.jitter.push(prevJitter);
    this.maxDelta.push(0);
    this.highestAtStart.push(this.highest);
  }

  private halve(): void {
    const n = this.packets.length;
    let w = 0;
    for (let r = 0; r < n; r += 2, w++) {
      const two = r + 1 < n;
      this.packets[w] = this.packets[r]! + (two ? this.packets[r + 1]! : 0);
      this.lost[w] = this.lost[r]! + (two ? this.lost[r + 1]! : 0);
      this.jitter[w] = two ? this.jitter[r + 1]! : this.jitter[r]!;
      this.maxDelta[w] = Math.max(this.maxDelta[r]!, two ? this.maxDelta[r + 1]! : 0);
      this.highestAtStart[w] = this.highestAtStart[r]!;
    }
    this.packets.length = this.lost.length = this.jitter.length = this.maxDelta.length = w;
    this.highestAtStart.length = w;
    this.interval *= 2;
  }
}

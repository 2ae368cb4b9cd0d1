import { describe, expect, it } from 'vitest';
import { SampleQueue } from '../../../../src/outputs/remote-write/queue.js';
import type { Snapshot } from '../../../../src/outputs/remote-write/snapshot.js';

function snap(seq: number, n: number): Snapshot {
  return { seq, timestampMs: 1000 * (seq + 1), ids: new Uint32Array(n), values: new Float64Array(n).fill(seq) };
}

describe('SampleQueue', () => {
  it('hands out batches in order, at least one snapshot, bounded by samples', () => {
    const q = new SampleQueue(100, 1);
    for (let i = 0; i < 5; i++) q.push(snap(i, 3));
    const b = q.peek(0, 7);
    expect(b?.snapshots.map((s) => s.seq)).toEqual([0, 1]);
    expect(b?.samples).toBe(6);
    expect(q.peek(0, 1)?.snapshots.map((s) => s.seq)).toEqual([0]);
    q.ack(0, 1);
    expect(q.peek(0, 100)?.snapshots.map((s) => s.seq)).toEqual([2, 3, 4]);
    expect(q.samples).toBe(9);
    q.ack(0, 4);
    expect(q.peek(0, 100)).toBeNull();
    expect(q.samples).toBe(0);
  });

  it('drops the oldest whole snapshots when full and counts exactly what each target misses', () => {
    const q = new SampleQueue(10, 2);
    q.push(snap(0, 4));
    q.push(snap(1, 4));
    q.ack(1, 0); // target 1 already sent snapshot 0
    expect(q.push(snap(2, 4))).toEqual([4, 0]); // 12 > 10: snapshot 0 goes; only target 0 misses it
    expect(q.samples).toBe(8);
    expect(q.push(snap(3, 4))).toEqual([4, 4]);
    expect(q.dropped).toEqual([8, 4]);
    expect(q.peek(0, 100)?.snapshots.map((s) => s.seq)).toEqual([2, 3]);
    expect(q.peek(1, 100)?.snapshots.map((s) => s.seq)).toEqual([2, 3]);
  });

  it('keeps snapshots until every target has sent them', () => {
    const q = new SampleQueue(100, 2);
    for (let i = 0; i < 3; i++) q.push(snap(i, 2));
    q.ack(0, 2);
    expect(q.pending(0)).toBe(0);
    expect(q.pending(1)).toBe(6);
    expect(q.oldestPending(1)).toBe(1000);
    expect(q.oldestPending(0)).toBeNull();
    q.ack(1, 0);
    expect(q.samples).toBe(4);
    expect(q.minNextSeq()).toBe(1);
  });

  it('stays correct over many snapshots (head compaction)', () => {
    const q = new SampleQueue(50, 1);
    let dropped = 0;
    for (let i = 0; i < 5000; i++) dropped += q.push(snap(i, 1))[0] ?? 0;
    expect(dropped).toBe(4950);
    expect(q.length).toBe(50);
    expect(q.peek(0, 1000)?.snapshots[0]?.seq).toBe(4950);
    q.seek(0, 4990);
    expect(q.pending(0)).toBe(10);
  });
});

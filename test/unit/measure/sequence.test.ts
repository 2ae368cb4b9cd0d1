import { describe, expect, it } from 'vitest';
import { SequenceTracker, seqDelta16, seqLess16, seqNext16 } from '../../../src/measure/sequence.js';

describe('16-bit sequence arithmetic (RFC 3550 A.1)', () => {
  it('wraps 65535 -> 0', () => {
    expect(seqNext16(65535)).toBe(0);
    expect(seqDelta16(65535, 0)).toBe(1);
    expect(seqDelta16(0, 65535)).toBe(-1);
    expect(seqLess16(65535, 0)).toBe(true);
    expect(seqLess16(0, 65535)).toBe(false);
    expect(seqDelta16(100, 100 + 32767)).toBe(32767);
  });
});

function track(seqs: number[]): SequenceTracker {
  const t = new SequenceTracker();
  for (const s of seqs) t.push(s);
  t.flush();
  return t;
}

describe('SequenceTracker', () => {
  it('counts nothing for a clean run across the wrap', () => {
    const t = track([65533, 65534, 65535, 0, 1, 2]);
    expect([t.expected, t.duplicates, t.outOfOrder, t.sequenceErrors, t.longestLossBurst]).toEqual([6, 0, 0, 0, 0]);
  });
  it('finds the longest loss burst, not the total loss', () => {
    // lost: 3,4 (burst 2) and 7,8,9 (burst 3)
    const t = track([1, 2, 5, 6, 10, 11]);
    expect(t.expected).toBe(11);
    expect(t.longestLossBurst).toBe(3);
    expect(t.sequenceErrors).toBe(2);
  });
  it('a late packet fills its hole: out of order, not lost', () => {
    const t = track([1, 2, 4, 3, 5]);
    expect([t.outOfOrder, t.duplicates, t.longestLossBurst]).toEqual([1, 0, 0]);
  });
  it('duplicates are told apart from reordering', () => {
    const t = track([1, 2, 2, 3, 1, 4]);
    expect([t.duplicates, t.outOfOrder]).toEqual([2, 0]);
  });
  it('a jump wider than the window counts every missing number once', () => {
    const t = track([1, 2, 2002, 2003]);
    expect(t.expected).toBe(2003);
    expect(t.longestLossBurst).toBe(1999);
  });
  it('resynchronises after two packets confirm a very large jump (A.1 bad_seq)', () => {
    const t = track([10, 11, 40000, 40001, 40002]);
    expect(t.resyncs).toBe(1);
    expect(t.expected).toBe(2 + 2);
  });
  it('counts loss runs (G.107 bursts) as the numbers settle, a filled hole not among them', () => {
    // lost: 3,4 | 7,8,9 | 12; 14 arrives late (reordered, not lost)
    const t = track([1, 2, 5, 6, 10, 11, 13, 15, 14, 16]);
    expect(t.lossRuns).toBe(3);
    expect(t.longestLossBurst).toBe(3);
    // a reorder-only stream has no runs; a run wider than the window is one run
    expect(track([1, 3, 2, 4]).lossRuns).toBe(0);
    expect(track([1, 2, 2002, 2003]).lossRuns).toBe(1);
  });
});

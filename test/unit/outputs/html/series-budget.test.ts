import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StreamSeries } from '../../../../src/model/report.js';
import { downsampleSeries, MAX_POINTS_PER_STREAM, MIN_POINTS_PER_STREAM, pointsPerStream, TOTAL_POINT_BUDGET } from '../../../../src/outputs/html/series-budget.js';

const series = (n: number): StreamSeries => ({
  intervalSeconds: 1, start: 1000,
  packets: Array.from({ length: n }, (_, i) => 50 - (i % 3)),
  lost: Array.from({ length: n }, (_, i) => i % 3),
  jitterMs: Array.from({ length: n }, (_, i) => i + 0.12345),
  maxDeltaMs: Array.from({ length: n }, (_, i) => 20 + ((i * 7) % 5)),
});

describe('downsampleSeries', () => {
  it('merges groups: sums packets and lost, keeps the last jitter and the max delta (hand-computed)', () => {
    // 5 buckets into at most 2 points -> factor 3: [0,1,2] and [3,4]
    const out = downsampleSeries(series(5), 2);
    expect(out.intervalSeconds).toBe(3);
    expect(out.start).toBe(1000);
    expect(out.packets).toEqual([50 + 49 + 48, 50 + 49]);
    expect(out.lost).toEqual([0 + 1 + 2, 0 + 1]);
    expect(out.jitterMs).toEqual([2.12345, 4.12345]);
    // deltas 20,22,24,21,23
    expect(out.maxDeltaMs).toEqual([24, 23]);
  });

  it('leaves a short series as it is (quantising is chart-data.ts\'s job)', () => {
    const s = series(4);
    const out = downsampleSeries(s, 10);
    expect(out.intervalSeconds).toBe(1);
    expect(out).toEqual(s);
  });

  it('bounds the points and keeps the totals for any length and budget', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 1, max: 700 }), (n, max) => {
      const s = series(n);
      const out = downsampleSeries(s, max);
      const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
      return out.packets.length <= max && sum(out.packets) === sum(s.packets) && sum(out.lost) === sum(s.lost)
        && out.packets.length === out.jitterMs.length && out.lost.length === out.maxDeltaMs.length;
    }), { numRuns: 200 });
  });
});

describe('pointsPerStream', () => {
  it('shares the budget, within the per-stream bounds', () => {
    expect(pointsPerStream(1)).toBe(MAX_POINTS_PER_STREAM);
    expect(pointsPerStream(0)).toBe(MAX_POINTS_PER_STREAM);
    expect(pointsPerStream(100)).toBe(TOTAL_POINT_BUDGET / 100);
    expect(pointsPerStream(100_000)).toBe(MIN_POINTS_PER_STREAM);
  });
});

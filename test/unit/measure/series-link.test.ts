import { describe, expect, it } from 'vitest';
import { LinkUtilisationMeter } from '../../../src/measure/link-utilisation.js';
import { StreamSeriesBuilder } from '../../../src/measure/stream-series.js';

describe('StreamSeriesBuilder', () => {
  it('buckets per second with lost = expected - received', () => {
    const s = new StreamSeriesBuilder(10);
    // second 0: seq 1..5 minus 3; second 1: 6..8
    for (const [t, q] of [[100.0, 1], [100.2, 2], [100.6, 4], [100.8, 5], [101.1, 6], [101.5, 7], [101.9, 8]] as const) s.push(t, q, 1, 20);
    const j = s.toJSON();
    expect(j).toMatchObject({ intervalSeconds: 1, start: 100, packets: [4, 3], lost: [1, 0] });
  });
  it('stays bounded: merges pairs and doubles the interval', () => {
    const s = new StreamSeriesBuilder(4);
    for (let i = 0; i < 10; i++) s.push(200 + i, i, i, i);
    const j = s.toJSON();
    expect(j.intervalSeconds).toBe(4);
    expect(j.packets).toEqual([4, 4, 2]);
    expect(j.maxDeltaMs).toEqual([3, 7, 9]);
    expect(j.jitterMs).toEqual([3, 7, 9]);
  });
});

describe('LinkUtilisationMeter', () => {
  it('peak and mean over 1 s windows', () => {
    const m = new LinkUtilisationMeter(1_000_000);
    m.push(10, 12500); // 100 kbit in second 10 -> 10 %
    m.push(11, 25000);
    m.push(11, 25000); // 400 kbit in second 11 -> 40 %
    m.push(13, 0);
    expect(m.toJSON()).toEqual({ linkSpeedBitsPerSecond: 1_000_000, peakPercent: 40, meanPercent: 12.5, peakAt: 11 });
  });
});

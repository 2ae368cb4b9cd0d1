import { describe, expect, it } from 'vitest';
import { CHART_COLUMNS, CHART_DATA_FORMAT, chartData, round } from '../../../../src/outputs/html/chart-data.js';
import { jsonForScript } from '../../../../src/outputs/html/escape.js';
import { failReport, manyStreamsReport, passReport } from '../../../helpers/sample-report.js';

describe('chartData: what the report embeds for its charts', () => {
  it('one row per stream in column order, limits from the profile (hand-checked s2 of the passing report)', () => {
    const r = passReport();
    const d = chartData(r);
    expect(d.format).toBe(CHART_DATA_FORMAT);
    expect(d.columns).toEqual(['start', 'intervalSeconds', 'longestLossBurst', 'packets', 'lost', 'jitterMs', 'maxDeltaMs']);
    expect(d.limits).toEqual({ jitterMs: r.thresholds.jitterMs, lossPercent: r.thresholds.lossPercent });
    const row = d.streams['s2'];
    // sampleSeries(20, { lossAt: 5, lost: 1 }): 2 streams -> 600 points each, so no merging
    expect(row?.slice(0, 3)).toEqual([1767225600, 1, 1]);
    expect(row?.[3]).toHaveLength(20);
    expect(row?.[3]?.[5]).toBe(49);
    expect(row?.[4]?.[5]).toBe(1);
    expect(row?.[5]?.slice(0, 3)).toEqual([1, 1.5, 2]);
    // delta 20 + (i % 5) * 3, plus 20 per lost packet at second 5
    expect(row?.[6]?.slice(4, 7)).toEqual([32, 40, 23]);
    expect(row).toHaveLength(CHART_COLUMNS.length);
  });

  it('quantises jitter to 0.01 ms and delta to 0.1 ms', () => {
    const r = passReport();
    const s1 = r.streams[0];
    if (s1?.series === undefined) throw new Error('sample stream without series');
    s1.series.jitterMs = s1.series.jitterMs.map((_, i) => 1.23456 + i);
    s1.series.maxDeltaMs = s1.series.maxDeltaMs.map((_, i) => 20.04999 + i);
    const row = chartData(r).streams['s1'];
    expect(row?.[5]?.slice(0, 2)).toEqual([1.23, 2.23]);
    expect(row?.[6]?.slice(0, 2)).toEqual([20, 21]);
    expect(round(-0.001, 2)).toBe(0);
    expect(Object.is(round(-0.001, 2), -0)).toBe(false);
    expect(round(2.675, 1)).toBe(2.7);
  });

  it('applies the shared point budget and leaves out streams without a series', () => {
    const r = manyStreamsReport(1000, 300);
    const s7 = r.streams[6];
    if (s7 === undefined) throw new Error('no stream 7');
    delete s7.series;
    const d = chartData(r);
    expect(Object.keys(d.streams)).toHaveLength(999);
    expect(d.streams['s7']).toBeUndefined();
    // 300 one-second buckets, 15 points each: 20 s per point, packets add up
    expect(d.streams['s1']?.[1]).toBe(20);
    expect(d.streams['s1']?.[3]).toEqual(Array.from({ length: 15 }, () => 1000));
    // lossy stream s10 lost 30 packets at second 10: in the first 20 s point
    expect(d.streams['s10']?.[4]?.[0]).toBe(30);
  });

  it('holds nothing a capture wrote: ids and numbers only, so escaping has nothing to do', () => {
    const d = chartData(failReport());
    const json = JSON.stringify(d);
    expect(jsonForScript(d)).toBe(json);
    expect(json).not.toMatch(/script|sip:|@/);
  });
});

import { describe, expect, it } from 'vitest';
import { CounterFamily, HistogramFamily } from '../../../../src/outputs/prometheus/family.js';
import { renderOpenMetrics, sampleLine } from '../../../../src/outputs/prometheus/exposition.js';

describe('OpenMetrics rendering', () => {
  it('names counter families without _total and samples with it; ends with # EOF', () => {
    const c = new CounterFamily('voipready_x_total', 'Help with "quotes"\nand a newline.', ['a']);
    c.inc({ a: 'v"1\\' }, 3);
    const text = renderOpenMetrics([c.snapshot()]);
    expect(text).toBe(
      '# TYPE voipready_x counter\n' +
      '# HELP voipready_x Help with \\"quotes\\"\\nand a newline.\n' +
      'voipready_x_total{a="v\\"1\\\\"} 3\n' +
      '# EOF\n',
    );
  });

  it('writes cumulative histogram buckets, +Inf, sum and count (hand-computed)', () => {
    const h = new HistogramFamily('voipready_h_seconds', 'h', [], [0.01, 0.02]);
    for (const v of [0.005, 0.01, 0.015, 0.5]) h.observe({}, v);
    const lines = renderOpenMetrics([h.snapshot()]).split('\n');
    expect(lines).toEqual([
      '# TYPE voipready_h_seconds histogram', '# HELP voipready_h_seconds h',
      'voipready_h_seconds_bucket{le="0.01"} 2', 'voipready_h_seconds_bucket{le="0.02"} 3',
      'voipready_h_seconds_bucket{le="+Inf"} 4', 'voipready_h_seconds_sum 0.53', 'voipready_h_seconds_count 4',
      '# EOF', '',
    ]);
  });

  it('appends the timestamp in seconds and spells special values', () => {
    expect(sampleLine({ name: 'g', type: 'gauge' }, { labels: {}, value: NaN }, 1700000000)).toBe('g NaN 1700000000\n');
    expect(sampleLine({ name: 'g', type: 'gauge' }, { labels: {}, value: -Infinity })).toBe('g -Inf\n');
  });

  it('counters ignore negative increments', () => {
    const c = new CounterFamily('c_total', 'c', []);
    c.inc({}, 2);
    c.inc({}, -1);
    c.inc({}, NaN);
    expect(c.get({})).toBe(2);
  });
});

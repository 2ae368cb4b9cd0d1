/** MOS_LOW and TOTAL_DELAY_HIGH: graded by the one stream grader, the total delay only when the network part is measured. */
import { describe, expect, it } from 'vitest';
import { gradeStream, MOS_FAIL_BELOW, MOS_WARN_BELOW, type StreamFigures } from '../../../src/verdict/stream-grade.js';
import { VOIP_READY_LIMITS } from '../../../src/verdict/profiles/index.js';

function figures(over: Partial<StreamFigures>): StreamFigures {
  return {
    lossPercent: 0, jitterMeanMs: 1, jitterMaxMs: 2, clockRate: 8000, srcPort: 10000, dstPort: 10002, onlyDscp: 46,
    dscpCount: () => 0, measuredTotalDelayMs: null, mos: null, ...over,
  };
}

describe('quality checks', () => {
  const t = VOIP_READY_LIMITS;
  it('MOS: warn below 3.6, fail below 3.1 (G.109 categories at R 70 and 60)', () => {
    expect(MOS_WARN_BELOW).toBe(3.6);
    expect(MOS_FAIL_BELOW).toBe(3.1);
    expect(gradeStream(figures({ mos: 4.4 }), t)).toEqual([]);
    expect(gradeStream(figures({ mos: 3.5 }), t)).toEqual([{ code: 'MOS_LOW', criterion: 'mos', severity: 'warn', measured: 3.5, limit: 3.6, unit: 'MOS' }]);
    expect(gradeStream(figures({ mos: 2.9 }), t)[0]?.severity).toBe('fail');
  });

  it('total delay: graded with the warn fraction when measured, not when the network part is assumed', () => {
    expect(gradeStream(figures({ measuredTotalDelayMs: 100 }), t)).toEqual([]);
    expect(gradeStream(figures({ measuredTotalDelayMs: 130 }), t)[0]).toMatchObject({ code: 'TOTAL_DELAY_HIGH', severity: 'warn', limit: 150 });
    expect(gradeStream(figures({ measuredTotalDelayMs: 151 }), t)[0]).toMatchObject({ code: 'TOTAL_DELAY_HIGH', severity: 'fail' });
    expect(gradeStream(figures({ measuredTotalDelayMs: null }), t)).toEqual([]);
  });
});

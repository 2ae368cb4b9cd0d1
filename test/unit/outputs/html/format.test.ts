import { describe, expect, it } from 'vitest';
import { countText, dscpName, durationText, fixed, msText, percentText } from '../../../../src/outputs/html/format.js';

describe('format', () => {
  it('rounds to the display precision, never shows -0', () => {
    expect(fixed(2.3456, 3)).toBe('2.346');
    expect(fixed(-0.0001, 3)).toBe('0.000');
    expect(fixed(-1, 0)).toBe('-1');
    expect(msText(null)).toBe('–');
    expect(msText(20)).toBe('20.000');
    expect(percentText(3.005)).toBe(fixed(3.005, 2));
  });

  it('writes durations, counts and DSCP names for people', () => {
    expect(durationText(12.34)).toBe('12.3 s');
    expect(durationText(245)).toBe('4 min 05 s');
    expect(durationText(3720)).toBe('1 h 02 min');
    expect(durationText(null)).toBe('–');
    expect(countText(1234567)).toBe('1\u202f234\u202f567');
    expect(dscpName(46)).toBe('EF (46)');
    expect(dscpName(24)).toBe('CS3 (24)');
    expect(dscpName(13)).toBe('13');
  });
});

import { describe, expect, it } from 'vitest';
import { backoffDelayMs, retryAfterMs } from '../../../../src/outputs/remote-write/backoff.js';

describe('backoffDelayMs', () => {
  it('doubles the ceiling per attempt up to the maximum (random = just below 1)', () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3, 4, 5, 10].map((a) => backoffDelayMs(a, 250, 5000, top))).toEqual([249, 499, 999, 1999, 3999, 4999, 4999].map((v) => Math.max(250, v)));
  });

  it('never goes below the minimum (random = 0) and spreads with jitter', () => {
    expect(backoffDelayMs(6, 250, 10_000, () => 0)).toBe(250);
    expect(backoffDelayMs(6, 250, 10_000, () => 0.5)).toBe(5000);
  });

  it('survives huge attempt counts', () => {
    expect(backoffDelayMs(5000, 100, 1000, () => 0.5)).toBe(500);
  });
});

describe('retryAfterMs (RFC 9110 10.2.3)', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(retryAfterMs('7', 0)).toBe(7000);
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:30 GMT', now)).toBe(30_000);
  });

  it('returns null for absent or unreadable values', () => {
    expect(retryAfterMs(undefined, 0)).toBeNull();
    expect(retryAfterMs('', 0)).toBeNull();
    expect(retryAfterMs('soon', 0)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { SourceLimiter } from '../../../src/alg-test/rate-limit.js';

describe('SourceLimiter', () => {
  it('allows the burst, then refills at the rate', () => {
    const l = new SourceLimiter(10, 10, 100);
    const allowed = Array.from({ length: 15 }, () => l.allow('a', 0)).filter(Boolean).length;
    expect(allowed).toBe(10);
    expect(l.allow('a', 100)).toBe(true);
    expect(l.allow('a', 100)).toBe(false);
  });

  it('the table never holds more than maxSources; the least recent goes first', () => {
    const l = new SourceLimiter(1, 1, 3);
    for (let i = 0; i < 10; i++) l.allow(`s${i}`, 0);
    expect(l.size).toBe(3);
    expect(l.evicted).toBe(7);
  });
});

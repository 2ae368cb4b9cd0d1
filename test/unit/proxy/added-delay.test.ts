import { describe, expect, it } from 'vitest';
import { AddedDelay } from '../../../src/proxy/added-delay.js';

describe('AddedDelay', () => {
  it('gives the percentiles of what it saw, to the microsecond, never below the truth', () => {
    const d = new AddedDelay();
    expect(d.distribution()).toBeNull();
    // 1..1000 us: p50 = 500 us, p99 = 990 us
    for (let us = 1000; us >= 1; us--) d.observe(us * 1000 - 500);
    const r = d.distribution()!;
    expect(r.min).toBeCloseTo(0.0005, 6);
    expect(r.p50).toBeCloseTo(0.5, 3);
    expect(r.p99).toBeCloseTo(0.99, 3);
    expect(r.max).toBeCloseTo(0.9995, 4);
    expect(r.mean).toBeCloseTo(0.5, 3);
  });

  it('keeps counting beyond its bins (overflow) with the true maximum', () => {
    const d = new AddedDelay();
    for (let i = 0; i < 98; i++) d.observe(100_000);
    d.observe(50e6);
    d.observe(80e6);
    const r = d.distribution()!;
    expect(d.observations).toBe(100);
    expect(r.p50).toBeCloseTo(0.1, 2);
    expect(r.p99).toBe(80);
    expect(r.max).toBe(80);
  });
});

import { describe, expect, it } from 'vitest';
import { SourceRate } from '../../../src/proxy/sip/source-rate.js';

const allowedOf = (r: SourceRate, address: string, n: number, atMs: number): number => {
  let ok = 0;
  for (let i = 0; i < n; i++) if (r.allow(address, atMs)) ok++;
  return ok;
};

describe('SourceRate: requests per second from one source address', () => {
  it('allows a burst of twice the rate at once, then nothing until tokens come back', () => {
    const r = new SourceRate(100);
    expect(allowedOf(r, '192.0.2.1', 1000, 0)).toBe(200);
    expect(r.allow('192.0.2.1', 5)).toBe(false);
    // 100 per second: 10 ms brings one token back
    expect(allowedOf(r, '192.0.2.1', 5, 10)).toBe(1);
  });

  it('a sustained flood gets the rate through, not more', () => {
    const r = new SourceRate(50);
    let ok = 0;
    // 2000 requests/s for 4 s, in 1 ms steps
    for (let t = 0; t < 4000; t++) ok += allowedOf(r, '192.0.2.1', 2, t);
    expect(ok).toBeGreaterThanOrEqual(100 + 4 * 50 - 1);
    expect(ok).toBeLessThanOrEqual(100 + 4 * 50 + 1);
  });

  it('each source has its own bucket', () => {
    const r = new SourceRate(10);
    expect(allowedOf(r, '192.0.2.1', 100, 0)).toBe(20);
    expect(allowedOf(r, '192.0.2.2', 100, 0)).toBe(20);
  });

  it('0 means no limit', () => {
    const r = new SourceRate(0);
    expect(allowedOf(r, '192.0.2.1', 10_000, 0)).toBe(10_000);
    expect(r.sources).toBe(0);
  });

  it('keeps at most 4096 sources: when full, the refilled ones are forgotten and a flooding one is still limited', () => {
    const many = new SourceRate(10);
    for (let i = 0; i < 5000; i++) many.allow(`10.0.${i >> 8}.${i & 255}`, 0);
    expect(many.sources).toBeLessThanOrEqual(4096);
    const r = new SourceRate(10);
    expect(allowedOf(r, '198.51.100.1', 100, 0)).toBe(20);
    for (let i = 0; i < 4095; i++) r.allow(`10.0.${i >> 8}.${i & 255}`, 0);
    expect(r.sources).toBe(4096);
    // a second later every bucket but the flooder's is full again: a new source makes room by forgetting those
    expect(r.allow('203.0.113.9', 1000)).toBe(true);
    expect(r.sources).toBe(2);
    expect(allowedOf(r, '198.51.100.1', 100, 1000)).toBe(10);
  });
});

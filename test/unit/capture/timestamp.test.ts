/**
 * pcapng timestamp conversion (src/capture/timestamp.ts) against exact BigInt arithmetic, including
 * timestamps whose seconds pass 2^53 (corrupt files): there the result must be the one rounding of the
 * exact quotient that the WebAssembly walker's u64 arithmetic gives (src/wasm/fast-path.ts walkPcapng).
 */
import { describe, expect, it } from 'vitest';
import { TsResolution } from '../../../src/capture/timestamp.js';

/** seconds (one rounding of the exact quotient) and nanoseconds of a 64-bit count of 10^-exp s */
function exact(exp: number, high: number, low: number): { sec: number; nsec: number } {
  const units = (BigInt(high) << 32n) + BigInt(low);
  const per = 10n ** BigInt(exp);
  return { sec: Number(units / per), nsec: Number(((units % per) * 1_000_000_000n) / per) };
}

describe('TsResolution', () => {
  it('microseconds of an ordinary capture time', () => {
    const t = new TsResolution(6);
    const units = 1_700_000_000_123_456n;
    t.convert(Number(units >> 32n), Number(units & 0xffffffffn));
    expect({ sec: t.sec, nsec: t.nsec }).toEqual({ sec: 1_700_000_000, nsec: 123_456_000 });
  });

  it('regression: seconds past 2^53 are rounded once, as the WebAssembly walker rounds them', () => {
    expect.assertions(10 * 6);
    for (let exp = 0; exp <= 9; exp++) {
      const t = new TsResolution(exp);
      // high words that put the seconds past 2^53 for the coarse resolutions, and ordinary ones
      for (const [high, low] of [[0xf7f6e60d, 1_000], [0xf7f6e60d, 2_000], [0xffffffff, 0xffffffff], [0x80000000, 1], [0x12345678, 0x9abcdef0], [0, 0]]) {
        t.convert(high!, low!);
        expect({ sec: t.sec, nsec: t.nsec }).toEqual(exact(exp, high!, low!));
      }
    }
  });

  it('many random words in every decimal resolution', () => {
    let seed = 12345;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    let wrong = 0;
    for (let exp = 0; exp <= 9; exp++) {
      const t = new TsResolution(exp);
      for (let i = 0; i < 2000; i++) {
        const high = i % 3 === 0 ? 0xffffff00 + (i % 5) : next();
        const low = next();
        t.convert(high, low);
        const want = exact(exp, high, low);
        if (t.sec !== want.sec || t.nsec !== want.nsec) wrong++;
      }
    }
    expect(wrong).toBe(0);
  });
});

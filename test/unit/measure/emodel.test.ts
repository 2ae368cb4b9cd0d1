/**
 * The E-model against ITU-T G.107's own reference points. Each expected value is recomputed in the
 * test from the standard's formulas (G.107 7.1-7.5, Annex B) where that is a line of arithmetic, and
 * compared with the figure quoted from the standard / the issue.
 */
import { describe, expect, it } from 'vitest';
import { burstRatio, delayImpairmentIdd, eModel, effectiveIe, mosFromR } from '../../../src/measure/emodel.js';

/** G.107 Annex B, by hand */
function mosByHand(R: number): number {
  return 1 + 0.035 * R + R * (R - 60) * (100 - R) * 7e-6;
}

describe('G.107 E-model', () => {
  it('default parameters give R = 93.2 and MOS 4.41', () => {
    const e = eModel();
    expect(e.R).toBeCloseTo(93.2, 1);
    expect(e.mos).toBeCloseTo(4.41, 2);
    expect(e.mos).toBeCloseTo(mosByHand(e.R), 10);
    expect(e.Idd).toBe(0);
    expect(e.IeEff).toBe(0);
  });

  it('G.711 with PLC at 1 % random loss: Ie,eff 3.64, R 89.57, MOS 4.33', () => {
    // Ie,eff = 0 + 95 * 1 / (1/1 + 25.1) = 95 / 26.1
    expect(95 / 26.1).toBeCloseTo(3.64, 2);
    expect(effectiveIe(0, 25.1, 1, 1)).toBeCloseTo(95 / 26.1, 12);
    const e = eModel({ Ie: 0, Bpl: 25.1, Ppl: 1, BurstR: 1 });
    expect(e.IeEff).toBeCloseTo(3.64, 2);
    expect(e.R).toBeCloseTo(89.57, 2);
    expect(e.R).toBeCloseTo(eModel().R - 95 / 26.1, 10);
    expect(e.mos).toBeCloseTo(4.33, 2);
  });

  it('G.729A with VAD at 2 % random loss: R 74.2, MOS 3.79', () => {
    // Ie,eff = 11 + 84 * 2 / (2 + 19) = 19
    const e = eModel({ Ie: 11, Bpl: 19, Ppl: 2 });
    expect(e.IeEff).toBeCloseTo(19, 10);
    expect(e.R).toBeCloseTo(74.2, 1);
    expect(e.mos).toBeCloseTo(3.79, 2);
    expect(e.mos).toBeCloseTo(mosByHand(e.R), 10);
  });

  it('Ta = 200 ms gives Idd 3.04 (X = 1)', () => {
    const byHand = 25 * (2 ** (1 / 6) - 3 * (1 + (1 / 3) ** 6) ** (1 / 6) + 2);
    expect(byHand).toBeCloseTo(3.04, 2);
    expect(delayImpairmentIdd(200)).toBeCloseTo(byHand, 12);
    expect(eModel({ Ta: 200 }).Idd).toBeCloseTo(3.04, 2);
  });

  it('Idd is 0 up to 100 ms and grows with the delay beyond', () => {
    expect(delayImpairmentIdd(0)).toBe(0);
    expect(delayImpairmentIdd(100)).toBe(0);
    const a = delayImpairmentIdd(150);
    const b = delayImpairmentIdd(300);
    const c = delayImpairmentIdd(400);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(a);
    expect(c).toBeGreaterThan(b);
    // X = 2 at 400 ms
    expect(c).toBeCloseTo(25 * ((1 + 64) ** (1 / 6) - 3 * (1 + (2 / 3) ** 6) ** (1 / 6) + 2), 10);
  });

  it('not the simplified 0.024 d + 0.11 (d - 177.3) form', () => {
    const d = 300;
    const simplified = 0.024 * d + 0.11 * (d - 177.3);
    expect(Math.abs(delayImpairmentIdd(d) - simplified)).toBeGreaterThan(1);
  });

  it('R to MOS is clamped: R < 0 gives 1, R > 100 gives 4.5, and never outside 1..4.5', () => {
    expect(mosFromR(-10)).toBe(1);
    expect(mosFromR(0)).toBe(1);
    expect(mosFromR(3)).toBe(1); // the cubic dips below 1 for small R
    expect(mosFromR(100)).toBe(4.5);
    expect(mosFromR(120)).toBe(4.5);
    for (let R = 0; R <= 100; R += 0.5) {
      expect(mosFromR(R)).toBeGreaterThanOrEqual(1);
      expect(mosFromR(R)).toBeLessThanOrEqual(4.5);
    }
    expect(mosFromR(50)).toBeCloseTo(mosByHand(50), 12);
  });

  it('BurstR from the loss runs: 1 for random loss, above 1 for bursts', () => {
    // 1000 packets, 10 lost one at a time: p = 10/990, q = 10/10 -> BurstR just under 1
    expect(burstRatio(10, 990, 10)).toBeCloseTo(1 / (10 / 990 + 1), 12);
    expect(burstRatio(0, 1000, 0)).toBe(1);
    // 10 lost in 2 runs of 5: q = 0.2, BurstR about 4.8
    const bursty = burstRatio(10, 990, 2);
    expect(bursty).toBeCloseTo(1 / (2 / 990 + 2 / 10), 12);
    expect(bursty).toBeGreaterThan(4);
    // bursty loss hurts more at the same Ppl
    expect(effectiveIe(0, 25.1, 1, bursty)).toBeGreaterThan(effectiveIe(0, 25.1, 1, 1));
  });
});

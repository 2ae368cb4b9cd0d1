/**
 * The one stream grader (src/verdict/stream-grade.ts): every criterion at, just below and just above
 * its limit and its warn fraction; DSCP with an allowed list, with rtpDscp: [] and with the shortcut
 * the live view takes (onlyDscp); the port range; and the verdict-only path against the checks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Thresholds } from '../../../src/model/report.js';
import { PROFILES, VOIP_READY_LIMITS } from '../../../src/verdict/profiles/index.js';
import {
  acceptsDscp, gradeStream, portOutOfRange, streamVerdict, verdictOfChecks, type StreamFigures,
} from '../../../src/verdict/stream-grade.js';

const t = VOIP_READY_LIMITS; // loss 3 %, jitter 20 ms, warn above 80 %, RTP EF (46), any port
const starface = PROFILES.starface!.thresholds; // RTP UDP 10000-20000

/** a clean G.711 stream marked EF throughout, with the given changes */
function figures(over: Partial<Omit<StreamFigures, 'dscpCount'>> & { dscp?: Record<number, number> } = {}): StreamFigures {
  const { dscp = { 46: 500 }, ...rest } = over;
  return {
    lossPercent: 0, jitterMeanMs: 1, jitterMaxMs: 2, clockRate: 8000, srcPort: 10000, dstPort: 20000, onlyDscp: -1,
    measuredTotalDelayMs: null, mos: null,
    ...rest,
    dscpCount: (d) => dscp[d] ?? 0,
  };
}

function codes(f: StreamFigures, th: Thresholds = t): Array<[string, string]> {
  return gradeStream(f, th).map((c) => [c.code, c.severity]);
}

const EPS = 1e-9;

describe('gradeStream: loss', () => {
  it.each([
    ['just below the warn fraction', 2.4 - EPS, 'pass'],
    ['at the warn fraction (80 % of 3 %)', 2.4, 'pass'],
    ['just above the warn fraction', 2.4 + 1e-6, 'warn'],
    ['just below the limit', 3 - EPS, 'warn'],
    ['at the limit', 3, 'warn'],
    ['just above the limit', 3 + 1e-6, 'fail'],
    ['negative (duplicates)', -25, 'pass'],
  ] as const)('%s (%f %%): %s', (_what, loss, verdict) => {
    const f = figures({ lossPercent: loss });
    expect(streamVerdict(f, t)).toBe(verdict);
    const checks = gradeStream(f, t);
    if (verdict === 'pass') {
      expect(checks).toEqual([]);
    } else {
      expect(checks).toEqual([{ code: 'LOSS_HIGH', criterion: 'loss', severity: verdict, measured: Math.round(loss * 1000) / 1000, limit: 3, unit: '%' }]);
    }
  });

  it('is graded for streams without a clock rate too (jitter is not)', () => {
    expect(codes(figures({ clockRate: 0, lossPercent: 13.8, jitterMeanMs: 99, jitterMaxMs: 99 }))).toEqual([['LOSS_HIGH', 'fail']]);
  });
});

describe('gradeStream: jitter', () => {
  it.each([
    ['mean just below the warn fraction', 16 - EPS, 16 - EPS, []],
    ['mean at the warn fraction (80 % of 20 ms)', 16, 16, []],
    ['mean just above the warn fraction', 16 + 1e-6, 16 + 1e-6, [['JITTER_HIGH', 'warn']]],
    ['mean at the limit', 20, 20, [['JITTER_HIGH', 'warn']]],
    ['mean just above the limit', 20 + 1e-6, 30, [['JITTER_HIGH', 'fail']]],
    ['good mean, max at the limit', 2, 20, []],
    ['good mean, max just above the limit: a spike', 2, 20 + 1e-6, [['JITTER_SPIKE', 'warn']]],
    ['mean in the warn band and a spike: one finding, for the mean', 17, 40, [['JITTER_HIGH', 'warn']]],
  ] as const)('%s', (_what, mean, max, expected) => {
    const f = figures({ jitterMeanMs: mean, jitterMaxMs: max });
    expect(codes(f)).toEqual(expected);
    expect(streamVerdict(f, t)).toBe(expected.length === 0 ? 'pass' : expected[0]![1]);
  });

  it('measures the mean for JITTER_HIGH and the max for JITTER_SPIKE, against the limit', () => {
    expect(gradeStream(figures({ jitterMeanMs: 25.12345, jitterMaxMs: 40 }), t)).toEqual([
      { code: 'JITTER_HIGH', criterion: 'jitter', severity: 'fail', measured: 25.123, limit: 20, unit: 'ms' },
    ]);
    expect(gradeStream(figures({ jitterMeanMs: 2, jitterMaxMs: 376.16 }), t)).toEqual([
      { code: 'JITTER_SPIKE', criterion: 'jitter', severity: 'warn', measured: 376.16, limit: 20, unit: 'ms' },
    ]);
  });

  it('is not graded without a clock rate (telephone-event only, unknown payload type)', () => {
    expect(streamVerdict(figures({ clockRate: 0, jitterMeanMs: 99, jitterMaxMs: 999 }), t)).toBe('pass');
  });

  it('follows the configured limit and warn fraction', () => {
    const low = { ...t, jitterMs: 2, warnFraction: 0.5 };
    expect(codes(figures({ jitterMeanMs: 1, jitterMaxMs: 1 }), low)).toEqual([]);
    expect(codes(figures({ jitterMeanMs: 1.01, jitterMaxMs: 1.01 }), low)).toEqual([['JITTER_HIGH', 'warn']]);
    expect(codes(figures({ jitterMeanMs: 2.01, jitterMaxMs: 3 }), low)).toEqual([['JITTER_HIGH', 'fail']]);
  });
});

describe('gradeStream: DSCP', () => {
  it('passes EF, fails another value, measures the lowest value not allowed', () => {
    expect(codes(figures({ dscp: { 46: 500 } }))).toEqual([]);
    expect(gradeStream(figures({ dscp: { 0: 500 } }), t)).toEqual([{ code: 'DSCP_RTP_NOT_EF', criterion: 'dscp', severity: 'fail', measured: 0, unit: 'dscp' }]);
    expect(gradeStream(figures({ dscp: { 34: 3, 10: 2, 46: 5 } }), t).map((c) => [c.code, c.measured])).toEqual([['DSCP_RTP_NOT_EF', 10], ['DSCP_CHANGED', undefined]]);
  });

  it('warns when the marking changes within the stream, even between allowed values', () => {
    const twoAllowed = { ...t, rtpDscp: [40, 46] };
    expect(codes(figures({ dscp: { 40: 10, 46: 490 } }), twoAllowed)).toEqual([['DSCP_CHANGED', 'warn']]);
    expect(codes(figures({ dscp: { 0: 10, 46: 490 } }))).toEqual([['DSCP_RTP_NOT_EF', 'fail'], ['DSCP_CHANGED', 'warn']]);
  });

  it('rtpDscp: [] accepts any value: no DSCP_RTP_NOT_EF, a re-marked stream still warns', () => {
    const any = { ...t, rtpDscp: [] };
    for (const d of [0, 4, 24, 46, 63]) {
      expect(acceptsDscp([], d)).toBe(true);
      expect(streamVerdict(figures({ dscp: { [d]: 100 } }), any)).toBe('pass');
      expect(streamVerdict(figures({ dscp: { [d]: 100 }, onlyDscp: d }), any)).toBe('pass');
    }
    expect(codes(figures({ dscp: { 0: 231, 46: 5 } }), any)).toEqual([['DSCP_CHANGED', 'warn']]);
  });

  it('acceptsDscp follows the list when there is one', () => {
    expect(acceptsDscp([46], 46)).toBe(true);
    expect(acceptsDscp([46], 0)).toBe(false);
    expect(acceptsDscp([40, 46], 40)).toBe(true);
  });

  it('onlyDscp (the live shortcut) gives what the counts give, without reading them', () => {
    const noCounts = (only: number): StreamFigures => ({
      ...figures({ onlyDscp: only }),
      dscpCount: () => { throw new Error('dscpCount read although onlyDscp was known'); },
    });
    expect(streamVerdict(noCounts(46), t)).toBe('pass');
    expect(gradeStream(noCounts(0), t)).toEqual(gradeStream(figures({ dscp: { 0: 500 } }), t));
    expect(gradeStream(noCounts(46), t)).toEqual([]);
  });

  it('a stream without packets (no DSCP counted) passes', () => {
    expect(gradeStream(figures({ dscp: {} }), t)).toEqual([]);
  });
});

describe('gradeStream: ports', () => {
  it.each([
    ['both inside', 10000, 20000, false],
    ['source inside only (the lower bound)', 10000, 40000, false],
    ['destination inside only (the upper bound)', 40000, 20000, false],
    ['just outside both bounds', 9999, 20001, true],
    ['far outside', 40000, 30002, true],
  ] as const)('starface 10000-20000, %s', (_what, src, dst, out) => {
    const f = figures({ srcPort: src, dstPort: dst });
    expect(portOutOfRange(starface, src, dst)).toBe(out);
    expect(gradeStream(f, starface)).toEqual(out ? [{ code: 'PORT_OUT_OF_RANGE', criterion: 'ports', severity: 'fail', measured: dst, unit: 'port' }] : []);
  });

  it('no range (the default profile): any port', () => {
    expect(portOutOfRange(t, 1, 65535)).toBe(false);
    expect(gradeStream(figures({ srcPort: 1, dstPort: 65535 }), t)).toEqual([]);
  });
});

describe('gradeStream: several criteria', () => {
  it('lists the checks in finding order: loss, jitter, DSCP, ports', () => {
    const f = figures({ lossPercent: 5, jitterMeanMs: 30, jitterMaxMs: 50, dscp: { 0: 10, 46: 10 }, srcPort: 40000, dstPort: 40002 });
    expect(codes(f, starface).map(([c]) => c)).toEqual(['LOSS_HIGH', 'JITTER_HIGH', 'DSCP_RTP_NOT_EF', 'DSCP_CHANGED', 'PORT_OUT_OF_RANGE']);
  });

  it('streamVerdict is always the worst severity of gradeStream (random figures, both DSCP paths)', () => {
    const anyThresholds = fc.record({
      lossPercent: fc.constantFrom(1, 3, 5), jitterMs: fc.constantFrom(2, 20, 30), warnFraction: fc.constantFrom(0.5, 0.8, 1),
      rtpDscp: fc.constantFrom<number[]>([], [46], [40, 46]), rtpPorts: fc.constantFrom<Thresholds['rtpPorts']>(null, { min: 10000, max: 20000 }),
    });
    const anyFigures = fc.record({
      lossPercent: fc.double({ min: -50, max: 20, noNaN: true }), jitterMeanMs: fc.double({ min: 0, max: 40, noNaN: true }),
      extraMax: fc.double({ min: 0, max: 40, noNaN: true }), clockRate: fc.constantFrom(0, 8000, 48000),
      srcPort: fc.integer({ min: 1, max: 65535 }), dstPort: fc.integer({ min: 1, max: 65535 }),
      dscp: fc.dictionary(fc.integer({ min: 0, max: 63 }).map(String), fc.integer({ min: 1, max: 500 }), { maxKeys: 3 }),
    });
    fc.assert(fc.property(anyThresholds, anyFigures, (over, g) => {
      const th: Thresholds = { ...t, ...over };
      const counts = Object.fromEntries(Object.entries(g.dscp).map(([k, v]) => [Number(k), v]));
      const values = Object.keys(counts).map(Number);
      const scan = figures({ ...g, jitterMaxMs: g.jitterMeanMs + g.extraMax, dscp: counts });
      const checks = gradeStream(scan, th);
      expect(streamVerdict(scan, th)).toBe(verdictOfChecks(checks));
      if (values.length === 1) {
        const shortcut = { ...scan, onlyDscp: values[0]! };
        expect(gradeStream(shortcut, th)).toEqual(checks);
        expect(streamVerdict(shortcut, th)).toBe(verdictOfChecks(checks));
      }
    }), { numRuns: 2000 });
  });

  it('verdictOfChecks: pass for none, fail wins over warn', () => {
    expect(verdictOfChecks([])).toBe('pass');
    expect(verdictOfChecks([{ code: 'DSCP_CHANGED', criterion: 'dscp', severity: 'warn' }])).toBe('warn');
    expect(verdictOfChecks([
      { code: 'DSCP_CHANGED', criterion: 'dscp', severity: 'warn' },
      { code: 'PORT_OUT_OF_RANGE', criterion: 'ports', severity: 'fail' },
    ])).toBe('fail');
  });
});

/**
 * Two-point matching on generated pairs with known per-packet delays: the generator writes the same
 * calls at two points (segment delay, jitter, loss, DSCP re-marking, NAT, clock offset) and its truth.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeSource } from '../../../src/pipeline/analyze-source.js';
import { matchTwoPoint } from '../../../src/pipeline/two-point-source.js';
import { loadSettings } from '../../../src/config/load-settings.js';
import { defineScenario, defineSegment, generatePair, type PairSpec, type PairTruth } from '../../../src/synth/index.js';
import { DelayStats, EXACT_LIMIT } from '../../../src/measure/two-point/delay-stats.js';
import { withTwoPoint } from '../../../src/verdict/two-point-checks.js';
import type { TwoPointReport } from '../../../src/model/report.js';
import { createMetrics } from '../../../src/outputs/prometheus/metrics.js';

const dir = mkdtempSync(join(tmpdir(), 'voipready-2p-'));
const settings = loadSettings({});
const scenario = defineScenario({ name: 'pair', seed: 7, groups: [{ count: 2, concurrent: 2, durationMs: 10000 }] });

function pair(over: Partial<PairSpec>, name: string): { truth: PairTruth; a: string; b: string } {
  const spec: PairSpec = {
    seed: 11, forward: defineSegment({ delayMs: 40, jitter: { kind: 'uniform', maxMs: 10 } }),
    backward: defineSegment({ delayMs: 25, jitter: { kind: 'uniform', maxMs: 4 } }), nat: null, clockOffsetMs: 0, ...over,
  };
  const a = join(dir, `${name}-a.pcap`);
  const b = join(dir, `${name}-b.pcap`);
  return { truth: generatePair(scenario, spec, a, b, 'pcap'), a, b };
}

async function run(a: string, b: string, clockOffsetMs: number | null): Promise<TwoPointReport> {
  const ra = await analyzeSource(a, { settings });
  const rb = await analyzeSource(b, { settings });
  return matchTwoPoint({ fileA: a, fileB: b, clockOffsetMs, streamsA: ra.streams, streamsB: rb.streams });
}

function byTruth(tp: TwoPointReport, truth: PairTruth) {
  expect(tp.streams).toHaveLength(truth.streams.length);
  return truth.streams.map((t) => ({ t, s: tp.streams.find((x) => x.ssrc === t.ssrc)! }));
}

describe('two-point matching', () => {
  it('per-packet delays 40 ms + 0-10 ms and 25 ms + 0-4 ms: p50/p95 within 0.5 ms, min/max exact, directions right', async () => {
    const { truth, a, b } = pair({}, 'delay');
    const tp = await run(a, b, null);
    expect(tp.clock).toBe('assumed');
    const rows = byTruth(tp, truth);
    expect(rows.length).toBe(4);
    for (const { t, s } of rows) {
      expect(s.direction).toBe(t.direction);
      expect(s.matched).toBe(t.delivered);
      expect(s.lostBetween).toBe(0);
      expect(s.delayMs).not.toBeNull();
      expect(s.delayMs!.min).toBe(t.delayMs!.min);
      expect(s.delayMs!.max).toBe(t.delayMs!.max);
      expect(Math.abs(s.delayMs!.p50 - t.delayMs!.p50)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(s.delayMs!.p95 - t.delayMs!.p95)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(s.delayMs!.mean - t.delayMs!.mean)).toBeLessThan(0.001);
      expect(s.streamIdA).toMatch(/^s\d+$/);
      expect(s.streamIdB).toMatch(/^s\d+$/);
    }
    expect(tp.offsetBoundMs.min).toBeLessThanOrEqual(0);
    expect(tp.offsetBoundMs.max).toBeGreaterThanOrEqual(0);
  });

  it('loss on the segment and loss before the upstream point are told apart, exactly', async () => {
    const lossy = defineScenario({ name: 'lossy', seed: 3, groups: [{ durationMs: 10000, forward: { loss: { kind: 'periodic', every: 50 } } }] });
    const spec: PairSpec = {
      seed: 5, forward: defineSegment({ delayMs: 30, loss: { kind: 'bernoulli', p: 0.03 } }),
      backward: defineSegment({ delayMs: 30, loss: { kind: 'periodic', every: 20 } }), nat: null, clockOffsetMs: 0,
    };
    const a = join(dir, 'loss-a.pcap');
    const b = join(dir, 'loss-b.pcap');
    const truth = generatePair(lossy, spec, a, b, 'pcap');
    const tp = await run(a, b, null);
    const rows = byTruth(tp, truth);
    expect(rows.some(({ t }) => t.lostBetween > 0 && t.lostBefore > 0)).toBe(true);
    for (const { t, s } of rows) {
      expect(s.lostBetween).toBe(t.lostBetween);
      expect(s.lostBefore).toBe(t.lostBefore);
      expect(s.matched).toBe(t.delivered);
      expect(s.onlyDownstream).toBe(0);
    }
    const report = withTwoPoint(await analyzeSource(a, { settings }), tp);
    expect(report.findings.filter((f) => f.code === 'LOSS_BETWEEN_POINTS')).toHaveLength(2);
    // every 20th packet: 5 % between the points, above the 3 % limit
    expect(report.findings.some((f) => f.code === 'LOSS_BETWEEN_POINTS' && f.severity === 'fail')).toBe(true);
  });

  it('DSCP re-marking between the points: counts exact, finding raised', async () => {
    const { truth, a, b } = pair({ forward: defineSegment({ delayMs: 40, remark: { to: 0, p: 0.3 } }) }, 'remark');
    const tp = await run(a, b, null);
    for (const { t, s } of byTruth(tp, truth)) {
      expect(s.remarked).toBe(t.remarked);
      expect(s.dscpB).toEqual(t.direction === 'A->B' ? t.dscpDownstream : { [String(t.dscpUpstream)]: t.delivered });
    }
    expect(truth.streams.filter((t) => t.remarked > 0)).toHaveLength(2);
    const report = withTwoPoint(await analyzeSource(a, { settings }), tp);
    expect(report.findings.filter((f) => f.code === 'DSCP_REMARKED_BETWEEN_POINTS')).toHaveLength(2);
  });

  it('NAT between the points: still matched by SSRC, sequence and timestamp', async () => {
    const { truth, a, b } = pair({ nat: { address: '203.0.113.9', portShift: 2000 } }, 'nat');
    const tp = await run(a, b, null);
    for (const { t, s } of byTruth(tp, truth)) {
      expect(s.matched).toBe(t.delivered);
      expect(s.delayMs!.max).toBe(t.delayMs!.max);
      expect(s.direction === 'A->B' ? s.srcB : s.dstB).toMatch(/^203\.0\.113\.9:/);
      expect(s.srcA).not.toMatch(/^203\.0\.113\.9/);
    }
  });

  it('clock offset: given, it is subtracted; not given, no delay figure and the offset is bounded', async () => {
    const { truth, a, b } = pair({ clockOffsetMs: 500 }, 'offset');
    const given = await run(a, b, 500);
    expect(given.clock).toBe('given');
    for (const { t, s } of byTruth(given, truth)) {
      expect(s.delayMs!.min).toBe(t.delayMs!.min);
      expect(Math.abs(s.delayMs!.p95 - t.delayMs!.p95)).toBeLessThanOrEqual(0.5);
    }
    const blind = await run(a, b, null);
    expect(blind.clock).toBe('not-synchronised');
    expect(blind.streams.every((s) => s.delayMs === null)).toBe(true);
    for (const { t, s } of byTruth(blind, truth)) expect(s.direction).toBe(t.direction);
    expect(blind.offsetBoundMs.min).toBeLessThanOrEqual(500);
    expect(blind.offsetBoundMs.max).toBeGreaterThanOrEqual(500);
    expect(blind.clockNote).toMatch(/not synchronised/);
    const report = withTwoPoint(await analyzeSource(a, { settings }), blind);
    expect(report.findings.some((f) => f.code === 'ONE_WAY_DELAY_HIGH')).toBe(false);
    expect(report.summary.find((r) => r.criterion === 'oneWayDelay')!.measured ?? '').not.toMatch(/two captures/);
    const negative = pair({ clockOffsetMs: -300 }, 'negative');
    const neg = await run(negative.a, negative.b, null);
    expect(neg.clock).toBe('not-synchronised');
    expect(neg.streams.every((s) => s.delayMs === null)).toBe(true);
  });

  it('B is A itself: delay 0, nothing lost', async () => {
    const { a } = pair({}, 'self');
    const tp = await run(a, a, null);
    expect(tp.streams).toHaveLength(4);
    for (const s of tp.streams) {
      expect(s.delayMs).toEqual({ min: 0, mean: 0, p50: 0, p95: 0, p99: 0, max: 0 });
      expect(s.lostBetween).toBe(0);
      expect(s.remarked).toBe(0);
    }
  });

  it('ONE_WAY_DELAY_HIGH on p95 and the summary row labelled "(two captures)"', async () => {
    const { a, b } = pair({ forward: defineSegment({ delayMs: 70 }) }, 'slow');
    const report = withTwoPoint(await analyzeSource(a, { settings }), await run(a, b, null));
    const f = report.findings.filter((x) => x.code === 'ONE_WAY_DELAY_HIGH');
    expect(f).toHaveLength(2);
    expect(f.every((x) => x.severity === 'fail' && x.measured === 70)).toBe(true);
    const row = report.summary.find((r) => r.criterion === 'oneWayDelay')!;
    expect(row.measured).toMatch(/^70.0 ms p95 \(two captures; /);
    expect(row.verdict).toBe('fail');
    expect(report.verdict).toBe('fail');
  });
});

describe('two-point delays in voipready_rtp_one_way_delay_seconds', () => {
  it('every matched packet observed once, method="two-point", sum = the report\'s mean x count', async () => {
    const { truth, a, b } = pair({}, 'metric');
    const ra = await analyzeSource(a, { settings });
    const rb = await analyzeSource(b, { settings });
    const m = createMetrics({ settings });
    const seen: Array<{ id: string | null; n: number }> = [];
    const tp = matchTwoPoint({
      fileA: a, fileB: b, clockOffsetMs: null, streamsA: ra.streams, streamsB: rb.streams,
      onDelays: (s, visit) => {
        let n = 0;
        visit((ms, count) => {
          n += count;
          m.observeOneWayDelay({ src: s.srcA, dst: s.dstA, codec: 'PCMU', method: 'two-point', seconds: ms / 1000, count });
        });
        seen.push({ id: s.streamIdA, n });
      },
    });
    expect(seen).toHaveLength(truth.streams.length);
    for (const s of tp.streams) expect(seen.find((x) => x.id === s.streamIdA)!.n).toBe(s.matched);
    const text = await m.registry.metrics();
    const count = Number(/voipready_rtp_one_way_delay_seconds_count\{[^}]*method="two-point"[^}]*\} (\S+)/.exec(text)![1]);
    const sum = Number(/voipready_rtp_one_way_delay_seconds_sum\{[^}]*method="two-point"[^}]*\} (\S+)/.exec(text)![1]);
    const matched = tp.streams.reduce((n, s) => n + s.matched, 0);
    expect(count).toBe(matched);
    const meanSeconds = tp.streams.reduce((x, s) => x + s.delayMs!.mean * s.matched, 0) / matched / 1000;
    expect(sum / count).toBeCloseTo(meanSeconds, 5);
    // 25-44 ms: nothing at or below 20 ms, everything at or below 50 ms
    expect(text).toMatch(/voipready_rtp_one_way_delay_seconds_bucket\{[^}]*le="0.02"[^}]*method="two-point"[^}]*\} 0\b|voipready_rtp_one_way_delay_seconds_bucket\{[^}]*method="two-point"[^}]*le="0.02"[^}]*\} 0\b/);
  });

  it('no samples when the clocks are not synchronised', async () => {
    const { a, b } = pair({ clockOffsetMs: -500 }, 'metric-off');
    const ra = await analyzeSource(a, { settings });
    const rb = await analyzeSource(b, { settings });
    let calls = 0;
    const tp = matchTwoPoint({ fileA: a, fileB: b, clockOffsetMs: null, streamsA: ra.streams, streamsB: rb.streams, onDelays: () => { calls++; } });
    expect(tp.clock).toBe('not-synchronised');
    expect(calls).toBe(0);
  });
});

describe('DelayStats', () => {
  it('exact up to the limit, then within 0.05 % from the histogram', () => {
    const d = new DelayStats();
    const values: number[] = [];
    for (let i = 0; i < EXACT_LIMIT * 3; i++) {
      const v = 40000 + ((i * 7919) % 10000);
      values.push(v);
      d.push(v);
    }
    expect(d.isExact).toBe(false);
    values.sort((x, y) => x - y);
    for (const p of [0.5, 0.95, 0.99]) {
      const exact = values[Math.ceil(p * values.length) - 1]!;
      expect(Math.abs(d.quantile(p) - exact) / exact).toBeLessThanOrEqual(1 / 2048);
      expect(Math.abs(-d.quantile(p, true) - values[values.length - Math.ceil(p * values.length)]!) / exact).toBeLessThanOrEqual(1 / 2048);
    }
    expect(d.min).toBe(40000);
    expect(d.max).toBe(49999);
  });
});

// keep the pair of the first case next to the test output for a human look
writeFileSync(join(dir, 'README'), 'generated by test/unit/measure/two-point.test.ts\n');

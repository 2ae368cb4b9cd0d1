/** Mouth-to-ear parts and the MOS of one stream, by hand and on generated G.711 calls with known loss. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { autoJitterBufferMs, lossRuns, streamQuality, type QualityInput } from '../../../src/measure/stream-quality.js';
import { DEFAULT_QUALITY } from '../../../src/config/sections/quality.js';
import { eModel } from '../../../src/measure/emodel.js';
import { Analyzer } from '../../../src/pipeline/analyzer.js';
import { readCaptureFile } from '../../../src/capture/file-source.js';
import { loadSettings } from '../../../src/config/load-settings.js';
import { defineScenario, generateCapture, type ScenarioInput } from '../../../src/synth/index.js';
import type { AnalysisReport } from '../../../src/model/report.js';

const base: QualityInput = {
  codec: 'PCMA', sdpPtimeMs: null, durationSeconds: 9.98, packets: 500, expected: 500, lost: 0, sequenceErrors: 0,
  outOfOrder: 0, duplicates: 0, longestLossBurst: 0, jitterMeanMs: 3, delay: null,
};

describe('mouth-to-ear parts', () => {
  it('assumed network 0 + packetisation from the spacing + look-ahead + one-frame buffer', () => {
    const q = streamQuality(base, DEFAULT_QUALITY);
    expect(q.mouthToEar).toEqual({ totalMs: 40, networkMs: 0, packetisationMs: 20, lookAheadMs: 0, jitterBufferMs: 20, networkMeasured: false });
    expect(q.mos?.assumptions.join(' ')).toMatch(/not measured: 0 ms assumed/);
  });

  it('the SDP ptime wins; G.729 adds 5 ms look-ahead; a measured delay is counted and flagged measured', () => {
    const delay = { oneWayMs: 45, method: 'rtcp-rtt' as const, reliability: 'estimate (assumes a symmetric path)', rttMs: 90 };
    const q = streamQuality({ ...base, codec: 'g729', sdpPtimeMs: 30, jitterMeanMs: 16, delay }, DEFAULT_QUALITY);
    // buffer: 2 x 16 = 32 ms -> 2 frames of 30 ms
    expect(q.mouthToEar).toEqual({ totalMs: 45 + 30 + 5 + 60, networkMs: 45, packetisationMs: 30, lookAheadMs: 5, jitterBufferMs: 60, networkMeasured: true });
    expect(q.mos?.codec).toBe('G.729A with VAD');
    expect(q.mos?.provisional).toBe(false);
  });

  it('a configured jitter buffer replaces the automatic one', () => {
    const q = streamQuality(base, { jitterBufferMs: 80, assumedNetworkDelayMs: 30 });
    expect(q.mouthToEar?.jitterBufferMs).toBe(80);
    expect(q.mouthToEar?.totalMs).toBe(30 + 20 + 80);
  });

  it('automatic buffer: 2 x mean jitter rounded up to whole frames, at least one', () => {
    expect(autoJitterBufferMs(0, 20)).toBe(20);
    expect(autoJitterBufferMs(10, 20)).toBe(20);
    expect(autoJitterBufferMs(10.5, 20)).toBe(40);
    expect(autoJitterBufferMs(25, 20)).toBe(60);
  });

  it('MOS uses the mouth-to-ear delay as Ta (and T = Ta, Tr = 2 Ta)', () => {
    const q = streamQuality({ ...base, jitterMeanMs: 100 }, { jitterBufferMs: null, assumedNetworkDelayMs: 100 });
    const ta = q.mouthToEar!.totalMs; // 100 + 20 + 0 + 200
    expect(ta).toBe(320);
    const e = eModel({ Ta: ta, T: ta, Tr: 2 * ta, Ie: 0, Bpl: 25.1 });
    expect(q.mos?.idd).toBeCloseTo(e.Idd, 3);
    expect(q.mos?.r).toBeCloseTo(e.R, 3);
    expect(q.mos!.idd).toBeGreaterThan(3);
  });

  it('no score for what is not a scorable voice codec; G.722 and Opus are provisional', () => {
    expect(streamQuality({ ...base, codec: 'PT101' }, DEFAULT_QUALITY).mos).toBeNull();
    expect(streamQuality({ ...base, codec: 'g722' }, DEFAULT_QUALITY).mos?.provisional).toBe(true);
    const opus = streamQuality({ ...base, codec: 'opus' }, DEFAULT_QUALITY);
    expect(opus.mos?.provisional).toBe(true);
    expect(opus.mos?.assumptions[0]).toMatch(/no ITU-T Ie\/Bpl/);
    expect(opus.mouthToEar?.lookAheadMs).toBe(6.5);
  });

  it('loss runs from the sequence errors, within what the counts allow', () => {
    expect(lossRuns({ lost: 10, sequenceErrors: 10, outOfOrder: 0, duplicates: 0, longestLossBurst: 1 })).toBe(10);
    expect(lossRuns({ lost: 10, sequenceErrors: 2, outOfOrder: 0, duplicates: 0, longestLossBurst: 5 })).toBe(2);
    expect(lossRuns({ lost: 10, sequenceErrors: 0, outOfOrder: 0, duplicates: 0, longestLossBurst: 5 })).toBe(2);
    expect(lossRuns({ lost: 0, sequenceErrors: 5, outOfOrder: 1, duplicates: 0, longestLossBurst: 0 })).toBe(0);
  });
});

describe('MOS of generated G.711 calls', () => {
  const dir = mkdtempSync(join(tmpdir(), 'voipready-mos-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function analyse(name: string, s: ScenarioInput): AnalysisReport {
    const file = join(dir, `${name}.pcap`);
    generateCapture(defineScenario({ name, seed: 11, ...s }), file, 'pcap');
    const a = new Analyzer({ file, settings: loadSettings({}) });
    return a.end(readCaptureFile(file, (r) => a.push(r), a.readOptions()));
  }

  const clean = analyse('clean', { groups: [{ durationMs: 20_000 }] });
  const lossy = analyse('lossy', { groups: [{ durationMs: 20_000, forward: { loss: { kind: 'bernoulli', p: 0.05 } } }] });

  it('a clean G.711 call scores 4.4 +- 0.05 in both directions', () => {
    expect(clean.streams.length).toBe(2);
    for (const s of clean.streams) {
      expect(s.mos).not.toBeNull();
      expect(Math.abs(s.mos!.mos - 4.4)).toBeLessThanOrEqual(0.05);
      expect(s.mos!.provisional).toBe(false);
      expect(s.mouthToEar?.packetisationMs).toBe(20);
    }
    expect(clean.calls[0]?.mos).toBe(Math.min(...clean.streams.map((s) => s.mos!.mos)));
  });

  it('bursty loss: BurstR from the counted loss runs, lower MOS than the same loss at random', () => {
    // 20 packets lost in 4 runs of 5 on the forward stream: the generator's truth
    const bursty = analyse('bursty', { groups: [{ durationMs: 20_000, forward: { loss: { kind: 'pattern', bursts: [[100, 5], [300, 5], [500, 5], [700, 5]] } } }] });
    const hit = bursty.streams.find((s) => s.lost > 0)!;
    expect(hit.lost).toBe(20);
    expect(hit.mos!.lossRuns).toBe(4);
    // G.107 7.5: p = runs / received, q = runs / lost, BurstR = 1 / (p + q)
    const received = hit.expected - 20;
    expect(hit.mos!.burstR).toBeCloseTo(1 / (4 / received + 4 / 20), 3);
    expect(hit.mos!.assumptions.join(' ')).toMatch(/4 loss run\(s\), counted from the sequence numbers/);
    const ppl = (20 * 100) / hit.expected;
    const br = hit.mos!.burstR;
    expect(hit.mos!.ieEff).toBeCloseTo((95 * ppl) / (ppl / br + 25.1), 2);
    expect(hit.mos!.ieEff).toBeGreaterThan((95 * ppl) / (ppl + 25.1));
  });

  it('5 % random loss lowers it by well over 0.3', () => {
    const hit = lossy.streams.find((s) => s.lossPercent > 3)!;
    expect(hit.lossPercent).toBeGreaterThan(3.5);
    const cleanMos = clean.streams[0]!.mos!.mos;
    expect(cleanMos - hit.mos!.mos).toBeGreaterThan(0.4);
    // random loss: BurstR near 1, so Ie,eff is close to the random-loss formula at the measured Ppl
    const ppl = hit.lossPercent;
    expect(hit.mos!.ieEff).toBeCloseTo((95 * ppl) / (ppl + 25.1), 0);
    expect(lossy.calls[0]?.mos).toBe(hit.mos!.mos);
  });
});

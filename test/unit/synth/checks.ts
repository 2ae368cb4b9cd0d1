/** Holds a generated truth against tshark's view of the same file (shared by the synth tests). */
import { expect } from 'vitest';
import type { Truth } from '../../../src/synth/index.js';
import { close, tsharkView } from './tshark.js';

export function expectTruthMatchesTshark(path: string, truth: Truth, heuristic = false): void {
  const view = tsharkView(path, heuristic);
  const seen = view.streams;
  expect(seen.length).toBe(truth.streams.length);
  for (const s of truth.streams) {
    const t = seen.find((x) => x.ssrc === s.ssrc && x.src === s.src && x.dst === s.dst);
    expect(t, `stream ${s.ssrc} ${s.src} -> ${s.dst}`).toBeDefined();
    if (t === undefined) continue;
    expect(t.packets, `${s.ssrc} packets`).toBe(s.received);
    // after a restart of the sequence numbers tshark's expected spans both runs: the truth counts per run (see sdp-truth.test.ts)
    if ((s.sequenceResets ?? 0) === 0) expect(t.lost, `${s.ssrc} lost`).toBe(s.lost);
    expect(close(s.jitterMeanMs, t.jitterMeanMs), `${s.ssrc} mean jitter ${s.jitterMeanMs} vs ${t.jitterMeanMs}`).toBe(true);
    expect(close(s.jitterMaxMs, t.jitterMaxMs), `${s.ssrc} max jitter ${s.jitterMaxMs} vs ${t.jitterMaxMs}`).toBe(true);
    expect(close(s.maxDeltaMs, t.maxDeltaMs), `${s.ssrc} max delta ${s.maxDeltaMs} vs ${t.maxDeltaMs}`).toBe(true);
  }
  expect(view.sipMessages).toBe(truth.sipMessages);
}

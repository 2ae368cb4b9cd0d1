import { describe, expect, it } from 'vitest';
import type { CaptureRecord } from '../../../../src/capture/record.js';
import { LOOP_GAP_MS, ReplayPacer, paceRecords, parseSpeed, shiftTimestamp } from '../../../../src/pipeline/replay-pacer.js';

function rec(tsSec: number, tsNsec: number): CaptureRecord {
  return { num: 1, linkType: 1, interfaceId: 0, tsSec, tsNsec, capLen: 0, origLen: 0, data: Buffer.alloc(0), fileOffset: 0 };
}

describe('ReplayPacer', () => {
  it('shifts the first packet to now and paces by capture time / speed', () => {
    let now = 2_000_000_000_000;
    const p = new ReplayPacer({ speed: 10, nowMs: () => now });
    const r1 = rec(1_600_000_000, 250_000_000);
    expect(p.step(r1)).toBe(0);
    expect([r1.tsSec, r1.tsNsec]).toEqual([2_000_000_000, 0]);
    const r2 = rec(1_600_000_010, 250_000_000); // 10 s later in the capture -> 1 s later at speed 10
    expect(p.step(r2)).toBe(1000);
    expect([r2.tsSec, r2.tsNsec]).toEqual([2_000_000_010, 0]);
    now += 400;
    expect(p.step(rec(1_600_000_010, 250_000_000))).toBe(600);
  });

  it('keeps timestamps when asked, and max speed never waits', () => {
    const p = new ReplayPacer({ speed: Infinity, keepTimestamps: true, nowMs: () => 5 });
    const r = rec(1_600_000_000, 1);
    expect(p.step(r)).toBe(0);
    expect(p.step(rec(1_600_009_000, 0))).toBe(0);
    expect([r.tsSec, r.tsNsec]).toEqual([1_600_000_000, 1]);
  });

  it('continues the timeline on --loop passes', () => {
    const p = new ReplayPacer({ speed: Infinity, keepTimestamps: true, nowMs: () => 0 });
    p.step(rec(100, 0));
    p.step(rec(105, 0));
    p.newPass();
    const again = rec(100, 0);
    p.step(again);
    expect(again.tsSec * 1000 + again.tsNsec / 1e6).toBe(105_000 + LOOP_GAP_MS);
  });

  it('carries nanoseconds when shifting', () => {
    const t = { tsSec: 10, tsNsec: 900_000_000 };
    shiftTimestamp(t, 1_250);
    expect(t).toEqual({ tsSec: 12, tsNsec: 150_000_000 });
    shiftTimestamp(t, -200);
    expect(t).toEqual({ tsSec: 11, tsNsec: 950_000_000 });
  });

  it('parses --speed', () => {
    expect(parseSpeed('max')).toBe(Infinity);
    expect(parseSpeed('2.5')).toBe(2.5);
    expect(() => parseSpeed('0')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
    expect(() => parseSpeed('fast')).toThrow(expect.objectContaining({ code: 'E_USAGE' }));
  });

  it('paceRecords really waits (speed 20: 1 s of capture in ~50 ms) and stops on abort', async () => {
    async function* two() {
      yield rec(1000, 0);
      yield rec(1001, 0);
    }
    const seen: number[] = [];
    const t0 = Date.now();
    expect(await paceRecords(two(), new ReplayPacer({ speed: 20 }), (r) => seen.push(r.tsSec))).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
    expect(seen.length).toBe(2);
    const ac = new AbortController();
    ac.abort();
    expect(await paceRecords(two(), new ReplayPacer({ speed: 1 }), () => undefined, ac.signal)).toBe(false);
  });
});

/**
 * The clock a live source drives: seconds pass, streams go stale and retire on the analysis clock even
 * when nothing arrives; a file's clock stays its capture time.
 */
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/load-settings.js';
import { Analyzer } from '../../../src/pipeline/analyzer.js';
import type { LiveStream } from '../../../src/pipeline/events.js';
import { startWallClock } from '../../../src/pipeline/wall-clock.js';
import { runLiveCalls } from '../../helpers/live-calls.js';

const T0 = 1_800_000_000_000;

describe('analysis clock', () => {
  it('a live source with no packets still gets one onSecond per second', () => {
    const seconds: number[] = [];
    const a = new Analyzer({ file: 'live', settings: loadSettings(), listeners: [{ onSecond: (s) => seconds.push(s) }] });
    for (let i = 0; i <= 5; i++) a.tickTo(T0 + i * 1000 + 300);
    expect(seconds).toEqual([0, 1, 2, 3, 4].map((i) => T0 / 1000 + i));
    expect(a.view.nowEpochMs()).toBe(T0 + 5300);
    // time never goes back
    a.tickTo(T0);
    expect(a.view.nowEpochMs()).toBe(T0 + 5300);
    const r = a.finish('live');
    expect(r.input.startTime).toBeNull();
    expect(r.input.packets).toBe(0);
  });

  it('streams go stale after staleSeconds and retire after streamIdleSeconds of wall clock, with no packet', () => {
    const events: Array<[string, 'start' | 'end', boolean]> = [];
    const settings = loadSettings();
    const a = new Analyzer({
      file: 'live', settings, retention: { streamIdleSeconds: 30, callGraceSeconds: 5 },
      listeners: [{ onStream: (s: LiveStream, e) => events.push([s.id, e, s.retired === true]) }],
    });
    runLiveCalls(a, { calls: 1, perSecond: 1, packetsPerCall: 50, startMs: T0 });
    expect(a.view.activeStreams().length).toBe(2);
    const lastPacketSec = Math.floor(a.view.nowEpochMs() / 1000);
    // silence: only the clock moves
    for (let s = 1; s <= settings.staleSeconds + 1; s++) a.tickTo((lastPacketSec + s) * 1000);
    expect(a.view.activeStreams()).toEqual([]);
    expect(events.filter(([, e, r]) => e === 'end' && !r).map(([id]) => id).sort()).toEqual(['s1', 's2']);
    expect(a.held().streams).toBe(2);
    for (let s = settings.staleSeconds + 2; s <= 32; s++) a.tickTo((lastPacketSec + s) * 1000);
    expect(a.held()).toMatchObject({ streams: 0, calls: 0, records: 0, retiredStreams: 2, retiredCalls: 1 });
    expect(events.filter(([, e, r]) => e === 'end' && r).map(([id]) => id).sort()).toEqual(['s1', 's2']);
    const r = a.finish('live');
    expect(r.streams.map((s) => [s.id, s.packets, s.verdict])).toEqual([['s1', 50, 'pass'], ['s2', 50, 'pass']]);
    expect(r.calls.map((c) => [c.state, c.streams])).toEqual([['ended', ['s1', 's2']]]);
    expect(r.retention).toMatchObject({ streamsRetired: 2, callsRetired: 1, streamsNotListed: 0 });
  });

  it('startWallClock ticks on each whole second of its time source, and stops', () => {
    let now = T0 + 400;
    const timers: Array<{ fn: () => void; ms: number }> = [];
    const ticks: number[] = [];
    const clock = startWallClock({ tickTo: (ms) => ticks.push(ms) }, {
      now: () => now,
      setTimeout: (fn, ms) => {
        timers.push({ fn, ms });
        return {};
      },
      clearTimeout: () => undefined,
    });
    // first timer: to the next whole second
    expect(timers[0]!.ms).toBe(601);
    for (let i = 0; i < 3; i++) {
      now += timers[timers.length - 1]!.ms;
      timers[timers.length - 1]!.fn();
    }
    expect(ticks).toEqual([T0 + 1001, T0 + 2001, T0 + 3001]);
    expect(clock.ticks).toBe(3);
    clock.stop();
    timers[timers.length - 1]!.fn();
    expect(ticks.length).toBe(3);
  });

  it('startWallClock with real timers moves an analyzer without packets', async () => {
    const seconds: number[] = [];
    const a = new Analyzer({ file: 'live', settings: loadSettings(), listeners: [{ onSecond: (s) => seconds.push(s) }] });
    a.tickTo(Date.now());
    const clock = startWallClock(a);
    await new Promise((r) => setTimeout(r, 2300));
    clock.stop();
    expect(clock.ticks).toBeGreaterThanOrEqual(2);
    expect(seconds.length).toBeGreaterThanOrEqual(1);
    expect(seconds.every((s, i) => i === 0 || s === seconds[i - 1]! + 1)).toBe(true);
  });
});

/**
 * CaptureDropMarker: the streams that had a packet since the previous count of an interface whose
 * drops grew get CAPTURE_DROPPED_STREAM, once each; no growth, no mark.
 */
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/load-settings.js';
import { CaptureDropMarker } from '../../../src/detect/capture-drops.js';
import type { Finding } from '../../../src/model/report.js';
import { Analyzer } from '../../../src/pipeline/analyzer.js';
import { runLiveCalls } from '../../helpers/live-calls.js';

const T0 = 1_800_000_000_000;

function setup(limit?: number): { a: Analyzer; marker: CaptureDropMarker; found: Finding[] } {
  const found: Finding[] = [];
  const marker = new CaptureDropMarker(limit);
  const a = new Analyzer({ file: 'live', settings: loadSettings(), listeners: [marker, { onFinding: (f) => found.push(f) }] });
  return { a, marker, found };
}
const drops = (found: Finding[]): Finding[] => found.filter((f) => f.code === 'CAPTURE_DROPPED_STREAM');

describe('capture drop marker', () => {
  it('marks every stream measured since the previous count when the drops grew, once per stream', () => {
    const { a, marker, found } = setup();
    expect(marker.counted({ interface: 'eth0', dropped: 0 })).toBe(0);
    runLiveCalls(a, { calls: 2, perSecond: 2, packetsPerCall: 50, startMs: T0 });
    const streams = [...a.view.streams()];
    expect(streams).toHaveLength(4);
    expect(marker.counted({ interface: 'eth0', dropped: 12 })).toBe(4);
    const marks = drops(found);
    expect(marks.map((f) => f.streamId).sort()).toEqual(streams.map((s) => s.id).sort());
    expect(marks[0]).toMatchObject({ severity: 'warn', measured: 12, unit: 'packets' });
    expect(marks[0]!.message).toMatch(/capture on eth0 dropped 12 packets while stream .* was measured: its loss figure may include packets the capture missed/);
    expect(marks.every((f) => typeof f.callId === 'string')).toBe(true);
    // more drops: the streams are marked already
    expect(marker.counted({ interface: 'eth0', dropped: 20 })).toBe(0);
    expect(drops(found)).toHaveLength(4);
  });

  it('leaves out streams whose last packet came before the previous count', () => {
    const { a, marker, found } = setup();
    runLiveCalls(a, { calls: 1, perSecond: 1, packetsPerCall: 20, startMs: T0 });
    a.tickTo(a.view.nowEpochMs() + 3000);
    expect(marker.counted({ interface: 'eth0', dropped: 0 })).toBe(0);
    a.tickTo(a.view.nowEpochMs() + 2000);
    expect(marker.counted({ interface: 'eth0', dropped: 5 })).toBe(0);
    expect(drops(found)).toEqual([]);
  });

  it('lists at most `limit` streams per run and counts the others', () => {
    const { a, marker, found } = setup(3);
    runLiveCalls(a, { calls: 3, perSecond: 3, packetsPerCall: 20, startMs: T0 });
    expect(marker.counted({ interface: 'eth0', dropped: 4 })).toBe(6);
    expect(drops(found)).toHaveLength(3);
    expect(marker.streams).toEqual({ marked: 3, unlisted: 3 });
  });

    it('counts each interface on its own', () => {
    const { a, marker } = setup();
    marker.counted({ interface: 'eth0', dropped: 7 });
    runLiveCalls(a, { calls: 1, perSecond: 1, packetsPerCall: 20, startMs: T0 });
    // eth1's first count with drops: everything held is suspect; eth0's did not grow
    expect(marker.counted({ interface: 'eth0', dropped: 7 })).toBe(0);
    expect(marker.counted({ interface: 'eth1', dropped: 1 })).toBe(2);
  });
});

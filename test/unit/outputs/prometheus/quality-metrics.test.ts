/** The delay and MOS series: one-way delay by method, the MOS gauge per active stream, the MOS histogram once per stream. */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../../src/outputs/prometheus/metrics.js';
import type { FamilySnapshot } from '../../../../src/outputs/prometheus/family.js';
import { FakeView, fakeSettings, stream } from './fake-view.js';

function values(snap: FamilySnapshot[], name: string): FamilySnapshot['values'] {
  const f = snap.find((x) => x.name === name);
  if (f === undefined) throw new Error(`no family ${name}`);
  return f.values;
}

describe('delay and MOS metrics', () => {
  it('observes the one-way delay with its method each second, the MOS gauge now and the MOS once at the end', () => {
    const view = new FakeView();
    const m = createMetrics({ settings: fakeSettings() });
    m.attach(view);
    const a = view.add(stream('s1', { codec: 'PCMU', mos: 4.2, oneWayDelay: { ms: 40, method: 'rtcp-rtt' } }));
    const b = view.add(stream('s2', { src: '10.0.0.2:10002', dst: '198.51.100.9:14000', codec: 'PCMU', mos: 3.2, oneWayDelay: null }));
    m.listener.onStream?.(a, 'start');
    m.listener.onStream?.(b, 'start');
    m.listener.onSecond?.(1_700_000_000, view);
    a.oneWayDelay = { ms: 20, method: 'rtcp-ntp' };
    m.listener.onSecond?.(1_700_000_001, view);
    let snap = m.snapshot(view);
    const gauge = values(snap, 'voipready_stream_mos');
    expect(gauge.map((v) => [v.labels.stream, v.value]).sort()).toEqual([['s1', 4.2], ['s2', 3.2]]);
    const delay = values(snap, 'voipready_rtp_one_way_delay_seconds');
    const count = (method: string) => delay.filter((v) => v.metricName === 'voipready_rtp_one_way_delay_seconds_count' && v.labels.method === method).reduce((n, v) => n + v.value, 0);
    expect(count('rtcp-rtt')).toBe(1);
    expect(count('rtcp-ntp')).toBe(1);
    const sum = delay.filter((v) => v.metricName === 'voipready_rtp_one_way_delay_seconds_sum').reduce((n, v) => n + v.value, 0);
    expect(sum).toBeCloseTo(0.06, 9);
    // nothing ended yet: no MOS observed
    expect(values(snap, 'voipready_rtp_mos').filter((v) => v.metricName === 'voipready_rtp_mos_count').reduce((n, v) => n + v.value, 0)).toBe(0);
    m.listener.onEnd?.(view.report(), view);
    m.listener.onEnd?.(view.report(), view); // a second end observes nothing more
    snap = m.snapshot(view);
    const mos = values(snap, 'voipready_rtp_mos');
    expect(mos.filter((v) => v.metricName === 'voipready_rtp_mos_count').reduce((n, v) => n + v.value, 0)).toBe(2);
    expect(mos.filter((v) => v.metricName === 'voipready_rtp_mos_sum').reduce((n, v) => n + v.value, 0)).toBeCloseTo(7.4, 9);
    // bucket le=3.5 holds the 3.2 stream only
    expect(mos.filter((v) => v.metricName === 'voipready_rtp_mos_bucket' && v.labels.le === '3.5').reduce((n, v) => n + v.value, 0)).toBe(1);
  });
});

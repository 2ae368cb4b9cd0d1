import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../../src/outputs/prometheus/metrics.js';
import type { FamilySnapshot } from '../../../../src/outputs/prometheus/family.js';
import { FakeView, fakeSettings, stream } from './fake-view.js';

function family(snap: FamilySnapshot[], name: string): FamilySnapshot {
  const f = snap.find((x) => x.name === name);
  if (f === undefined) throw new Error(`no family ${name}`);
  return f;
}
function total(snap: FamilySnapshot[], name: string, match: Record<string, string> = {}, metricName?: string): number {
  return family(snap, name).values
    .filter((v) => (metricName === undefined || v.metricName === metricName) && Object.entries(match).every(([k, val]) => v.labels[k] === val))
    .reduce((a, v) => a + v.value, 0);
}

/** three capture seconds of two streams; values are hand-picked, expectations hand-summed */
function drive() {
  const view = new FakeView();
  const m = createMetrics({ settings: fakeSettings() });
  m.attach(view);
  const a = view.add(stream('s1', { codec: 'g711U' }));
  const b = view.add(stream('s2', { src: '10.0.0.2:10002', dst: '198.51.100.9:14000', codec: 'weird-codec', portOutOfRange: true, ssrc: 0xdeadbeef }));
  m.listener.onStream?.(a, 'start');
  m.listener.onStream?.(b, 'start');
  const steps = [
    { a: [50, 50, 0, 4], b: [50, 52, 2, 12] },
    { a: [100, 101, 1, 12], b: [98, 104, 6, 25] },
    { a: [150, 152, 2, 30], b: [150, 155, 5, 8] }, // b: late packets make lost go down 6 -> 5
  ];
  let sec = 1_700_000_000;
  for (const st of steps) {
    [a.packets, a.expected, a.lost, a.jitterMs] = st.a as [number, number, number, number];
    [b.packets, b.expected, b.lost, b.jitterMs] = st.b as [number, number, number, number];
    m.listener.onSecond?.(sec++, view);
  }
  return { view, m, a, b };
}

describe('createMetrics counters', () => {
  it('received and expected counters equal the sums over the report JSON', () => {
    const { view, m } = drive();
    const report = view.report();
    m.listener.onEnd?.(report, view);
    const snap = m.snapshot(view);
    expect(total(snap, 'voipready_rtp_packets_received_total')).toBe(report.streams.reduce((s, r) => s + r.packets, 0));
    expect(total(snap, 'voipready_rtp_packets_expected_total')).toBe(report.streams.reduce((s, r) => s + r.expected, 0));
    expect(total(snap, 'voipready_rtp_packets_received_total')).toBe(300);
  });

  it('lost counter equals the JSON sum when lost never went down, and never decreases when it does', () => {
    const { view, m } = drive();
    m.listener.onEnd?.(view.report(), view);
    const snap = m.snapshot(view);
    // s1 (peer other? no: dst 192.0.2.7 is in the carrier group) lost 0 -> 1 -> 2: equals JSON's 2
    expect(total(snap, 'voipready_rtp_packets_lost_total', { peer: 'carrier' })).toBe(2);
    // s2 lost 2 -> 6 -> 5: the counter keeps the 6 it has counted
    expect(total(snap, 'voipready_rtp_packets_lost_total', { peer: 'other' })).toBe(6);
  });

  it('bounds codec and peer labels and counts the port-range violation once', () => {
    const { view, m } = drive();
    const snap = m.snapshot(view);
    expect(total(snap, 'voipready_rtp_packets_received_total', { codec: 'PCMU', peer: 'carrier', direction: 'unknown', site: 'hq', profile: 'default' })).toBe(150);
    expect(total(snap, 'voipready_rtp_packets_received_total', { codec: 'other', peer: 'other' })).toBe(150);
    expect(total(snap, 'voipready_rtp_streams_port_out_of_range_total')).toBe(1);
    expect(total(snap, 'voipready_rtp_streams_started_total')).toBe(2);
  });

  it('keeps counters when a stream goes stale and removes it from the per-stream gauges', () => {
    const { view, m, b } = drive();
    const before = m.snapshot(view);
    expect(family(before, 'voipready_stream_jitter_seconds').values.map((v) => v.labels.stream).sort()).toEqual(['s1', 's2']);
    b.active = false;
    m.listener.onSecond?.(1_700_000_010, view);
    const after = m.snapshot(view);
    expect(family(after, 'voipready_stream_jitter_seconds').values.map((v) => v.labels.stream)).toEqual(['s1']);
    expect(total(after, 'voipready_rtp_packets_received_total')).toBe(300);
    expect(total(after, 'voipready_streams_active')).toBe(1);
  });

  it('does not count a stream twice when it comes back after going stale', () => {
    const { view, m, b } = drive();
    b.active = false;
    m.listener.onSecond?.(1_700_000_010, view);
    b.active = true;
    b.packets += 10;
    b.expected += 10;
    m.listener.onSecond?.(1_700_000_011, view);
    const snap = m.snapshot(view);
    expect(total(snap, 'voipready_rtp_packets_received_total')).toBe(310);
    expect(total(snap, 'voipready_rtp_streams_started_total')).toBe(2);
  });
});

describe('createMetrics histograms and gauges', () => {
  it('observes each active stream once per second into cumulative jitter buckets', () => {
    const { view, m } = drive();
    const snap = m.snapshot(view);
    const bucket = (le: string): number =>
      total(snap, 'voipready_rtp_jitter_seconds', { le }, 'voipready_rtp_jitter_seconds_bucket');
    // observations (ms): 4, 12, 30 (s1) and 12, 25, 8 (s2)
    expect(bucket('0.005')).toBe(1);
    expect(bucket('0.01')).toBe(2);
    expect(bucket('0.02')).toBe(4);
    expect(bucket('0.03')).toBe(6);
    expect(bucket('+Inf')).toBe(6);
    expect(total(snap, 'voipready_rtp_jitter_seconds', {}, 'voipready_rtp_jitter_seconds_count')).toBe(6);
    expect(total(snap, 'voipready_rtp_jitter_seconds', {}, 'voipready_rtp_jitter_seconds_sum')).toBeCloseTo(0.091, 9);
  });

  it('per-stream loss ratio and the threshold gauges', () => {
    const { view, m } = drive();
    const snap = m.snapshot(view);
    const loss = family(snap, 'voipready_stream_loss_ratio').values;
    expect(loss.find((v) => v.labels.stream === 's1')?.value).toBeCloseTo(2 / 152, 12);
    expect(loss.find((v) => v.labels.stream === 's2')?.value).toBeCloseTo(5 / 155, 12);
    expect(total(snap, 'voipready_threshold_jitter_seconds')).toBe(0.02);
    expect(total(snap, 'voipready_threshold_loss_ratio')).toBe(0.03);
    expect(total(snap, 'voipready_threshold_one_way_delay_seconds')).toBe(0.05);
    expect(total(snap, 'voipready_capture_time_seconds')).toBe(1_700_000_000);
  });

  it('counts calls by final state and observes the setup time once', () => {
    const view = new FakeView();
    const m = createMetrics({ settings: fakeSettings() });
    const call = { callId: 'c1', state: 'setup', finalStatus: null as number | null, setupMs: null as number | null, startEpochMs: 0, endEpochMs: null as number | null };
    m.listener.onCall?.(call, 'start');
    Object.assign(call, { state: 'answered', finalStatus: 200, setupMs: 1500 });
    m.listener.onCall?.(call, 'answered');
    Object.assign(call, { state: 'ended', endEpochMs: 5000 });
    m.listener.onCall?.(call, 'end');
    const rejected = { ...call, callId: 'c2', state: 'rejected', finalStatus: 486, setupMs: null };
    m.listener.onCall?.(rejected, 'start');
    m.listener.onCall?.(rejected, 'end');
    const snap = m.snapshot(view);
    expect(total(snap, 'voipready_sip_calls_started_total')).toBe(2);
    expect(total(snap, 'voipready_sip_calls_ended_total', { state: 'ended', status_class: '2xx' })).toBe(1);
    expect(total(snap, 'voipready_sip_calls_ended_total', { state: 'rejected', status_class: '4xx' })).toBe(1);
    expect(total(snap, 'voipready_sip_call_setup_seconds', {}, 'voipready_sip_call_setup_seconds_count')).toBe(1);
    expect(total(snap, 'voipready_sip_call_setup_seconds', { le: '1' }, 'voipready_sip_call_setup_seconds_bucket')).toBe(0);
    expect(total(snap, 'voipready_sip_call_setup_seconds', { le: '2' }, 'voipready_sip_call_setup_seconds_bucket')).toBe(1);
  });

  it('counts findings by code and ALG findings separately', () => {
    const m = createMetrics({ settings: fakeSettings() });
    m.listener.onFinding?.({ severity: 'warn', code: 'SIP_ALG_REWRITE', message: 'x' });
    m.listener.onFinding?.({ severity: 'fail', code: 'JITTER_HIGH', message: 'x' });
    m.listener.onFinding?.({ severity: 'fail', code: 'bad code with spaces', message: 'x' });
    const snap = m.snapshot(new FakeView());
    expect(total(snap, 'voipready_sip_alg_findings_total', { code: 'SIP_ALG_REWRITE' })).toBe(1);
    expect(total(snap, 'voipready_findings_total', { code: 'JITTER_HIGH', severity: 'fail' })).toBe(1);
    expect(total(snap, 'voipready_findings_total', { code: 'other' })).toBe(1);
  });

  it('voipready_sip_alg_findings_total counts the ALG/NAT codes, and only them', () => {
    const m = createMetrics({ settings: fakeSettings() });
    for (const code of ['NAT_PRIVATE_ADDRESS_IN_SDP', 'SIP_CONTENT_LENGTH_MISMATCH', 'RTP_FROM_UNSIGNALLED_ADDRESS', 'NOT_AN_ALG_CODE']) {
      m.listener.onFinding?.({ severity: 'warn', code, message: 'x' });
    }
    const snap = m.snapshot(new FakeView());
    expect(total(snap, 'voipready_sip_alg_findings_total', { code: 'NAT_PRIVATE_ADDRESS_IN_SDP' })).toBe(1);
    expect(total(snap, 'voipready_sip_alg_findings_total', { code: 'RTP_FROM_UNSIGNALLED_ADDRESS' })).toBe(1);
    expect(total(snap, 'voipready_sip_alg_findings_total', { code: 'NOT_AN_ALG_CODE' })).toBe(0);
  });
});

describe('exposition', () => {
  it('never carries Call-ID or SSRC, and every family has HELP', async () => {
    const { view, m } = drive();
    const text = await m.registry.metrics();
    expect(text).not.toContain('call-1@x');
    expect(text).not.toMatch(/ssrc|call_id|callid/i);
    expect(text).not.toContain('deadbeef');
    const types = [...text.matchAll(/^# TYPE (\S+) /gm)].map((x) => x[1]);
    const helps = [...text.matchAll(/^# HELP (\S+) \S/gm)].map((x) => x[1]);
    expect(types.length).toBeGreaterThan(20);
    expect(helps).toEqual(types);
    expect(view.all.length).toBe(2);
  });

  it.skipIf(!existsSync('/usr/bin/promtool'))('passes promtool check metrics, default metrics included', async () => {
    const { m, view } = drive();
    const withDefaults = createMetrics({ settings: fakeSettings(), defaultMetrics: true });
    withDefaults.attach(view);
    for (const text of [await m.registry.metrics(), await withDefaults.registry.metrics()]) {
      // promtool prints lint problems and exits non-zero on them
      const out = execFileSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(out).toBe('');
    }
    expect(await withDefaults.registry.metrics()).toMatch(/^process_cpu_seconds_total /m);
  });
});

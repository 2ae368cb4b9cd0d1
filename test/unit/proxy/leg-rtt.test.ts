/**
 * Per-segment RTT at the proxy and the proxy-rtcp one-way delay, on hand-computed RTCP: the proxy sees
 * A's SR arrive on the a-leg, B's RR echoing it (LSR/DLSR) come back on the b-leg, and the other way.
 * Known times (ms after T0, the proxy's clock):
 *   segment A (caller <-> proxy) 1 ms each way, segment B (proxy <-> callee) 30 ms each way,
 *   the proxy forwards in 0.5 ms.
 *   A's SR arrives 1000, forwarded 1000.5, at B 1030.5, B holds it 500 ms (DLSR 0x8000), RR at the proxy 1560.5:
 *     RTT B = 1560.5 - 1000.5 - 500 = 60.
 *   B's SR arrives 2000, forwarded 2000.5, at A 2001.5, A holds it 250 ms (DLSR 0x4000), RR at the proxy 2252.5:
 *     RTT A = 2252.5 - 2000.5 - 250 = 2.
 *   one-way A -> B = 2/2 + 0.5 (the proxy's p50) + 60/2 = 31.5 ms.
 */
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../../src/pipeline/analyzer.js';
import { loadSettings } from '../../../src/config/load-settings.js';
import { rtpPacket, g711Payload, rtcpSenderReport, rtcpReceiverReport, type ReportBlock } from '../../../src/synth/media.js';
import { LegRttTracker } from '../../../src/proxy/leg-rtt.js';
import { LegOfSource, hasProxyDelay, proxyDelaySamples, proxyStreamRefiner } from '../../../src/proxy/proxied-report.js';
import { createMetrics } from '../../../src/outputs/prometheus/metrics.js';
import { renderText } from '../../../src/outputs/text-report.js';
import { renderHtmlReport } from '../../../src/outputs/html/render.js';
import { toJson } from '../../../src/outputs/json.js';
import { proxyOneWay } from '../../../src/measure/proxy-delay.js';
import type { DelayDistribution, ProxyReport } from '../../../src/model/report.js';
import type { Datagram } from '../../../src/pipeline/datagram.js';
import { sipInvite, sipResponse, type SipDialog } from '../../../src/synth/sip.js';

const T0 = 1_700_000_000_000;
const A = { ip: '10.0.0.1', rtp: 4000 };
const B = { ip: '10.0.0.2', rtp: 6000 };
const PROXY = '10.0.0.9';
const SSRC_A = 0x11111111;
const SSRC_B = 0x22222222;
// SR NTP timestamps: middle 32 bits 0x56789abc (A's) and 0x0bcd1234 (B's)
const SR_A = { ntpSec: 0x12345678, ntpFrac: 0x9abc0000 };
const SR_B = { ntpSec: 0x01230bcd, ntpFrac: 0x12340000 };

function block(ssrc: number, lsr: number, dlsr: number): ReportBlock {
  return { ssrc, fractionLost: 0, cumulativeLost: 0, extendedHighestSeq: 100, jitter: 0, lsr, dlsr };
}

function dgram(from: { ip: string; rtp: number }, leg: 'a-leg' | 'b-leg', rtcp: boolean, atMs: number, payload: Buffer): Datagram {
  const proxyPort = (leg === 'a-leg' ? 20000 : 20002) + (rtcp ? 1 : 0);
  return {
    src: from.ip, srcPort: from.rtp + (rtcp ? 1 : 0), dst: PROXY, dstPort: proxyPort, transport: 'udp',
    tsSec: Math.floor(atMs / 1000), tsNsec: Math.round((atMs % 1000) * 1e6), dscp: 46, payload, source: `proxy:${leg}`,
  };
}

/** what the proxy pushes into its Analyzer: each packet it received, on its leg, at its receive time */
function proxiedRun(tracker: LegRttTracker, addedMs?: ProxyReport['addedDelayMs'], before?: (a: Analyzer, legs: LegOfSource) => void): { analyzer: Analyzer; legs: LegOfSource } {
  const analyzer = new Analyzer({ file: 'proxy test', settings: loadSettings() });
  const legs = new LegOfSource();
  before?.(analyzer, legs);
  analyzer.addListener({ onRtcp: (e) => tracker.onRtcp(e) });
  // as cli/proxy.ts does: the proxy's figures read when a report is built
  if (addedMs !== undefined) analyzer.refineStreams(proxyStreamRefiner(legs, () => ({ rtt: tracker.summary(), addedMs })));
  const push = (d: Datagram): void => {
    legs.note(d.src, d.srcPort, d.source === 'proxy:a-leg' ? 'a-leg' : 'b-leg');
    analyzer.pushDatagram(d);
  };
  // the offer and answer as they reach the proxy: they tie the RTP/RTCP ports to the call
  const dialog: SipDialog = {
    callId: 'leg-rtt@test', fromTag: 'a1', toTag: 'b1', branch: 'z9hG4bKlegrtt', transport: 'UDP', codec: 'PCMU', sessionId: 7,
    caller: { user: 'alice', addr: A.ip, ipVersion: 4, sipPort: 5060, rtpPort: A.rtp },
    callee: { user: 'bob', addr: B.ip, ipVersion: 4, sipPort: 5060, rtpPort: B.rtp },
  };
  const sipAt = (from: string, atMs: number, payload: Buffer): Datagram => ({
    src: from, srcPort: 5060, dst: PROXY, dstPort: 5060, transport: 'udp', tsSec: Math.floor(atMs / 1000), tsNsec: 0, dscp: 24, payload, source: 'proxy:sip',
  });
  analyzer.pushDatagram(sipAt(A.ip, T0 - 2000, sipInvite(dialog)));
  analyzer.pushDatagram(sipAt(B.ip, T0 - 1000, sipResponse(dialog, 200, 'INVITE')));
  const sr = (ssrc: number, s: { ntpSec: number; ntpFrac: number }): Buffer =>
    rtcpSenderReport(ssrc, { ...s, rtpTimestamp: 0, packetCount: 50, octetCount: 8000 }, []);
  for (let i = 0; i < 150; i++) {
    const t = T0 + i * 20;
    push(dgram(A, 'a-leg', false, t, rtpPacket({ marker: i === 0, payloadType: 0, seq: i, timestamp: i * 160, ssrc: SSRC_A }, g711Payload('PCMU', 160))));
    push(dgram(B, 'b-leg', false, t + 5, rtpPacket({ marker: i === 0, payloadType: 0, seq: i, timestamp: i * 160, ssrc: SSRC_B }, g711Payload('PCMU', 160))));
    if (i === 50) push(dgram(A, 'a-leg', true, T0 + 1000, sr(SSRC_A, SR_A)));
    if (i === 78) push(dgram(B, 'b-leg', true, T0 + 1560.5, rtcpReceiverReport(SSRC_B, [block(SSRC_A, 0x56789abc, 0x8000)])));
    if (i === 100) push(dgram(B, 'b-leg', true, T0 + 2000, sr(SSRC_B, SR_B)));
    if (i === 113) push(dgram(A, 'a-leg', true, T0 + 2252.5, rtcpReceiverReport(SSRC_A, [block(SSRC_B, 0x0bcd1234, 0x4000)])));
  }
  return { analyzer, legs };
}

const dist = (ms: number): DelayDistribution => ({ min: ms, mean: ms, p50: ms, p95: ms, p99: ms, max: ms });

describe('per-segment RTT at the proxy', () => {
  it('today each proxied stream\'s own RTCP round trip is the far segment plus the proxy\'s forwarding of the SR', () => {
    const { analyzer } = proxiedRun(new LegRttTracker());
    const r = analyzer.finish('t');
    const aToB = r.streams.find((s) => s.ssrc === '0x11111111')!;
    const bToA = r.streams.find((s) => s.ssrc === '0x22222222')!;
    // A -> B: B's RR echoes A's SR: proxy <-> B (60) + the SR's 0.5 ms in the proxy; nothing of segment A
    expect(aToB.delay?.method).toBe('rtcp-rtt');
    expect(aToB.delay?.rttMs).toBeCloseTo(60.5, 3);
    expect(aToB.delay?.oneWayMs).toBeCloseTo(30.25, 3);
    expect(bToA.delay?.rttMs).toBeCloseTo(2.5, 3);
  });

  it('the tracker gives each segment its own RTT on the proxy clock, the forward time taken off', () => {
    const tracker = new LegRttTracker(() => 0.5);
    proxiedRun(tracker);
    expect(tracker.summary()).toEqual({ 'a-leg': { meanMs: 2, maxMs: 2, samples: 1 }, 'b-leg': { meanMs: 60, maxMs: 60, samples: 1 } });
  });

  it('an echo of an SR that arrived on the same leg is not a segment round trip', () => {
    const tracker = new LegRttTracker();
    const ev = (source: string, epochMs: number, packets: unknown[]): Parameters<LegRttTracker['onRtcp']>[0] =>
      ({ packet: 1, epochMs, src: '10.0.0.1', srcPort: 1, dst: '10.0.0.9', dstPort: 2, transport: 'udp', dscp: null, source, packets } as never);
    tracker.onRtcp(ev('proxy:a-leg', 1000, [{ type: 'sr', ssrc: 1, ntpSeconds: 0x12345678, ntpFraction: 0x9abc0000, rtpTimestamp: 0, packetCount: 0, octetCount: 0, reports: [] }]));
    tracker.onRtcp(ev('proxy:a-leg', 1600, [{ type: 'rr', ssrc: 2, reports: [block(1, 0x56789abc, 0x8000)] }]));
    tracker.onRtcp(ev('capture', 1600, [{ type: 'rr', ssrc: 2, reports: [block(1, 0x56789abc, 0x8000)] }]));
    expect(tracker.summary()).toEqual({ 'a-leg': null, 'b-leg': null });
  });
});

describe('proxy-rtcp one-way delay', () => {
  const parts = { rtt: { 'a-leg': { meanMs: 2, maxMs: 2, samples: 1 }, 'b-leg': { meanMs: 60, maxMs: 60, samples: 1 } }, addedMs: { 'a-leg': dist(0.5), 'b-leg': dist(0.25) } };

  it('is RTT_A / 2 + the proxy p50 of the leg the stream enters by + RTT_B / 2', () => {
    expect(proxyOneWay('a-leg', parts)).toMatchObject({ oneWayMs: 31.5, method: 'proxy-rtcp', parts: { segmentAMs: 1, proxyMs: 0.5, segmentBMs: 30 } });
    expect(proxyOneWay('b-leg', parts)).toMatchObject({ oneWayMs: 31.25, parts: { segmentAMs: 1, proxyMs: 0.25, segmentBMs: 30 } });
  });

  it('has no figure while a segment has no RTT, and says when the proxy part is not measured', () => {
    expect(proxyOneWay('a-leg', { ...parts, rtt: { ...parts.rtt, 'a-leg': null } })).toBeNull();
    const d = proxyOneWay('a-leg', { ...parts, addedMs: { 'a-leg': null, 'b-leg': null } });
    expect(d?.oneWayMs).toBe(31);
    expect(d?.reliability).toMatch(/not measured/);
  });

  it('replaces the far-segment RTT/2 in the final report, with mouth-to-ear and MOS following', () => {
    const before = proxiedRun(new LegRttTracker(() => 0.5)).analyzer.finish('t');
    const tracker = new LegRttTracker(() => 0.5);
    const after = proxiedRun(tracker, { 'a-leg': dist(0.5), 'b-leg': dist(0.5) }).analyzer.finish('t');
    const s0 = before.streams.find((s) => s.ssrc === '0x11111111')!;
    const s = after.streams.find((x) => x.ssrc === '0x11111111')!;
    expect(s.delay).toMatchObject({ method: 'proxy-rtcp', oneWayMs: 31.5, rttMs: 62, parts: { segmentAMs: 1, proxyMs: 0.5, segmentBMs: 30 } });
    expect(s.delay?.reason).toMatch(/proxy <-> callee \(segment B\) only/);
    expect(s.mouthToEar!.networkMs).toBe(31.5);
    expect(s.mouthToEar!.totalMs).toBeCloseTo(s0.mouthToEar!.totalMs - 30.25 + 31.5, 3);
    // more delay, lower or equal R; the loss part unchanged
    expect(s.mos!.r).toBeLessThanOrEqual(s0.mos!.r);
    expect(s.mos!.ieEff).toBe(s0.mos!.ieEff);
    // graded on it: the summary's delay rows and the call's MOS are the refined ones
    expect(JSON.stringify(after.summary)).toContain('31.5');
    expect(after.calls[0]!.mos).toBe(Math.min(...after.streams.map((x) => x.mos!.mos)));
  });
});

describe('proxy-rtcp in voipready_rtp_one_way_delay_seconds', () => {
  it('each proxied stream observed with method="proxy-rtcp" and its direction\'s figure', async () => {
    const tracker = new LegRttTracker(() => 0.5);
    const { analyzer, legs } = proxiedRun(tracker);
    const parts = { rtt: tracker.summary(), addedMs: { 'a-leg': dist(0.5), 'b-leg': dist(0.25) } };
    const samples = proxyDelaySamples([...analyzer.view.streams()], legs, parts);
    expect(samples.map((x) => [x.src, x.seconds]).sort()).toEqual([['10.0.0.1:4000', 0.0315], ['10.0.0.2:6000', 0.03125]]);
    const m = createMetrics({ settings: loadSettings() });
    for (const x of samples) m.observeOneWayDelay(x);
    const text = await m.registry.metrics();
    const count = Number(/voipready_rtp_one_way_delay_seconds_count\{[^}]*method="proxy-rtcp"[^}]*\} (\S+)/.exec(text)![1]);
    expect(count).toBeGreaterThanOrEqual(1);
    const sums = [...text.matchAll(/voipready_rtp_one_way_delay_seconds_sum\{[^}]*method="proxy-rtcp"[^}]*\} (\S+)/g)].reduce((a, r) => a + Number(r[1]), 0);
    expect(sums).toBeCloseTo(0.0315 + 0.03125, 6);
  });
});

describe('rtcp-rtt of proxied streams in voipready_rtp_one_way_delay_seconds', () => {
  // a proxied stream's own round trip covers the far segment only: once proxy-rtcp measures it, it is not observed as rtcp-rtt
  const rttObservations = async (supersede: boolean): Promise<number> => {
    const tracker = new LegRttTracker(() => 0.5);
    const m = createMetrics({ settings: loadSettings() });
    const parts = () => ({ rtt: tracker.summary(), addedMs: { 'a-leg': dist(0.5), 'b-leg': dist(0.25) } });
    const { analyzer } = proxiedRun(tracker, undefined, (a, legs) => {
      a.addListener(m.listener);
      m.attach(a.view);
      if (supersede) m.supersedeRtcpRtt((s) => hasProxyDelay(s, legs, parts()));
    });
    analyzer.finish('t');
    const text = await m.registry.metrics();
    return [...text.matchAll(/voipready_rtp_one_way_delay_seconds_count\{[^}]*method="rtcp-rtt"[^}]*\} (\S+)/g)].reduce((n, r) => n + Number(r[1]), 0);
  };
  it('observed without a better figure, not observed once proxy-rtcp has both segments', async () => {
    const without = await rttObservations(false);
    const withProxy = await rttObservations(true);
    expect(without).toBeGreaterThan(1);
    // only the capture second between segment B's echo (1.56 s) and segment A's (2.25 s) still counts: proxy-rtcp was not there yet
    expect(withProxy).toBe(1);
  });
});

describe('proxy-rtcp in the text, JSON and HTML reports', () => {
  it('shows each segment\'s RTT and the parts of the one-way figure', () => {
    const tracker = new LegRttTracker(() => 0.5);
    const { analyzer } = proxiedRun(tracker, { 'a-leg': dist(0.5), 'b-leg': dist(0.5) });
    const proxy: ProxyReport = {
      listen: '10.0.0.9:5060', upstream: 'udp:10.0.0.2:5060', relay: 'loop', calls: 1,
      sip: { forwarded: 2, absorbedRetransmissions: 0, rejectedForbidden: 0, rejectedNotFound: 0, tooManyHops: 0, noRtpPorts: 0, malformed: 0, rateLimited: 0, strayResponses: 0, largeOverTcp: 0, tcpFallbackToUdp: 0 },
      media: { received: 300, forwarded: 300, droppedStrictSource: 0, droppedJunk: 0, droppedNoPeer: 0, sendErrors: 0, notAnalysed: 0 },
      addedDelayMs: { 'a-leg': dist(0.5), 'b-leg': dist(0.5) }, rttMs: tracker.summary(),
    };
    const r = { ...analyzer.finish('t'), proxy };
    const text = renderText(r, { color: false });
    expect(text).toContain('RTCP round trip caller <-> proxy (segment A): mean 2.000 / max 2.000 ms over 1 sample(s)');
    expect(text).toContain('RTCP round trip proxy <-> callee (segment B): mean 60.000 / max 60.000 ms over 1 sample(s)');
    expect(text).toMatch(/10\.0\.0\.1:4000 -> \S+: one-way 31\.500 ms \(proxy-rtcp\) = segment A 1\.000 \+ proxy 0\.500 \+ segment B 30\.000 ms/);
    const json = JSON.parse(toJson(r, { series: false })) as typeof r;
    expect(json.proxy?.rttMs?.['a-leg']).toEqual({ meanMs: 2, maxMs: 2, samples: 1 });
    expect(json.streams.find((x) => x.ssrc === '0x11111111')?.delay?.parts).toEqual({ segmentAMs: 1, proxyMs: 0.5, segmentBMs: 30 });
    const html = renderHtmlReport(r);
    expect(html).toMatch(/one-way by proxy-rtcp: estimate: symmetric segments; proxy part measured \(the stream&#39;s own RTCP round trip \(60\.5 ms\) covers proxy &lt;-&gt; callee \(segment B\) only\) = segment A 1(\.0+)? \+ proxy 0\.50* \+ segment B 30(\.0+)? ms/);
  });
});

/**
 * Realistic AnalysisReport models for the HTML report tests, built by hand and passed through the
 * real verdict engine (so verdicts, findings and the limits summary are the ones analyze gives):
 * a passing call, a failing call with hostile SIP strings, no calls, only SIP, many streams.
 */
import type { AnalysisReport, CallReport, Finding, InputSummary, StreamReport, StreamSeries } from '../../src/model/report.js';
import { VOIP_READY_LIMITS } from '../../src/verdict/profiles/index.js';
import { evaluate } from '../../src/verdict/evaluate.js';
import { NO_RETENTION } from '../../src/pipeline/build-report.js';
import { call, stream } from './report-builders.js';

export const HOSTILE = '"><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

/** one bucket per second: packets 50, jitter ramps, a loss burst at `lossAt` */
export function sampleSeries(seconds: number, opts: { lossAt?: number; lost?: number; jitterBase?: number } = {}): StreamSeries {
  const s: StreamSeries = { intervalSeconds: 1, start: 1767225600, packets: [], lost: [], jitterMs: [], maxDeltaMs: [] };
  for (let i = 0; i < seconds; i++) {
    const lost = i === opts.lossAt ? (opts.lost ?? 0) : 0;
    s.packets.push(50 - lost);
    s.lost.push(lost);
    s.jitterMs.push((opts.jitterBase ?? 1) + (i % 7) * 0.5);
    s.maxDeltaMs.push(20 + (i % 5) * 3 + (lost > 0 ? 20 * lost : 0));
  }
  return s;
}

function input(over: Partial<InputSummary> = {}): InputSummary {
  return {
    file: 'sample-call.pcapng', format: 'pcapng', packets: 2014, bytes: 431_220, durationSeconds: 20.4,
    startTime: '2026-01-01T00:00:00.000Z', endTime: '2026-01-01T00:00:20.400Z', linkTypes: ['EN10MB'],
    decodeErrors: 0, error: null, ...over,
  };
}

function assemble(streams: Array<Omit<StreamReport, 'verdict'>>, calls: Array<Omit<CallReport, 'verdict' | 'mos'>>, extra: Finding[] = [], inp: Partial<InputSummary> = {}): AnalysisReport {
  const ev = evaluate({ thresholds: VOIP_READY_LIMITS, streams, calls, link: null, findings: extra });
  return {
    tool: { name: 'voipready', version: '0.1.0' }, verdict: ev.verdict, reason: ev.reason, profile: 'default',
    thresholds: VOIP_READY_LIMITS, input: input(inp), calls: ev.calls, streams: ev.streams, findings: ev.findings,
    link: ev.link, summary: ev.summary, retention: NO_RETENTION, twoPoint: null, probe: null,
  };
}

export function passReport(): AnalysisReport {
  return assemble([
    stream({ id: 's1', packets: 1000, expected: 1000, jitterMeanMs: 0.912, jitterMaxMs: 2.345, maxDeltaMs: 31.25, series: sampleSeries(20) }),
    stream({ id: 's2', ssrc: '0x0badcafe', src: '10.0.0.2:20000', dst: '10.0.0.1:10000', srcPort: 20000, dstPort: 10000, packets: 999, expected: 1000, lost: 1, lossPercent: 0.1, longestLossBurst: 1, sequenceErrors: 1, jitterMeanMs: 1.5, jitterMaxMs: 3.0, maxDeltaMs: 40.0, series: sampleSeries(20, { lossAt: 5, lost: 1 }) }),
  ], [call({ streams: ['s1', 's2'] })]);
}

export function failReport(): AnalysisReport {
  const evil = call({ callId: `evil-${HOSTILE}@pbx`, from: `${HOSTILE} <sip:100@pbx>`, to: 'sip:200@pbx', streams: ['s1', 's2'], setupMs: 5400 });
  return assemble([
    stream({ id: 's1', callId: evil.callId, codec: `PCMA${HOSTILE}`, packets: 900, expected: 1000, lost: 100, lossPercent: 10, longestLossBurst: 40, sequenceErrors: 3, jitterMeanMs: 12.5, jitterMaxMs: 45.678, maxDeltaMs: 812.5, dscp: { '0': 900 }, series: sampleSeries(20, { lossAt: 8, lost: 40, jitterBase: 10 }) }),
    stream({ id: 's2', callId: evil.callId, ssrc: '0x0badcafe', src: '10.0.0.2:20000', dst: '10.0.0.1:10000', srcPort: 20000, dstPort: 10000, jitterMaxMs: 4.5, series: sampleSeries(20) }),
  ], [evil], [{
    severity: 'warn', code: 'NAT_PRIVATE_ADDRESS_IN_SDP', message: `SDP of ${HOSTILE} announces 192.168.1.10 to a public peer`, packet: 3, callId: evil.callId,
    evidence: ['c=IN IP4 192.168.1.10', `Contact: ${HOSTILE}`], advice: 'Set the public address on the PBX.',
  }, { severity: 'info', code: 'SOMETHING_NEW', message: 'an unknown code gets the generic text' }]);
}

export function noCallsReport(): AnalysisReport {
  return assemble([stream({ id: 's1', callId: null, detection: 'heuristic', series: sampleSeries(30) })], [], [], { file: 'rtp-only.pcap', format: 'pcap' });
}

export function onlySipReport(): AnalysisReport {
  return assemble([], [call({ streams: [], finalStatus: 486, state: 'rejected', setupMs: null, durationSeconds: null })], [], { file: 'sip-only.pcap' });
}

export function emptyReport(): AnalysisReport {
  return assemble([], [], [], { file: 'empty.pcap', packets: 0, bytes: 0, durationSeconds: 0, startTime: null, endTime: null, linkTypes: [] });
}

/** n streams in n/2 calls, every 10th stream lossy; series of `seconds` buckets */
export function manyStreamsReport(n: number, seconds = 120): AnalysisReport {
  const streams: Array<Omit<StreamReport, 'verdict'>> = [];
  const calls: Array<Omit<CallReport, 'verdict' | 'mos'>> = [];
  for (let i = 1; i <= n; i++) {
    const lossy = i % 10 === 0;
    const octet = `${Math.floor(i / 250)}.${i % 250}`;
    streams.push(stream({
      id: `s${i}`, ssrc: `0x${(0x10000000 + i).toString(16)}`, callId: `call-${Math.ceil(i / 2)}`,
      src: `10.1.${octet}:${10000 + 2 * i}`, dst: `10.2.${octet}:${30000 + 2 * i}`, srcPort: 10000 + 2 * i, dstPort: 30000 + 2 * i,
      packets: lossy ? 5700 : 6000, expected: 6000, lost: lossy ? 300 : 0, lossPercent: lossy ? 5 : 0, longestLossBurst: lossy ? 30 : 0,
      jitterMeanMs: 1 + (i % 13) / 10, jitterMaxMs: 2 + (i % 17) / 4, maxDeltaMs: 25 + (i % 11),
      series: sampleSeries(seconds, lossy ? { lossAt: 10, lost: 30 } : {}),
    }));
    if (i % 2 === 0) calls.push(call({ callId: `call-${i / 2}`, from: `sip:${1000 + i}@pbx`, to: `sip:${2000 + i}@pbx`, streams: [`s${i - 1}`, `s${i}`] }));
  }
  return assemble(streams, calls, [], { file: 'many.pcapng', packets: n * 6000 });
}

/** the README screenshot: two calls, one clean, one whose return path loses packets and re-marks DSCP */
export function demoReport(): AnalysisReport {
  return assemble([
    stream({ id: 's1', ssrc: '0x5e1f00a1', src: '192.168.10.21:16384', dst: '81.14.200.7:40010', srcPort: 16384, dstPort: 40010, callId: 'a84b4c76e66710@pbx', packets: 3012, expected: 3012, jitterMeanMs: 0.842, jitterMaxMs: 2.911, maxDeltaMs: 24.113, meanDeltaMs: 20.001, durationSeconds: 60.2, series: sampleSeries(60) }),
    stream({ id: 's2', ssrc: '0x7731bc02', src: '81.14.200.7:40010', dst: '192.168.10.21:16384', srcPort: 40010, dstPort: 16384, callId: 'a84b4c76e66710@pbx', packets: 2891, expected: 3012, lost: 121, lossPercent: 4.02, longestLossBurst: 17, sequenceErrors: 9, jitterMeanMs: 6.734, jitterMaxMs: 23.402, maxDeltaMs: 361.25, meanDeltaMs: 20.8, dscp: { '0': 2891 }, durationSeconds: 60.2, series: sampleSeries(60, { lossAt: 22, lost: 17, jitterBase: 5 }) }),
    stream({ id: 's3', ssrc: '0x0c0ffee3', src: '192.168.10.35:16390', dst: '81.14.200.7:40022', srcPort: 16390, dstPort: 40022, callId: 'b1d2@pbx', packets: 1500, expected: 1500, durationSeconds: 30, series: sampleSeries(30) }),
    stream({ id: 's4', ssrc: '0x0c0ffee4', src: '81.14.200.7:40022', dst: '192.168.10.35:16390', srcPort: 40022, dstPort: 16390, callId: 'b1d2@pbx', packets: 1499, expected: 1500, lost: 1, lossPercent: 0.07, longestLossBurst: 1, sequenceErrors: 1, durationSeconds: 30, series: sampleSeries(30, { lossAt: 12, lost: 1 }) }),
  ], [
    call({ callId: 'a84b4c76e66710@pbx', from: '"Reception" <sip:100@pbx.example>', to: '<sip:+4930123456@provider.example>', streams: ['s1', 's2'], setupMs: 2310, durationSeconds: 60.2 }),
    call({ callId: 'b1d2@pbx', from: '"Sales" <sip:120@pbx.example>', to: '<sip:+4940987654@provider.example>', streams: ['s3', 's4'], setupMs: 1450, durationSeconds: 30 }),
  ], [], { file: 'customer-site.pcapng', packets: 8902, bytes: 1_912_004, durationSeconds: 75.3, endTime: '2026-01-01T00:01:15.300Z' });
}

/**
 * Small fakes of the lead's LiveView/LiveStream/AnalysisReport, so the metrics and the server can
 * be tested without the analyzer. A stream's report fields are derived from the same numbers the
 * live stream shows, so "metric == sum over the JSON" tests compare two independent paths.
 */
import type { AnalysisReport, StreamReport, Thresholds, Verdict } from '../../../../src/model/report.js';
import type { LiveCall, LiveStream, LiveView } from '../../../../src/pipeline/events.js';
import { NO_RETENTION } from '../../../../src/pipeline/build-report.js';
import type { Settings } from '../../../../src/config/settings.js';
import { DEFAULT_RETENTION } from '../../../../src/config/sections/retention.js';
import { DEFAULT_QUALITY } from '../../../../src/config/sections/quality.js';

export const THRESHOLDS: Thresholds = {
  oneWayDelayMs: 50, totalDelayMs: 150, lossPercent: 3, jitterMs: 20, warnFraction: 0.8, linkUtilisationPercent: 40,
  rtpDscp: [46], sipDscp: [24, 26], rtpPorts: { min: 10000, max: 20000 }, sipPorts: [5060], stunPorts: [3478],
};

export function fakeSettings(over: Partial<Settings> = {}): Settings {
  return {
    profile: 'default', thresholds: THRESHOLDS, linkSpeedBps: null, staleSeconds: 10, externalLabels: { site: 'hq' },
    site: 'hq', peers: [{ name: 'carrier', networks: ['192.0.2.0/24', '2001:db8::/32'] }], remoteWrite: [],
    pushIntervalSeconds: 15, stateDir: null, retention: { ...DEFAULT_RETENTION }, quality: { ...DEFAULT_QUALITY }, ...over,
  };
}

export interface MutableStream {
  id: string; ssrc: number; src: string; dst: string; codec: string; callId: string | null;
  packets: number; expected: number; lost: number; jitterMs: number; jitterMaxMs: number; maxDeltaMs: number;
  lastSeenEpochMs: number; dscpMismatchPackets: number; portOutOfRange: boolean; verdict: Verdict;
  active: boolean; retired?: boolean;
  mos?: number | null; oneWayDelay?: { ms: number; method: string } | null;
}

export function stream(id: string, over: Partial<MutableStream> = {}): MutableStream {
  return {
    id, ssrc: 0x1234, src: '10.0.0.1:10000', dst: '192.0.2.7:12000', codec: 'PCMU', callId: 'call-1@x',
    packets: 0, expected: 0, lost: 0, jitterMs: 0, jitterMaxMs: 0, maxDeltaMs: 0, lastSeenEpochMs: 0,
    dscpMismatchPackets: 0, portOutOfRange: false, verdict: 'pass', active: true, ...over,
  };
}

export class FakeView implements LiveView {
  profile = 'default';
  thresholds = THRESHOLDS;
  readonly all: MutableStream[] = [];
  readonly callList: LiveCall[] = [];
  now = 1_700_000_000_000;

  add(s: MutableStream): MutableStream {
    this.all.push(s);
    return s;
  }
  streams(): Iterable<LiveStream> {
    return this.all;
  }
  calls(): Iterable<LiveCall> {
    return this.callList;
  }
  activeStreams(): LiveStream[] {
    return this.all.filter((s) => s.active);
  }
  activeCalls(): LiveCall[] {
    return this.callList.filter((c) => c.endEpochMs === null);
  }
  streamVerdicts(): Record<'pass' | 'warn' | 'fail', number> {
    const n = { pass: 0, warn: 0, fail: 0 };
    for (const s of this.all) n[s.verdict]++;
    return n;
  }
  nowEpochMs(): number {
    return this.now;
  }
  report(): AnalysisReport {
    return fakeReport(this.all);
  }
}

export function fakeReport(streams: MutableStream[]): AnalysisReport {
  const rows: StreamReport[] = streams.map((s) => ({
    id: s.id, ssrc: `0x${s.ssrc.toString(16)}`, src: s.src, dst: s.dst, srcPort: 0, dstPort: 0, payloadType: 0,
    codec: s.codec, clockRate: 8000, callId: s.callId, detection: 'sdp', srtp: false, firstPacket: 1, lastPacket: 2,
    startTime: '2023-11-14T22:13:20.000Z', durationSeconds: 1, packets: s.packets, expected: s.expected, lost: s.lost,
    lossPercent: s.expected > 0 ? (100 * Math.max(0, s.lost)) / s.expected : 0, lostCounted: Math.max(0, s.lost), expectedCounted: s.expected,
    sequenceResets: 0, firstDuplicatePacket: null, sequenceResetPacket: null, jitterMaxPacket: null, duplicates: 0, outOfOrder: 0, sequenceErrors: 0,
    longestLossBurst: 0, telephoneEventPackets: 0, maxDeltaMs: s.maxDeltaMs, meanDeltaMs: 20, jitterMeanMs: s.jitterMs,
    jitterMaxMs: s.jitterMaxMs, dscp: { '46': s.packets }, rtcp: null, delay: null, mouthToEar: null, mos: s.mos === undefined || s.mos === null ? null : { mos: s.mos, r: 0, ieEff: 0, idd: 0, burstR: 1, lossRuns: 0, codec: 'G.711 with PLC', provisional: false, assumptions: [] }, verdict: s.verdict,
  }));
  return {
    tool: { name: 'voipready', version: '0.0.0-test' }, verdict: 'pass', reason: 'test', profile: 'default',
    thresholds: THRESHOLDS,
    input: { file: 'fake', format: 'pcap', packets: 0, bytes: 0, durationSeconds: 0, startTime: null, endTime: null, linkTypes: [], decodeErrors: 0, error: null },
    calls: [{
      callId: 'call-1@x', verdict: 'pass', from: 'sip:a@x', to: 'sip:b@x', setupMs: 120, ringMs: 50, finalStatus: 200,
      state: 'answered', startTime: '2023-11-14T22:13:20.000Z', durationSeconds: 3, transport: 'udp',
      sipSrc: '10.0.0.1:5060', sipDst: '192.0.2.7:5060', sipDscp: { '24': 4 }, streams: streams.map((s) => s.id), messages: 4, firstPacket: 1, mos: null,
    }],
    streams: rows, findings: [], link: null, summary: [], retention: NO_RETENTION, twoPoint: null, probe: null,
  };
}

/** Small builders for stream/call inputs of the verdict engine (tests only). */
import type { CallReport, StreamReport } from '../../src/model/report.js';

export function stream(over: Partial<Omit<StreamReport, 'verdict'>> = {}): Omit<StreamReport, 'verdict'> {
  return {
    id: 's1', ssrc: '0x00000001', src: '10.0.0.1:10000', dst: '10.0.0.2:20000', srcPort: 10000, dstPort: 20000,
    payloadType: 8, codec: 'g711A', clockRate: 8000, callId: 'c1', detection: 'sdp', srtp: false,
    firstPacket: 10, lastPacket: 500, startTime: '2026-01-01T00:00:00.000Z', durationSeconds: 10,
    packets: 500, expected: 500, lost: 0, lossPercent: 0, duplicates: 0, outOfOrder: 0, sequenceErrors: 0,
    longestLossBurst: 0, telephoneEventPackets: 0, maxDeltaMs: 21, meanDeltaMs: 20, jitterMeanMs: 1, jitterMaxMs: 2,
    dscp: { '46': 500 }, rtcp: null, delay: null, mouthToEar: null, mos: null,
    sequenceResets: 0, firstDuplicatePacket: null, sequenceResetPacket: null, jitterMaxPacket: null, ...over,
    // the counted loss follows tshark's unless a test sets it
    lostCounted: over.lostCounted ?? Math.max(0, over.lost ?? 0), expectedCounted: over.expectedCounted ?? over.expected ?? 500,
  };
}

export function call(over: Partial<Omit<CallReport, 'verdict' | 'mos'>> = {}): Omit<CallReport, 'verdict' | 'mos'> {
  return {
    callId: 'c1', from: 'alice@example.com', to: 'bob@example.com', setupMs: 1200, ringMs: 80, finalStatus: 200,
    state: 'ended', startTime: '2026-01-01T00:00:00.000Z', durationSeconds: 10, transport: 'udp',
    sipSrc: '10.0.0.1:5060', sipDst: '10.0.0.2:5060', sipDscp: { '24': 6 }, streams: ['s1', 's2'], messages: 6,
    firstPacket: 1, ...over,
  };
}

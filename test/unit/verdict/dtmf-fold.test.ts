/** DTMF streams' findings folded into their voice stream's (src/verdict/dtmf-fold.ts), through evaluate(). */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../src/verdict/evaluate.js';
import { PROFILES } from '../../../src/verdict/profiles/index.js';
import { call, stream } from '../../helpers/report-builders.js';

const t = PROFILES.default!.thresholds;

describe('DTMF streams belong to the voice stream\'s call: one finding per cause', () => {
  const voice = stream({ id: 's1', dscp: { '0': 500 } });
  const dtmf = stream({ id: 's2', ssrc: '0x00000002', codec: 'telephone-event', payloadType: 101, packets: 10, expected: 10, telephoneEventPackets: 10, dscp: { '0': 10 }, firstPacket: 200 });
  const e = evaluate({ thresholds: t, streams: [voice, dtmf], calls: [call({ streams: ['s1', 's2'] })], link: null, findings: [] });

  it('the DSCP finding is listed once, on the voice stream, naming the DTMF stream', () => {
    const dscp = e.findings.filter((f) => f.code === 'DSCP_RTP_NOT_EF');
    expect(dscp.map((f) => f.streamId)).toEqual(['s1']);
    expect(dscp[0]!.evidence).toContain('also the DTMF stream s2 on the same path (packet 200)');
  });

  it('the DTMF stream keeps its own verdict', () => {
    expect(e.streams.find((s) => s.id === 's2')?.verdict).toBe('fail');
  });

  it('a DTMF stream on another path, or without a call, keeps its finding', () => {
    const other = { ...dtmf, src: '10.0.0.9:10000' };
    const e2 = evaluate({ thresholds: t, streams: [voice, other], calls: [], link: null, findings: [] });
    expect(e2.findings.filter((f) => f.code === 'DSCP_RTP_NOT_EF').map((f) => f.streamId).sort()).toEqual(['s1', 's2']);
  });
});

describe('negative tshark loss never reaches a finding or the summary', () => {
  it('duplicates: RTP_DUPLICATES (info) at the first duplicate, the summary shows the counted loss', () => {
    const dup = stream({ id: 's1', packets: 36, expected: 18, lost: -18, lostCounted: 0, expectedCounted: 18, lossPercent: 0, duplicates: 18, firstDuplicatePacket: 63 });
    const e = evaluate({ thresholds: t, streams: [dup], calls: [], link: null, findings: [] });
    const f = e.findings.find((x) => x.code === 'RTP_DUPLICATES');
    expect([f?.severity, f?.packet]).toEqual(['info', 63]);
    expect(f?.evidence?.[0]).toBe('loss counted 0 of 18; tshark counts -18 lost of 18');
    expect(e.summary.find((r) => r.criterion === 'loss')?.measured).toBe('0.00 % (s1)');
  });
  it('RFC 4733\'s repeated end-of-event packets are no finding', () => {
    const dtmf = stream({ id: 's1', packets: 10, expected: 8, lost: -2, lostCounted: 0, expectedCounted: 8, duplicates: 2, telephoneEventPackets: 10, clockRate: 0 });
    const e = evaluate({ thresholds: t, streams: [dtmf], calls: [], link: null, findings: [] });
    expect(e.findings.map((x) => x.code)).not.toContain('RTP_DUPLICATES');
    // no clock, DTMF only: the jitter row is not measurable rather than 0.00
    expect(e.summary.find((r) => r.criterion === 'jitter')?.measured).toBeNull();
  });
  it('a sequence restart: RTP_SEQUENCE_RESET at the restart\'s packet', () => {
    const s = stream({ id: 's1', packets: 2546, expected: 2071, lost: -475, lostCounted: 0, expectedCounted: 2546, sequenceResets: 2, sequenceResetPacket: 171 });
    const f = evaluate({ thresholds: t, streams: [s], calls: [], link: null, findings: [] }).findings.find((x) => x.code === 'RTP_SEQUENCE_RESET');
    expect([f?.packet, f?.measured]).toEqual([171, 2]);
  });
  it('JITTER_SPIKE points at the spike\'s packet', () => {
    const s = stream({ id: 's1', jitterMeanMs: 4.6, jitterMaxMs: 376, jitterMaxPacket: 476, firstPacket: 1 });
    const f = evaluate({ thresholds: t, streams: [s], calls: [], link: null, findings: [] }).findings.find((x) => x.code === 'JITTER_SPIKE');
    expect(f?.packet).toBe(476);
    expect(f?.message).toMatch(/at packet 476/);
  });
});

import { describe, expect, it } from 'vitest';
import { ProbeStats, roundTripMs } from '../../../src/probe/figures.js';
import { probeFindings } from '../../../src/probe/findings.js';
import { reflectTlvs } from '../../../src/probe/reflector.js';
import { senderTlvs } from '../../../src/probe/sender.js';
import { PROBE_CODECS } from '../../../src/probe/codecs.js';
import { VOIP_READY_LIMITS as DEFAULT_THRESHOLDS } from '../../../src/verdict/profiles/index.js';

const info = { target: 'r:862', codec: 'g711', mode: 'unauthenticated' as const, packetBytes: 172, intervalMs: 20, dscp: 46, dscpCapable: true, startMs: 0 };
const cos = (dscp2: number) => ({ dscp1: 46, dscp2, ecn: 0, rp: 0 });

function run(opts: { fwd: number; back: number; offset?: number; dropFwd?: (k: number) => boolean; dropBack?: (k: number) => boolean; dscp2?: number; dscpBack?: number }) {
  const s = new ProbeStats(info);
  let rseq = 0;
  for (let k = 0; k < 1000; k++) {
    const t1 = k * 20;
    s.sent(k, t1);
    if (opts.dropFwd?.(k)) continue;
    const reflectorSeq = rseq++;
    if (opts.dropBack?.(k)) continue;
    const off = opts.offset ?? 0;
    const t2 = t1 + opts.fwd + off + (k % 2) * 0.5;
    const t3 = t2 + 0.1;
    const t4 = t3 - off + opts.back;
    s.reply({ senderSeq: k, reflectorSeq, t1, t2, t3, t4, cos: cos(opts.dscp2 ?? 46), dscpBack: opts.dscpBack ?? 46, senderSynchronised: true, reflectorSynchronised: true });
  }
  return s.toReport(1e9, true);
}

describe('probe figures', () => {
  it('one-way, round trip, jitter per direction', () => {
    const r = run({ fwd: 30, back: 10 });
    expect(r.forward.oneWayMs!.min).toBeCloseTo(30, 6);
    expect(r.forward.oneWayMs!.mean).toBeCloseTo(30.25, 6);
    expect(r.backward.oneWayMs!.p50).toBeCloseTo(10, 1);
    expect(r.rttMs!.mean).toBeCloseTo(40.25, 6);
    expect(roundTripMs(0, 30, 30.1, 40.1)).toBeCloseTo(40, 9);
    // alternating 0.5 ms: |D| = 0.5 each step, J converges to 0.5
    expect(r.forward.jitterMaxMs!).toBeGreaterThan(0.45);
    expect(r.backward.jitterMaxMs!).toBeLessThan(0.01);
    expect(r.clockSynchronised).toBe(true);
  });
  it('loss per direction from the two sequence numbers', () => {
    const r = run({ fwd: 5, back: 5, dropFwd: (k) => k % 20 === 3, dropBack: (k) => k % 50 === 7 });
    expect(r.forward.lost).toBe(50);
    expect(r.forward.lossPercent).toBeCloseTo(5, 9);
    expect(r.backward.lost).toBe(20);
    expect(r.roundTripLost).toBe(70);
    expect(r.packetsReceived).toBe(930);
  });
  it('clocks not synchronised: one-way hidden, RTT/2 as estimate, a finding says so', () => {
    const r = run({ fwd: 5, back: 5, offset: -20 });
    expect(r.clockSynchronised).toBe(false);
    expect(r.forward.oneWayMs).toBeNull();
    expect(r.clockNote).toMatch(/clocks not synchronised: one-way figures not shown, RTT\/2 as estimate/);
    expect(r.oneWayEstimateMs!).toBeCloseTo(5.125, 3);
    expect(probeFindings(r, DEFAULT_THRESHOLDS).map((f) => f.code)).toContain('PROBE_CLOCKS_NOT_SYNCHRONISED');
  });
  it('DSCP re-marked in one direction only', () => {
    const r = run({ fwd: 1, back: 1, dscp2: 0 });
    expect(r.forward).toMatchObject({ dscpSent: 46, dscpReceived: 0, remarked: true, remarkedPackets: 1000 });
    expect(r.backward).toMatchObject({ dscpSent: 46, dscpReceived: 46, remarked: false });
    const f = probeFindings(r, DEFAULT_THRESHOLDS).filter((x) => x.code === 'PROBE_DSCP_REMARKED');
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/forward/);
  });
  it('voice shape: G.711 packets are the RTP size, G.729 the STAMP minimum; the reflector fills CoS', () => {
    const tl = senderTlvs(PROBE_CODECS.g711!, 'unauthenticated', 46);
    expect(44 + tl.reduce((n, t) => n + 4 + t.value.length, 0)).toBe(172);
    expect(senderTlvs(PROBE_CODECS.g729!, 'unauthenticated', 46)).toHaveLength(1);
    const back = reflectTlvs(tl, { dscp: 10, ecn: 2 }, true);
    expect(back.dscp1).toBe(46);
    expect(Buffer.from(back.tlvs[0]!.value).readUInt16BE(0)).toBe((46 << 10) | (10 << 4) | (2 << 2));
    expect(reflectTlvs(tl, { dscp: null, ecn: null }, false).tlvs[0]!.flags & 0x80).toBe(0x80);
  });
});

/**
 * StreamLive.verdict: the report's grader over the live figures, cached until the stream's next
 * packet, reading the DSCP counts only when the stream's marking has changed.
 */
import { describe, expect, it, vi } from 'vitest';
import { PacketInfo } from '../../../src/decode/packet-info.js';
import { RtpHeader, decodeRtpHeader } from '../../../src/decode/rtp.js';
import type { Thresholds } from '../../../src/model/report.js';
import { StreamLive } from '../../../src/pipeline/stream-live.js';
import { StreamTable } from '../../../src/track/streams.js';
import { evaluate } from '../../../src/verdict/evaluate.js';
import { PROFILES, VOIP_READY_LIMITS } from '../../../src/verdict/profiles/index.js';
import { rtpPacket } from '../../helpers/pcap-writer.js';

const addresses = { formatEndpoint: (k: number, port: number) => `${k >>> 24}.${(k >>> 16) & 255}.${(k >>> 8) & 255}.${k & 255}:${port}` };

/** a stream of one table; send(seq, dscp, ms) pushes one PCMA packet */
function liveStream(t: Thresholds, ports: [number, number] = [4000, 5000]) {
  const table = new StreamTable({ addresses, rtpDscp: t.rtpDscp, seriesPoints: 0 });
  table.setTimeOrigin(1000, 0);
  const p = new PacketInfo();
  const h = new RtpHeader();
  let num = 0;
  const send = (seq: number, dscp: number, ms = seq * 20): void => {
    const b = rtpPacket({ seq, ts: seq * 160, ssrc: 0xabc, pt: 8 });
    Object.assign(p, { num: ++num, tsSec: 1000 + Math.floor(ms / 1000), tsNsec: (ms % 1000) * 1e6, ipVersion: 4, proto: 17, srcAddr: 0x0a000001, dstAddr: 0x0a000002, srcPort: ports[0], dstPort: ports[1], dscp });
    decodeRtpHeader(b, 0, b.length, h);
    table.pushRtp(p, h, { callId: 'x', srtp: false, detection: 'sdp' });
  };
  send(1, 46);
  const state = table.streams()[0]!;
  state.id = 's1';
  return { live: new StreamLive(state, t), state, send };
}

/** the verdict evaluate gives the stream's report row now */
function reportVerdict(live: StreamLive, t: Thresholds): string {
  return evaluate({ thresholds: t, streams: [{ id: live.id, ...live.state.toReport() }], calls: [], link: null, findings: [] }).streams[0]!.verdict;
}

describe('StreamLive.verdict', () => {
  it('follows the stream as packets arrive, equal to the report verdict at every step', () => {
    const t = VOIP_READY_LIMITS;
    const { live, send } = liveStream(t);
    const steps: string[] = [];
    for (let seq = 2; seq <= 20; seq++) {
      send(seq, seq === 12 ? 0 : 46); // one packet re-marked CS0: DSCP_RTP_NOT_EF from then on
      steps.push(live.verdict);
      expect(live.verdict).toBe(reportVerdict(live, t));
    }
    expect(steps.slice(0, 10)).toEqual(Array(10).fill('pass'));
    expect(steps.slice(10)).toEqual(Array(9).fill('fail'));
  });

  it('rtpDscp: [] accepts the re-marked packet: the changed marking warns, the mismatch counter stays 0', () => {
    const t = { ...VOIP_READY_LIMITS, rtpDscp: [] };
    const { live, send } = liveStream(t);
    for (let seq = 2; seq <= 20; seq++) send(seq, seq === 12 ? 0 : 46);
    expect(live.dscpMismatchPackets).toBe(0);
    expect(live.verdict).toBe('warn');
    expect(reportVerdict(live, t)).toBe('warn');
  });

  it('grades the mean jitter and spikes, not the current jitter', () => {
    const t = { ...VOIP_READY_LIMITS, jitterMs: 2 };
    const { live, send } = liveStream(t);
    for (let seq = 2; seq <= 300; seq++) send(seq, 46, seq === 15 ? 15 * 20 + 60 : seq * 20); // one packet 60 ms late
    expect(live.jitterMaxMs).toBeGreaterThan(2);
    expect(live.jitterMeanMs).toBeLessThan(1.6);
    expect(live.jitterMs).toBeLessThan(1.6); // the current jitter alone would pass
    expect(live.verdict).toBe('warn'); // JITTER_SPIKE, as the report says
    expect(reportVerdict(live, t)).toBe('warn');
  });

  it('a port outside the profile\'s range fails', () => {
    const starface = PROFILES.starface!.thresholds;
    expect(liveStream(starface, [4000, 5000]).live.verdict).toBe('fail');
    expect(liveStream(starface, [4000, 12000]).live.verdict).toBe('pass');
  });

  it('is cached until the next packet, and reads the DSCP counts only once the marking has changed', () => {
    const t = VOIP_READY_LIMITS;
    const { live, state, send } = liveStream(t);
    const counts = vi.spyOn(state, 'dscpCount');
    const figures = vi.spyOn(state, 'jitterMeanMs', 'get');
    for (let seq = 2; seq <= 10; seq++) send(seq, 46);
    for (let i = 0; i < 5; i++) expect(live.verdict).toBe('pass');
    expect(figures).toHaveBeenCalledTimes(1);
    expect(counts).not.toHaveBeenCalled(); // one marking: two reads of the record say so
    send(11, 46);
    expect(live.verdict).toBe('pass');
    expect(figures).toHaveBeenCalledTimes(2);
    send(12, 0);
    expect(live.verdict).toBe('fail');
    expect(live.verdict).toBe('fail');
    // graded once after the change; the verdict-only scan stops at the first value not allowed (CS0, 0)
    expect(counts).toHaveBeenCalledTimes(1);
    expect(counts).toHaveBeenCalledWith(0);
  });
});

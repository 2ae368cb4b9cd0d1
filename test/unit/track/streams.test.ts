import { describe, expect, it } from 'vitest';
import { PacketInfo } from '../../../src/decode/packet-info.js';
import { RtpHeader, decodeRtpHeader } from '../../../src/decode/rtp.js';
import { decodeRtcpCompound } from '../../../src/decode/rtcp/compound.js';
import { StreamTable } from '../../../src/track/streams.js';
import { rtpPacket } from '../../helpers/pcap-writer.js';

const addresses = { formatEndpoint: (k: number, port: number) => `${k >>> 24}.${(k >>> 16) & 255}.${(k >>> 8) & 255}.${k & 255}:${port}` };

function push(t: StreamTable, num: number, ms: number, seq: number, pt: number, dscp: number, ctx = {}): void {
  const p = new PacketInfo();
  const b = rtpPacket({ seq, ts: seq * 160, ssrc: 0xabc, pt });
  Object.assign(p, { num, tsSec: 1000 + Math.floor(ms / 1000), tsNsec: (ms % 1000) * 1e6, ipVersion: 4, proto: 17, srcAddr: 0x0a000001, dstAddr: 0x0a000002, srcPort: 4000, dstPort: 5000, dscp });
  const h = new RtpHeader();
  decodeRtpHeader(b, 0, b.length, h);
  t.pushRtp(p, h, { callId: 'x', srtp: false, detection: 'sdp', ...ctx });
}

describe('StreamTable', () => {
  it('keys by (src, dst, ssrc), counts DSCP, telephone-event and our own sequence figures', () => {
    const t = new StreamTable({ addresses, rtpDscp: [46] });
    t.setTimeOrigin(1000, 0);
    const payloads = new Map([[101, { codec: 'telephone-event', clockRate: 8000 }], [8, { codec: 'PCMA', clockRate: 8000 }]]);
    let n = 1;
    for (const seq of [1, 2, 3, 5, 6, 6, 7]) push(t, n++, n * 20, seq, 8, seq === 3 ? 0 : 46, { payloads });
    push(t, n++, n * 20, 8, 101, 46, { payloads });
    t.flush();
    const [s] = t.streams();
    expect(t.streams().length).toBe(1);
    const r = s!.toReport(true);
    expect(r).toMatchObject({
      ssrc: '0x00000abc', src: '10.0.0.1:4000', dst: '10.0.0.2:5000', codec: 'PCMA', payloadType: 8, clockRate: 8000,
      packets: 8, expected: 8, lost: 0, duplicates: 1, longestLossBurst: 1, telephoneEventPackets: 1,
      dscp: { '0': 1, '46': 7 }, callId: 'x', detection: 'sdp', rtcp: null,
    });
    expect(s!.dscpMismatchPackets).toBe(1);
    expect(r.series!.packets.reduce((a, b) => a + b, 0)).toBe(8);
  });
  it('counts DSCP runs exactly (values alternating, coming back) and keeps no series with seriesPoints 0', () => {
    const t = new StreamTable({ addresses, rtpDscp: [46], seriesPoints: 0 });
    t.setTimeOrigin(1000, 0);
    const dscps = [46, 46, 0, 46, 34, 34, 46, 0, 0, 46];
    dscps.forEach((d, i) => push(t, i + 1, (i + 1) * 20, i + 1, 8, d));
    const [s] = t.streams();
    const live = s!.toReport(false);
    expect(live.dscp).toEqual({ '0': 3, '34': 2, '46': 5 });
    expect(s!.dscpCount(46)).toBe(5);
    expect(s!.dscpMismatchPackets).toBe(5);
    expect(s!.series).toBeNull();
    expect(live.series).toBeUndefined();
    // a report asked with series from a stream that kept none gets an empty series, not a crash
    expect(s!.toReport(true).series!.packets).toEqual([]);
    // pushing after a report keeps counting on
    push(t, 11, 220, 11, 8, 46);
    expect(s!.toReport().dscp).toEqual({ '0': 3, '34': 2, '46': 6 });
  });

  it('rtpDscp: [] allows every DSCP: the mismatch counter stays 0 (an allowed list counts the others)', () => {
    expect.assertions(2 * 4);
    const dscps = [0, 4, 46, 63, 46, 0, 34, 34];
    for (const [allowed, mismatches] of [[[], 0], [[46], 6], [[0, 46], 4], [[63], 7]] as const) {
      const t = new StreamTable({ addresses, rtpDscp: [...allowed], seriesPoints: 0 });
      t.setTimeOrigin(1000, 0);
      dscps.forEach((d, i) => push(t, i + 1, (i + 1) * 20, i + 1, 8, d));
      const [s] = t.streams();
      expect(s!.dscpMismatchPackets).toBe(mismatches);
      expect(s!.toReport().dscp).toEqual({ '0': 2, '4': 1, '34': 2, '46': 2, '63': 1 });
    }
  });

  it('onlyDscp: the one value while every packet carries it, -1 once it changes (and before any packet)', () => {
    const t = new StreamTable({ addresses, rtpDscp: [46], seriesPoints: 0 });
    t.setTimeOrigin(1000, 0);
    const seen: number[] = [];
    [46, 46, 46, 0, 46, 46].forEach((d, i) => {
      push(t, i + 1, (i + 1) * 20, i + 1, 8, d);
      seen.push(t.streams()[0]!.onlyDscp);
    });
    expect(seen).toEqual([46, 46, 46, -1, -1, -1]);
    const fresh = new StreamTable({ addresses, rtpDscp: [46], seriesPoints: 0 });
    fresh.setTimeOrigin(1000, 0);
    push(fresh, 1, 20, 1, 8, 0);
    expect(fresh.streams()[0]!.onlyDscp).toBe(0);
  });

  it('applies RTCP report blocks (signed loss, jitter in ms with the clock rate) and RTT from LSR/DLSR', () => {
    const t = new StreamTable({ addresses, rtpDscp: [46] });
    t.setTimeOrigin(1000, 0);
    push(t, 1, 0, 1, 8, 46);
    // SR from the stream's source 10.0.0.1: NTP 0x00010000.80000000 -> middle 32 = 0x00008000
    const sr = Buffer.from('80c80006 00000abc 00010000 80000000 00000000 00000001 000000a0'.replace(/\s/g, ''), 'hex');
    const p1 = new PacketInfo();
    Object.assign(p1, { num: 2, tsSec: 1001, tsNsec: 0, srcAddr: 0x0a000001, dstAddr: 0x0a000002 });
    const c1 = decodeRtcpCompound(sr, 0, sr.length);
    if (!c1.ok) throw new Error('sr');
    t.pushRtcp(p1, c1.packets);
    // RR from the receiver 10.0.0.2 about 0xabc, 250 ms after the SR, LSR = that SR, DLSR 0x1999 (~100 ms)
    const rr = Buffer.from('81c90007 00000def 00000abc 40fffffe 00000010 00000050 00008000 00001999'.replace(/\s/g, ''), 'hex');
    const p2 = new PacketInfo();
    Object.assign(p2, { num: 3, tsSec: 1001, tsNsec: 250_000_000, srcAddr: 0x0a000002, dstAddr: 0x0a000001 });
    const c2 = decodeRtcpCompound(rr, 0, rr.length);
    if (!c2.ok) throw new Error('rr');
    t.pushRtcp(p2, c2.packets);
    const rtcp = t.streams()[0]!.toReport().rtcp!;
    expect(rtcp).toMatchObject({ packets: 2, senderReports: 1, receiverReports: 1, remoteFractionLostPercent: 25, remoteCumulativeLost: -2, remoteJitterMs: 10 });
    // 250 ms - 0x1999/65536 s (99.99 ms)
    expect(rtcp.rttMs).toBeCloseTo(250 - (0x1999 * 1000) / 65536, 6);
  });
});

describe('StreamTable per-conversation cache', () => {
  it('never misroutes: three flows sharing one convId (and a stale id) each keep their own stream', () => {
    const t = new StreamTable({ addresses, rtpDscp: [46], seriesPoints: 0 });
    t.setTimeOrigin(1000, 0);
    const h = new RtpHeader();
    const flows = [
      { srcPort: 4000, ssrc: 0xabc },
      { srcPort: 4000, ssrc: 0xdef },
      { srcPort: 4002, ssrc: 0xabc },
    ];
    let num = 1;
    for (let seq = 1; seq <= 5; seq++) {
      for (const f of flows) {
        const b = rtpPacket({ seq, ts: seq * 160, ssrc: f.ssrc, pt: 8 });
        decodeRtpHeader(b, 0, b.length, h);
        const p = new PacketInfo();
        Object.assign(p, { num: num++, tsSec: 1000, tsNsec: seq * 20e6, ipVersion: 4, proto: 17, srcAddr: 0x0a000001, dstAddr: 0x0a000002, srcPort: f.srcPort, dstPort: 5000, dscp: 46 });
        // the same id for all three flows; every other round a far-off id with an empty cache
        t.pushRtp(p, h, { callId: null, srtp: false, detection: 'sdp', convId: seq % 2 === 0 ? 7 : 0 });
      }
    }
    expect(t.streams().map((s) => [s.srcPort, s.ssrc, s.packets, s.lost])).toEqual([
      [4000, 0xabc, 5, 0],
      [4000, 0xdef, 5, 0],
      [4002, 0xabc, 5, 0],
    ]);
  });
});

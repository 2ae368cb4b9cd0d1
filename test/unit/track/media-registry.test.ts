import { describe, expect, it } from 'vitest';
import { PacketInfo } from '../../../src/decode/packet-info.js';
import { RtpHeader } from '../../../src/decode/rtp.js';
import { MEDIA_NONE, MEDIA_PENDING, MEDIA_RTCP, MEDIA_RTP, MediaRegistry } from '../../../src/track/media-registry.js';
import { rtpPacket } from '../../helpers/pcap-writer.js';

function pkt(num: number, payload: Buffer, src = 0x0a000001, sport = 4000, dst = 0x0a000002, dport = 5000): PacketInfo {
  const p = new PacketInfo();
  Object.assign(p, { num, tsSec: 100, tsNsec: num * 20_000_000, ipVersion: 4, proto: 17, srcAddr: src, dstAddr: dst, srcPort: sport, dstPort: dport, dscp: 46, frameLen: payload.length + 42 });
  p.buf = payload;
  p.payloadStart = 0;
  p.payloadEnd = payload.length;
  return p;
}

describe('MediaRegistry heuristic', () => {
  it('confirms after 3 packets in sequence and replays the first two', () => {
    const r = new MediaRegistry();
    const h = new RtpHeader();
    const kinds = [1, 2, 3, 4].map((i) => r.classify(pkt(i, rtpPacket({ seq: 10 + i, ts: 160 * i, ssrc: 7, pt: 0 })), h) as number);
    expect(kinds).toEqual([MEDIA_PENDING, MEDIA_PENDING, MEDIA_NONE, MEDIA_NONE].map((k, i) => (i >= 2 ? MEDIA_RTP : k)));
    const replayed: number[] = [];
    const r2 = new MediaRegistry();
    for (let i = 1; i <= 3; i++) {
      const k = r2.classify(pkt(i, rtpPacket({ seq: 10 + i, ts: 160 * i, ssrc: 7, pt: 0 })), h);
      if (k === MEDIA_RTP) r2.drainReplay((p, hh) => replayed.push(p.num * 1000 + hh.sequence));
    }
    expect(replayed).toEqual([1011, 2012]);
  });
  it('never confirms random sequence numbers, STUN, or PT 72..76', () => {
    const r = new MediaRegistry();
    const h = new RtpHeader();
    const seen = new Set<number>();
    for (let i = 0; i < 40; i++) seen.add(r.classify(pkt(i, rtpPacket({ seq: (i * 7919) % 65536, ts: i, ssrc: 9, pt: 0 })), h));
    const stun = Buffer.concat([Buffer.from('000100002112a442000000000000000000000000', 'hex')]);
    for (let i = 0; i < 5; i++) seen.add(r.classify(pkt(100 + i, stun), h));
    for (let i = 0; i < 5; i++) seen.add(r.classify(pkt(200 + i, rtpPacket({ seq: i, ts: 0, ssrc: 3, pt: 72 })), h));
    expect(seen.has(MEDIA_RTP)).toBe(false);
  });
  it('is off when asked', () => {
    const r = new MediaRegistry({ heuristic: false });
    const h = new RtpHeader();
    for (let i = 1; i <= 5; i++) expect(r.classify(pkt(i, rtpPacket({ seq: i, ts: 160 * i, ssrc: 7, pt: 0 })), h)).toBe(MEDIA_NONE);
  });
});

describe('MediaRegistry with SDP', () => {
  const payloads = new Map([[101, { codec: 'telephone-event', clockRate: 8000 }]]);
  it('makes address:port RTP both ways from the SDP frame on, rtcpPort RTCP, mux RTCP by PT', () => {
    const r = new MediaRegistry({ heuristic: false });
    const h = new RtpHeader();
    r.register({ addrKey: 0x0a000002, port: 5000, rtcpPort: 5001, rtcpMux: false, fromFrame: 10, payloads, callId: 'c1', srtp: false });
    const rtp = rtpPacket({ seq: 1, ts: 0, ssrc: 1, pt: 101 });
    expect(r.classify(pkt(5, rtp), h)).toBe(MEDIA_NONE);
    expect(r.classify(pkt(11, rtp), h)).toBe(MEDIA_RTP);
    expect(r.ctx).toMatchObject({ callId: 'c1', detection: 'sdp', payloads });
    expect(r.classify(pkt(12, rtp, 0x0a000002, 5000, 0x0a000001, 4000), h)).toBe(MEDIA_RTP);
    expect(r.classify(pkt(13, Buffer.from('81c90001deadbeef', 'hex'), 0x0a000001, 4001, 0x0a000002, 5001), h)).toBe(MEDIA_RTCP);
    expect(r.classify(pkt(14, Buffer.from('81c80006deadbeef', 'hex')), h)).toBe(MEDIA_RTCP);
  });
  it('a later SDP for the same address:port replaces the payload map', () => {
    const r = new MediaRegistry({ heuristic: false });
    const h = new RtpHeader();
    const later = new Map([[101, { codec: 'opus', clockRate: 48000 }]]);
    r.register({ addrKey: 0x0a000002, port: 5000, rtcpPort: 5001, rtcpMux: false, fromFrame: 1, payloads, callId: 'a', srtp: false });
    r.register({ addrKey: 0x0a000002, port: 5000, rtcpPort: 5001, rtcpMux: false, fromFrame: 50, payloads: later, callId: 'b', srtp: true });
    r.classify(pkt(20, rtpPacket({ seq: 1, ts: 0, ssrc: 1, pt: 101 })), h);
    expect(r.ctx.callId).toBe('a');
    r.classify(pkt(60, rtpPacket({ seq: 2, ts: 0, ssrc: 1, pt: 101 })), h);
    expect([r.ctx.callId, r.ctx.srtp, r.ctx.payloads]).toEqual(['b', true, later]);
  });
});

describe('MediaRegistry.callIdsAt', () => {
  it('lists the calls whose SDP named an endpoint up to a frame, newest first, without repeats', () => {
    const r = new MediaRegistry();
    const payloads = new Map([[8, { codec: 'g711A', clockRate: 8000 }]]);
    // two calls announce the same answer address (a PBX reusing its media port)
    r.register({ addrKey: 0x0a000002, port: 16000, rtcpPort: 16001, rtcpMux: false, fromFrame: 5, payloads, callId: 'call-1', srtp: false });
    r.register({ addrKey: 0x0a000002, port: 16000, rtcpPort: 16001, rtcpMux: false, fromFrame: 40, payloads, callId: 'call-2', srtp: false });
    r.register({ addrKey: 0x0a000002, port: 16000, rtcpPort: 16001, rtcpMux: false, fromFrame: 60, payloads, callId: 'call-1', srtp: false });
    r.register({ addrKey: 0x0a000001, port: 20000, rtcpPort: 20001, rtcpMux: false, fromFrame: 3, payloads, callId: 'call-1', srtp: false });
    expect(r.callIdsAt(0x0a000002, 16000, 4)).toEqual([]);
    expect(r.callIdsAt(0x0a000002, 16000, 50)).toEqual(['call-2', 'call-1']);
    expect(r.callIdsAt(0x0a000002, 16000, 70)).toEqual(['call-1', 'call-2']);
    expect(r.callIdsAt(0x0a000001, 20000, 50)).toEqual(['call-1']);
    expect(r.callIdsAt(0x0a000003, 20000, 50)).toEqual([]);
  });
});

/** The RTCP writer against the RTCP decoder: random compounds round-trip; a hand-checked SR + SDES + BYE. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRtcpCompound } from '../../../src/decode/rtcp/index.js';
import type { ReportBlock } from '../../../src/decode/rtcp/report-block.js';
import { encodeRtcpCompound, encodeRtcpPacket, rtcpPacketLength, type RtcpEncodable } from '../../../src/encode/rtcp.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const block: fc.Arbitrary<ReportBlock> = fc.record({
  ssrc: u32,
  fractionLost: fc.integer({ min: 0, max: 255 }),
  cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
  extendedHighestSeq: u32,
  jitter: u32,
  lsr: u32,
  dlsr: u32,
});
const ascii = fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s));
const packet: fc.Arbitrary<RtcpEncodable> = fc.oneof(
  fc.record({
    type: fc.constant('sr' as const), ssrc: u32, ntpSeconds: u32, ntpFraction: u32, rtpTimestamp: u32, packetCount: u32, octetCount: u32,
    reports: fc.array(block, { maxLength: 31 }),
  }),
  fc.record({ type: fc.constant('rr' as const), ssrc: u32, reports: fc.array(block, { maxLength: 31 }) }),
  fc.record({
    type: fc.constant('sdes' as const),
    chunks: fc.array(fc.record({ ssrc: u32, items: fc.array(fc.record({ type: fc.integer({ min: 1, max: 8 }), text: ascii }), { maxLength: 4 }) }), { maxLength: 31 }),
  }),
  fc.record({ type: fc.constant('bye' as const), ssrcs: fc.array(u32, { maxLength: 31 }), reason: fc.option(ascii, { nil: null }) }),
);

describe('encodeRtcpCompound', () => {
  it('round-trips random SR / RR / SDES / BYE compounds through decodeRtcpCompound', () => {
    fc.assert(fc.property(fc.array(packet, { minLength: 1, maxLength: 5 }), (packets) => {
      const b = encodeRtcpCompound(packets);
      expect(b.length % 4).toBe(0);
      expect(b.length).toBe(packets.reduce((n, p) => n + rtcpPacketLength(p), 0));
      const d = decodeRtcpCompound(b, 0, b.length);
      expect(d.ok && d.encrypted).toBe(false);
      if (d.ok) expect(d.packets).toEqual(packets);
    }), { numRuns: 1000 });
  });

  it('writes RFC 3550 bytes: SR with a report block (negative cumulative loss), SDES CNAME, BYE with reason', () => {
    const b = encodeRtcpCompound([
      { type: 'sr', ssrc: 1, ntpSeconds: 2, ntpFraction: 3, rtpTimestamp: 4, packetCount: 5, octetCount: 6,
        reports: [{ ssrc: 7, fractionLost: 8, cumulativeLost: -1, extendedHighestSeq: 9, jitter: 10.4, lsr: 11, dlsr: 12 }] },
      { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, text: 'ab' }] }] },
      { type: 'bye', ssrcs: [1], reason: 'bye' },
    ]);
    expect(b.toString('hex')).toBe(
      // SR: 13 words (length 12), the block's cumulative loss -1 as 0xffffff, jitter rounded to 10
      '81c8000c' + '00000001' + '00000002' + '00000003' + '00000004' + '00000005' + '00000006' +
      '00000007' + '08ffffff' + '00000009' + '0000000a' + '0000000b' + '0000000c' +
      // SDES: SSRC, CNAME "ab", END, zeros to the 32-bit boundary
      '81ca0003' + '00000001' + '01026162' + '00000000' +
      // BYE: SSRC, length 3 + "bye"
      '81cb0002' + '00000001' + '03627965',
    );
  });

  it('clamps cumulative loss to 24 bits signed; UTF-8 item text is written as bytes; counts and texts are bounded', () => {
    const rb = (cumulativeLost: number): ReportBlock => ({ ssrc: 0, fractionLost: 0, cumulativeLost, extendedHighestSeq: 0, jitter: 0, lsr: 0, dlsr: 0 });
    const d = decodeRtcpCompound(encodeRtcpPacket({ type: 'rr', ssrc: 0, reports: [rb(1e9), rb(-1e9)] }), 0, 56);
    const rr = d.ok ? d.packets[0] : undefined;
    expect(rr?.type === 'rr' && rr.reports.map((r) => r.cumulativeLost)).toEqual([0x7fffff, -0x800000]);
    const sdes = encodeRtcpPacket({ type: 'sdes', chunks: [{ ssrc: 0, items: [{ type: 1, text: 'ü' }] }] });
    expect(sdes[9]).toBe(2);
    expect(() => encodeRtcpPacket({ type: 'rr', ssrc: 0, reports: new Array<ReportBlock>(32).fill(rb(0)) })).toThrow(RangeError);
    expect(() => encodeRtcpPacket({ type: 'bye', ssrcs: [], reason: 'x'.repeat(256) })).toThrow(RangeError);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRtcpCompound } from '../../../../src/decode/rtcp/compound.js';
import { fractionLostPercent, signed24 } from '../../../../src/decode/rtcp/report-block.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// SR with one report block (cumulative lost 0xFFFFFF = -1), then SDES CNAME "ab", then BYE with reason "x"
const SR = hex(`81c8 000c 11111111  e0000000 80000000  00001000  0000000a 00000640
  22222222 40 ffffff 00010005 00000050 b7052000 00054000`);
const SDES = hex('81ca 0003 11111111 0102 6162 00000000');
const BYE = hex('81cb 0002 11111111 0178 0000');

describe('RTCP (RFC 3550 6.4-6.6)', () => {
  it('reads the cumulative loss as signed 24-bit', () => {
    expect(signed24(0xffffff)).toBe(-1);
    expect(signed24(0x800000)).toBe(-8388608);
    expect(signed24(0x7fffff)).toBe(8388607);
    expect(fractionLostPercent(64)).toBe(25);
  });
  it('decodes a compound SR + SDES + BYE', () => {
    const c = decodeRtcpCompound(Buffer.concat([SR, SDES, BYE]), 0, SR.length + SDES.length + BYE.length);
    expect(c.ok).toBe(true);
    if (!c.ok) return;
    expect(c.encrypted).toBe(false);
    expect(c.packets.map((p) => p.type)).toEqual(['sr', 'sdes', 'bye']);
    const sr = c.packets[0]!;
    if (sr.type !== 'sr') return;
    expect(sr).toMatchObject({ ssrc: 0x11111111, ntpSeconds: 0xe0000000, packetCount: 10, octetCount: 1600 });
    expect(sr.reports[0]).toEqual({
      ssrc: 0x22222222, fractionLost: 0x40, cumulativeLost: -1, extendedHighestSeq: 0x10005,
      jitter: 0x50, lsr: 0xb7052000, dlsr: 0x54000,
    });
    expect(c.packets[1]).toEqual({ type: 'sdes', chunks: [{ ssrc: 0x11111111, items: [{ type: 1, text: 'ab' }] }] });
    expect(c.packets[2]).toEqual({ type: 'bye', ssrcs: [0x11111111], reason: 'x' });
  });
  it('gives typed errors with offsets', () => {
    expect(decodeRtcpCompound(hex('0001 0000'), 0, 4)).toEqual({ ok: false, code: 'RTCP_NOT_RTCP', offset: 0 });
    expect(decodeRtcpCompound(SR, 0, 20)).toEqual({ ok: false, code: 'RTCP_TRUNCATED', offset: 2 });
  });
  it('SRTCP: keeps the clear first header when the rest is encrypted (RFC 3711 3.4)', () => {
    // RR header + SSRC in clear, encrypted body, E-flag|index, 10-byte tag
    const srtcp = Buffer.concat([hex('81c9 0007 33333333'), Buffer.alloc(24, 0x5a), hex('80000001'), Buffer.alloc(10, 0x77)]);
    const c = decodeRtcpCompound(srtcp, 0, srtcp.length);
    expect(c).toEqual({ ok: true, encrypted: true, packets: [{ type: 'other', packetType: 201, count: 1, ssrc: 0x33333333 }] });
  });
  it('never throws on random or mutated bytes', () => {
    const seed = Buffer.concat([SR, SDES, BYE]);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 80 }),
          fc.array(fc.tuple(fc.nat(seed.length - 1), fc.nat(255)), { maxLength: 4 }).map((muts) => {
            const m = Uint8Array.from(seed);
            for (const [i, v] of muts) m[i] = v;
            return m;
          }),
        ),
        fc.nat(12),
        (bytes, cut) => {
          const end = Math.max(0, bytes.length - cut);
          const r = decodeRtcpCompound(bytes, 0, end);
          if (!r.ok) expect(r.offset).toBeLessThanOrEqual(end);
          else expect(r.packets.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

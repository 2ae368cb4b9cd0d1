import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RTP_BAD_EXTENSION,
  RTP_BAD_PADDING,
  RTP_NOT_RTP,
  RTP_TRUNCATED,
  RtpHeader,
  decodeRtpHeader,
  isMuxedRtcp,
  rtpErrorName,
} from '../../../src/decode/rtp.js';

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/\s+/g, ''), 'hex');
}

describe('decodeRtpHeader (RFC 3550 5.1)', () => {
  it('decodes a hand-built header with marker, CSRC, extension and padding', () => {
    // V=2 P=1 X=1 CC=1 | M=1 PT=8 | seq 0xfffe | ts 0xfffffff0 | ssrc 0xdeadbeef | csrc | ext 0xbede len 1 | 4 payload | 3 padding
    const b = hex('b1 88 fffe fffffff0 deadbeef 01020304 bede0001 aabbccdd 11223344 000003');
    const h = new RtpHeader();
    expect(decodeRtpHeader(b, 0, b.length, h)).toBe(12 + 4 + 8);
    expect(h).toMatchObject({
      version: 2, padding: true, extension: true, csrcCount: 1, marker: true, payloadType: 8,
      sequence: 0xfffe, timestamp: 0xfffffff0, ssrc: 0xdeadbeef, headerLength: 24,
      payloadLength: 4, paddingLength: 3, extensionProfile: 0xbede,
    });
  });
  it('reads only up to end (offset inside a larger buffer)', () => {
    const b = Buffer.concat([hex('ffff'), hex('8000 0001 00000002 00000003'), hex('ffffffff')]);
    const h = new RtpHeader();
    expect(decodeRtpHeader(b, 2, 14, h)).toBe(12);
    expect(h.payloadLength).toBe(0);
    expect(h.ssrc).toBe(3);
  });
  it('keeps not-RTP, truncated and malformed apart', () => {
    const h = new RtpHeader();
    expect(decodeRtpHeader(hex('0001 0000 2112a442'), 0, 8, h)).toBe(RTP_NOT_RTP);
    expect(decodeRtpHeader(hex('8000 0001 0000'), 0, 6, h)).toBe(RTP_TRUNCATED);
    expect(decodeRtpHeader(hex('8100 0001 00000002 00000003'), 0, 12, h)).toBe(RTP_TRUNCATED);
    expect(decodeRtpHeader(hex('9000 0001 00000002 00000003 bede0005'), 0, 16, h)).toBe(RTP_BAD_EXTENSION);
    expect(decodeRtpHeader(hex('a000 0001 00000002 00000003 aa00'), 0, 14, h)).toBe(RTP_BAD_PADDING);
    expect(decodeRtpHeader(hex('a000 0001 00000002 00000003 aa05'), 0, 14, h)).toBe(RTP_BAD_PADDING);
    expect(rtpErrorName(RTP_BAD_PADDING)).toBe('RTP_BAD_PADDING');
  });
  it('recognises rtcp-mux RTCP (RFC 5761 4: second octet 200..204)', () => {
    expect(isMuxedRtcp(hex('80c8 0006'), 0, 4)).toBe(true);
    expect(isMuxedRtcp(hex('80cf 0006'), 0, 4)).toBe(false);
    expect(isMuxedRtcp(hex('8008 0006'), 0, 4)).toBe(false);
  });
  it('never throws and never reports lengths past end (random and mutated bytes)', () => {
    const seed = hex('b1 88 fffe fffffff0 deadbeef 01020304 bede0001 aabbccdd 11223344 000003');
    const h = new RtpHeader();
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc.tuple(fc.nat(seed.length - 1), fc.nat(255)).map(([i, v]) => {
            const m = Uint8Array.from(seed);
            m[i] = v;
            return m;
          }),
        ),
        fc.nat(8),
        (bytes, cut) => {
          const end = Math.max(0, bytes.length - cut);
          const r = decodeRtpHeader(bytes, 0, end, h);
          if (r >= 0) {
            expect(r).toBeLessThanOrEqual(end);
            expect(h.headerLength + h.payloadLength + h.paddingLength).toBe(end);
          } else {
            expect([RTP_NOT_RTP, RTP_TRUNCATED, RTP_BAD_PADDING, RTP_BAD_EXTENSION]).toContain(r);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });
});

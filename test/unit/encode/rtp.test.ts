/** The RTP writer against the RTP decoder: random headers round-trip, and a hand-checked packet byte for byte. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RtpHeader, decodeRtpHeader } from '../../../src/decode/rtp.js';
import { encodeRtpPacket, rtpPacketLength, writeRtpPacket, type RtpPacketSpec } from '../../../src/encode/rtp.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const spec: fc.Arbitrary<RtpPacketSpec> = fc.record({
  marker: fc.boolean(),
  payloadType: fc.integer({ min: 0, max: 127 }),
  sequence: fc.integer({ min: 0, max: 0xffff }),
  timestamp: u32,
  ssrc: u32,
  csrcs: fc.array(u32, { maxLength: 15 }),
  extension: fc.option(fc.record({
    profile: fc.integer({ min: 0, max: 0xffff }),
    data: fc.integer({ min: 0, max: 8 }).chain((w) => fc.uint8Array({ minLength: 4 * w, maxLength: 4 * w })),
  }), { nil: undefined }),
  padding: fc.integer({ min: 0, max: 255 }),
});

describe('encodeRtpPacket', () => {
  it('round-trips random fields through decodeRtpHeader (CSRCs, extension, padding, marker)', () => {
    fc.assert(fc.property(spec, fc.uint8Array({ maxLength: 200 }), (s, payload) => {
      const b = encodeRtpPacket(s, payload);
      expect(b.length).toBe(rtpPacketLength(s, payload.length));
      const h = new RtpHeader();
      const n = decodeRtpHeader(b, 0, b.length, h);
      expect(n).toBeGreaterThan(0);
      expect(h).toMatchObject({
        version: 2, marker: s.marker, payloadType: s.payloadType, sequence: s.sequence, timestamp: s.timestamp, ssrc: s.ssrc,
        csrcCount: s.csrcs!.length, extension: s.extension !== undefined, padding: s.padding! > 0,
        extensionProfile: s.extension?.profile ?? -1, paddingLength: s.padding, payloadLength: payload.length,
      });
      for (let i = 0; i < s.csrcs!.length; i++) expect(b.readUInt32BE(12 + 4 * i)).toBe(s.csrcs![i]);
      expect(b.subarray(n, n + payload.length)).toEqual(Buffer.from(payload));
      if (s.extension !== undefined) expect(b.subarray(n - s.extension.data.length, n)).toEqual(Buffer.from(s.extension.data));
    }), { numRuns: 1000 });
  });

  it('writes RFC 3550 5.1 bytes: V=2, P, X, CC, M, PT, and wraps extended sequence and timestamp', () => {
    const b = encodeRtpPacket({
      marker: true, payloadType: 8, sequence: 65536 + 5, timestamp: 2 ** 32 + 160, ssrc: 0xdeadbeef, csrcs: [0x01020304],
      extension: { profile: 0xbede, data: Uint8Array.of(0x10, 0xaa, 0, 0) }, padding: 4,
    }, Uint8Array.of(0xd5, 0xd5));
    expect(b.toString('hex')).toBe(
      'b1' + '88' + '0005' + '000000a0' + 'deadbeef' + '01020304' + 'bede0001' + '10aa0000' + 'd5d5' + '00000004',
    );
  });

  it('writes into a caller\'s buffer at an offset, and refuses what does not fit or is out of range', () => {
    const buf = Buffer.alloc(40, 0xee);
    const n = writeRtpPacket(buf, 4, { payloadType: 0, sequence: 1, timestamp: 2, ssrc: 3 }, Uint8Array.of(9));
    expect(n).toBe(13);
    expect(buf[3]).toBe(0xee);
    expect(buf[4]).toBe(0x80);
    expect(buf[17]).toBe(0xee);
    expect(() => writeRtpPacket(buf, 30, { payloadType: 0, sequence: 1, timestamp: 2, ssrc: 3 }, Uint8Array.of(9))).toThrow(RangeError);
    expect(() => encodeRtpPacket({ payloadType: 128, sequence: 0, timestamp: 0, ssrc: 0 }, new Uint8Array(0))).toThrow(RangeError);
    expect(() => encodeRtpPacket({ payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0, csrcs: new Array<number>(16).fill(1) }, new Uint8Array(0))).toThrow(RangeError);
    expect(() => encodeRtpPacket({ payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0, extension: { profile: 1, data: new Uint8Array(3) } }, new Uint8Array(0))).toThrow(RangeError);
    expect(() => encodeRtpPacket({ payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0, padding: 256 }, new Uint8Array(0))).toThrow(RangeError);
  });
});

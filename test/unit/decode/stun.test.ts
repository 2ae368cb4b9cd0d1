import { describe, expect, it } from 'vitest';
import { isDtls, isKnownNonRtp, isStun, isTurnChannelData, isZrtp } from '../../../src/decode/stun.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('STUN / TURN / DTLS / ZRTP recognisers (RFC 7983)', () => {
  // RFC 5769 2.1 sample request header: type 0x0001, length 0x0058, cookie, transaction id, then 88 bytes
  const stun = Buffer.concat([hex('0001 0058 2112a442 b7e7a701bc34d686fa87dfae'), Buffer.alloc(0x58)]);
  it('accepts a STUN binding request and rejects a wrong length or cookie', () => {
    expect(isStun(stun, 0, stun.length)).toBe(true);
    expect(isStun(stun, 0, stun.length - 4)).toBe(false);
    const bad = Buffer.from(stun);
    bad[4] = 0x22;
    expect(isStun(bad, 0, bad.length)).toBe(false);
  });
  it('accepts TURN ChannelData 0x4000..0x7fff with a fitting length', () => {
    expect(isTurnChannelData(hex('4001 0004 01020304'), 0, 8)).toBe(true);
    expect(isTurnChannelData(hex('8001 0004 01020304'), 0, 8)).toBe(false);
    expect(isTurnChannelData(hex('4001 0008 01020304'), 0, 8)).toBe(false);
  });
  it('recognises DTLS and ZRTP, and RTP is none of them', () => {
    expect(isDtls(hex('16 fefd 0000 000000000000 0010'), 0, 13)).toBe(true);
    expect(isZrtp(hex('1000 0001 5a525450 00000000'), 0, 12)).toBe(true);
    const rtp = hex('8008 0001 00000002 00000003 d5d5d5d5');
    expect(isKnownNonRtp(rtp, 0, rtp.length)).toBe(false);
    expect(isKnownNonRtp(stun, 0, stun.length)).toBe(true);
  });
});

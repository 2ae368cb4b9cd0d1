import { describe, expect, it } from 'vitest';
import { ntpMiddle32, ntpMiddle32FromEpoch, ntpShortToMs, roundTripMs, NTP_UNIX_OFFSET } from '../../../src/measure/ntp.js';

describe('NTP arithmetic (RFC 3550 4, 6.4.1)', () => {
  it('takes the middle 32 bits', () => {
    expect(ntpMiddle32(0x12345678, 0x9abcdef0)).toBe(0x56789abc);
    expect(ntpMiddle32(0xffffffff, 0xffffffff)).toBe(0xffffffff);
  });
  it('converts capture time to the middle 32 bits', () => {
    // 1970-01-01T00:00:00.5Z -> NTP seconds 2208988800 (0x83AA7E80), fraction 0x8000....
    expect(ntpMiddle32FromEpoch(0, 500_000_000)).toBe(((NTP_UNIX_OFFSET & 0xffff) << 16 | 0x8000) >>> 0);
  });
  it('computes the RFC 3550 6.4.1 example round trip: 6.125 s', () => {
    // A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000 (46853.125 s), DLSR = 0x0005:4000 (5.250 s)
    expect(roundTripMs(0xb7108000, 0xb7052000, 0x00054000)).toBe(6125);
  });
  it('refuses no-SR and negative results, and handles the 2^32 wrap', () => {
    expect(roundTripMs(0xb7108000, 0, 0)).toBe(-1);
    expect(roundTripMs(0x00010000, 0x00008000, 0x00010000)).toBe(-1);
    expect(roundTripMs(0x00008000, 0xffff8000, 0x00008000)).toBe(ntpShortToMs(0x8000));
  });
});

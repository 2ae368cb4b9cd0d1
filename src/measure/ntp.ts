/**
 * NTP timestamp arithmetic for RTCP (RFC 3550 sections 4, 6.4.1). Pure helpers, numbers only.
 */

/** seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch) */
export const NTP_UNIX_OFFSET = 2208988800;

/**
 * RFC 3550 6.4.1: "the middle 32 bits out of 64 in the NTP timestamp": the low 16 bits of the seconds
 * and the high 16 bits of the fraction; unit 1/65536 s. This is what LSR carries.
 */
export function ntpMiddle32(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

/** the middle 32 bits of the NTP time for a capture time (epoch seconds + nanoseconds) */
export function ntpMiddle32FromEpoch(tsSec: number, tsNsec: number): number {
  const ntpSec = tsSec + NTP_UNIX_OFFSET;
  const frac16 = Math.floor((tsNsec * 65536) / 1e9);
  return (((ntpSec & 0xffff) << 16) | (frac16 & 0xffff)) >>> 0;
}

/** a 32-bit value in units of 1/65536 s (LSR, DLSR, middle-32 differences) to milliseconds */
export function ntpShortToMs(units: number): number {
  return (units * 1000) / 65536;
}

/**
 * RFC 3550 6.4.1: round-trip delay = A - LSR - DLSR (modulo 2^32, unit 1/65536 s), where A is the arrival
 * time of the report block (middle 32 bits). Returns ms, or -1 when it cannot be computed: no SR received
 * yet (LSR = 0) or a negative result (clocks or capture point not consistent).
 */
export function roundTripMs(arrivalMiddle32: number, lsr: number, dlsr: number): number {
  if (lsr === 0) return -1;
  const sinceLsr = (arrivalMiddle32 - lsr) >>> 0;
  if (sinceLsr >= 0x80000000 || sinceLsr < dlsr) return -1;
  return ntpShortToMs(sinceLsr - dlsr);
}

/** an NTP 64-bit timestamp (seconds, fraction) to milliseconds since the Unix epoch */
export function ntpToEpochMs(seconds: number, fraction: number): number {
  return (seconds - NTP_UNIX_OFFSET) * 1000 + (fraction / 4294967296) * 1000;
}

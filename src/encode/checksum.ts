/** Internet checksum (RFC 1071): one's-complement sum of 16-bit big-endian words. */
export function onesSum(buf: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  let i = start;
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  return sum;
}

/** fold the carries and complement (RFC 1071 section 4.1) */
export function finishChecksum(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return ~s & 0xffff;
}

export function internetChecksum(buf: Uint8Array, start: number, end: number): number {
  return finishChecksum(onesSum(buf, start, end));
}

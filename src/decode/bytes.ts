/**
 * Big-endian reads for the hot decoders, straight from the bytes: Buffer#readUInt16BE and friends
 * validate their argument and bounds on every call; our decoders check every length before reading,
 * so these do not (the caller guarantees buf[off..off+n) exists).
 */
export function u16be(buf: Uint8Array, off: number): number {
  return (buf[off]! << 8) | buf[off + 1]!;
}

export function u32be(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

/**
 * The extended (64-bit) RTP timestamp as Wireshark's RTP dissector computes it (packet-rtp.c
 * calculate_extended_timestamp): the high bits of the previous value of the SAME CONVERSATION (not the
 * same SSRC) plus the new 32 bits, corrected by +-2^32 when it moved more than 2^31. Conversations start
 * at 2^32 so that early reordering does not go below zero. Values are exact doubles; a negative value
 * stands for tshark's guint64 wrap below zero. The stream statistics use it only modulo 2^32.
 */

const TWO32 = 4294967296;
const HALF = 0x80000000;
/** exact: 2^-32 is a power of two */
const INV_TWO32 = 1 / TWO32;

/** initial value of a conversation's extended timestamp in packet-rtp.c */
export const EXTENDED_TIMESTAMP_START = TWO32;

/** unsigned 64-bit a < b, for exact doubles where negatives stand for values above 2^63 */
function u64Less(a: number, b: number): boolean {
  if (a < 0 !== b < 0) return b < 0;
  return a < b;
}

/** RFC 3550 5.1 timestamps wrap at 2^32; extend `raw` next to the previous extended value */
export function extendTimestamp(previous: number, raw: number): number {
  let ts = Math.floor(previous * INV_TWO32) * TWO32 + raw;
  if (u64Less(ts + HALF, previous)) ts += TWO32;
  else if (u64Less(previous + HALF, ts)) ts -= TWO32;
  return ts;
}

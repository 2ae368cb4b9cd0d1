/**
 * An MPLS label stack (RFC 3032): 4-byte entries up to the one with the bottom-of-stack bit, then the
 * payload, which MPLS does not name: the first nibble tells IPv4 (4) from IPv6 (6); 0 is the
 * pseudowire control word (RFC 4385) of an Ethernet pseudowire (RFC 4448), an Ethernet frame after it.
 *
 * |                Label (20)                 | TC  |S|    TTL (8)    |
 */
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../link/link.js';
import { carried, ETHERTYPE_TEB, TUNNEL_TRUNCATED, TUNNEL_UNSUPPORTED, tunnelError, type TunnelView } from './tunnel-view.js';

/** deeper stacks than this are taken for garbage (real ones have a handful of labels) */
const MAX_LABELS = 16;

/** tv.code after TUNNEL_UNSUPPORTED: the payload's first nibble */
export function decodeMpls(buf: Buffer, off: number, end: number, tv: TunnelView): number {
  let p = off;
  for (let i = 0; ; i++) {
    if (i >= MAX_LABELS) {
      return tunnelError(tv, 'MPLS_STACK_DEPTH', p);
    }
    if (end - p < 4) {
      return TUNNEL_TRUNCATED;
    }
    const bottom = (buf[p + 2]! & 1) !== 0;
    p += 4;
    if (bottom) {
      break;
    }
  }
  if (end - p < 1) {
    return TUNNEL_TRUNCATED;
  }
  const nibble = buf[p]! >> 4;
  if (nibble === 4) {
    return carried(tv, ETHERTYPE_IPV4, p);
  }
  if (nibble === 6) {
    return carried(tv, ETHERTYPE_IPV6, p);
  }
  if (nibble === 0) {
    return end - p < 4 ? TUNNEL_TRUNCATED : carried(tv, ETHERTYPE_TEB, p + 4);
  }
  tv.code = nibble;
  return TUNNEL_UNSUPPORTED;
}

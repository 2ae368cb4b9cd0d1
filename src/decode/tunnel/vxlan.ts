/**
 * VXLAN (RFC 7348) on UDP port 4789: an 8-byte header, then an Ethernet frame.
 *
 * |R|R|R|R|I|R|R|R|            Reserved                           |
 * |                VXLAN Network Identifier (VNI) |   Reserved    |
 *
 * The I flag says the VNI is valid; like Wireshark we decode the inner frame either way.
 */
import { carried, ETHERTYPE_TEB, TUNNEL_TRUNCATED, type TunnelView } from './tunnel-view.js';

export const VXLAN_PORT = 4789;

/** the UDP payload is buf[off..end) */
export function decodeVxlan(_buf: Buffer, off: number, end: number, tv: TunnelView): number {
  if (end - off < 8) {
    return TUNNEL_TRUNCATED;
  }
  return carried(tv, ETHERTYPE_TEB, off + 8);
}

/**
 * ERSPAN (Cisco's encapsulated remote SPAN, draft-foschiano-erspan): a mirrored Ethernet frame inside
 * GRE. Type I: GRE protocol 0x88BE without a sequence number, no ERSPAN header. Type II: 0x88BE with
 * one, an 8-byte header. Type III: 0x22EB, a 12-byte header, plus an 8-byte platform-specific
 * subheader when its O bit is set; its frame type says Ethernet (0) or IP (2).
 *
 * Type II:  |Ver=1| VLAN | COS |En|T| Session ID |  Reserved  | Index |            (8 bytes)
 * Type III: |Ver=2| VLAN | COS |BSO|T| Session ID | Timestamp (32) |
 *           | SGT (16) |P| FT (5) | Hw ID (6) |D|Gra(2)|O|                           (12 bytes)
 */
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../link/link.js';
import { carried, ETHERTYPE_TEB, TUNNEL_TRUNCATED, TUNNEL_UNSUPPORTED, tunnelError, type TunnelView } from './tunnel-view.js';

const FT_ETHERNET = 0;
const FT_IP = 2;

/** GRE protocol 0x88BE: type I (no sequence number in GRE) or type II; the payload is buf[off..end) */
export function decodeErspan2(buf: Buffer, off: number, end: number, greHasSequence: boolean, tv: TunnelView): number {
  if (!greHasSequence) {
    return carried(tv, ETHERTYPE_TEB, off);
  }
  if (end - off < 8) {
    return TUNNEL_TRUNCATED;
  }
  const ver = buf[off]! >> 4;
  if (ver !== 1) {
    return tunnelError(tv, 'ERSPAN_VERSION', off);
  }
  return carried(tv, ETHERTYPE_TEB, off + 8);
}

/** GRE protocol 0x22EB: type III */
export function decodeErspan3(buf: Buffer, off: number, end: number, tv: TunnelView): number {
  if (end - off < 12) {
    return TUNNEL_TRUNCATED;
  }
  const ver = buf[off]! >> 4;
  if (ver !== 2) {
    return tunnelError(tv, 'ERSPAN_VERSION', off);
  }
  const b10 = buf[off + 10]!;
  const b11 = buf[off + 11]!;
  const frameType = (b10 >> 2) & 0x1f;
  let p = off + 12;
  if ((b11 & 1) !== 0) {
    // platform-specific subheader
    if (end - p < 8) {
      return TUNNEL_TRUNCATED;
    }
    p += 8;
  }
  if (frameType === FT_ETHERNET) {
    return carried(tv, ETHERTYPE_TEB, p);
  }
  if (frameType === FT_IP) {
    if (end - p < 1) {
      return TUNNEL_TRUNCATED;
    }
    const v = buf[p]! >> 4;
    return carried(tv, v === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, p);
  }
  tv.code = frameType;
  return TUNNEL_UNSUPPORTED;
}

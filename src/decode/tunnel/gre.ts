/**
 * GRE header decode (RFC 2784, key and sequence number from RFC 2890, the RFC 1701 routing field):
 * the protocol type of the payload (an EtherType: 0x0800 IPv4, 0x86DD IPv6, 0x6558 an Ethernet frame,
 * 0x88BE / 0x22EB ERSPAN, 0x8847 MPLS) and where it starts.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |C|R|K|S|s|Recur|  Flags  | Ver |         Protocol Type         |
 * |      Checksum (optional)      |       Offset (optional)       |   C or R
 * |                         Key (optional)                        |   K
 * |                 Sequence Number (optional)                    |   S
 * |                         Routing (optional)                    |   R: SREs up to a null one
 *
 * Version 1 is PPTP's enhanced GRE (RFC 2637), which carries PPP: answered TUNNEL_UNSUPPORTED.
 */
import { u16be } from '../bytes.js';
import { carried, TUNNEL_TRUNCATED, TUNNEL_UNSUPPORTED, tunnelError, type TunnelView } from './tunnel-view.js';

const C = 0x80;
const R = 0x40;
const K = 0x20;
const S = 0x10;

export class GreView {
  /** whether the header had a sequence number (ERSPAN type I has none, type II has one) */
  hasSequence = false;
}

/** tv.code after TUNNEL_UNSUPPORTED: GRE version 1 (PPTP) */
export const GRE_CODE_PPTP = 1;

/** the GRE packet is buf[off..end) (the IP payload) */
export function decodeGre(buf: Buffer, off: number, end: number, tv: TunnelView, gv: GreView): number {
  if (end - off < 4) {
    return TUNNEL_TRUNCATED;
  }
  const b0 = buf[off]!;
  const version = buf[off + 1]! & 7;
  if (version === 1) {
    tv.code = GRE_CODE_PPTP;
    return TUNNEL_UNSUPPORTED;
  }
  if (version !== 0) {
    return tunnelError(tv, 'GRE_VERSION', off + 1);
  }
  const proto = u16be(buf, off + 2);
  let p = off + 4 + ((b0 & (C | R)) !== 0 ? 4 : 0) + ((b0 & K) !== 0 ? 4 : 0) + ((b0 & S) !== 0 ? 4 : 0);
  if (p > end) {
    return TUNNEL_TRUNCATED;
  }
  if ((b0 & R) !== 0) {
    const q = skipRouting(buf, p, end);
    if (q < 0) {
      return q === -1 ? TUNNEL_TRUNCATED : tunnelError(tv, 'GRE_ROUTING', p);
    }
    p = q;
  }
  gv.hasSequence = (b0 & S) !== 0;
  tv.code = proto;
  return carried(tv, proto, p);
}

/** RFC 1701 source route entries: address family (2), SRE offset (1), SRE length (1), then length bytes; a 0/0 entry ends them */
function skipRouting(buf: Buffer, off: number, end: number): number {
  let p = off;
  for (let i = 0; i < 64; i++) {
    if (end - p < 4) {
      return -1;
    }
    const af = u16be(buf, p);
    const len = buf[p + 3]!;
    p += 4;
    if (af === 0 && len === 0) {
      return p;
    }
    if (end - p < len) {
      return -1;
    }
    p += len;
  }
  return -2;
}

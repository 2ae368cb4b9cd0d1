/**
 * PPPoE session stage (RFC 2516, EtherType 0x8864): a 6-byte header, then a PPP frame whose 2-byte
 * protocol field (RFC 1661) names the payload: 0x0021 IPv4, 0x0057 IPv6; LCP, IPCP and the rest are
 * PPP's own control traffic (answered TUNNEL_UNSUPPORTED with the PPP protocol in tv.code).
 *
 * | VER=1 | TYPE=1 |    CODE=0    |          SESSION_ID           |
 * |            LENGTH             |  PPP protocol  |  payload ...
 */
import { u16be } from '../bytes.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6 } from '../link/link.js';
import { carried, TUNNEL_TRUNCATED, TUNNEL_UNSUPPORTED, tunnelError, type TunnelView } from './tunnel-view.js';

const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

/** the PPPoE packet is buf[off..end) */
export function decodePppoeSession(buf: Buffer, off: number, end: number, tv: TunnelView): number {
  if (end - off < 8) {
    return TUNNEL_TRUNCATED;
  }
  if (buf[off] !== 0x11) {
    return tunnelError(tv, 'PPPOE_VERSION', off);
  }
  const len = u16be(buf, off + 4);
  if (len < 2) {
    return tunnelError(tv, 'PPPOE_LENGTH', off + 4);
  }
  if (end - off - 6 < len) {
    return TUNNEL_TRUNCATED;
  }
  const proto = u16be(buf, off + 6);
  if (proto === PPP_IPV4) {
    return carried(tv, ETHERTYPE_IPV4, off + 8);
  }
  if (proto === PPP_IPV6) {
    return carried(tv, ETHERTYPE_IPV6, off + 8);
  }
  tv.code = proto;
  return TUNNEL_UNSUPPORTED;
}

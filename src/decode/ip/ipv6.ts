/**
 * IPv6 header decode (RFC 8200) and the extension-header chain: hop-by-hop (0), routing (43),
 * destination options (60), authentication header (51, RFC 4302: length in 4-byte units) and the
 * fragment header (44). DSCP and ECN come from the traffic class (RFC 2474 / RFC 3168).
 */
import { IP_OK, IP_TRUNCATED, ipError, type IpView } from './ip-view.js';
import { u16be, u32be } from '../bytes.js';

const NH_HOP_BY_HOP = 0;
const NH_ROUTING = 43;
const NH_FRAGMENT = 44;
const NH_AH = 51;
const NH_DEST_OPTS = 60;

export function decodeIpv6(buf: Buffer, off: number, end: number, v: IpView): number {
  if (end - off < 40) {
    return IP_TRUNCATED;
  }
  const w0 = u32be(buf, off);
  if (w0 >>> 28 !== 6) {
    return ipError(v, 'IPV6_VERSION', off);
  }
  const tc = (w0 >>> 20) & 0xff;
  let plen = u16be(buf, off + 4);
  if (plen === 0) {
    // a jumbogram (RFC 2675) or segmentation offload: use what was captured
    plen = end - off - 40;
  }
  if (end - off - 40 < plen) {
    return IP_TRUNCATED;
  }
  v.version = 6;
  v.dscp = tc >> 2;
  v.ecn = tc & 3;
  v.ttl = buf[off + 7] ?? 0;
  v.srcAt = off + 8;
  v.dstAt = off + 24;
  v.fragment = false;
  v.fragOffset = 0;
  v.moreFragments = false;
  v.fragId = 0;
  v.payloadEnd = off + 40 + plen;
  return walkIpv6Extensions(buf, off + 40, v.payloadEnd, buf[off + 6] ?? 0, v);
}

/**
 * Follow extension headers from `nh` at buf[off..end); stops at the transport header or after a
 * fragment header of a real fragment (what follows is fragmentable payload). Sets v.proto and
 * v.payloadStart; also used on a reassembled payload, whose first bytes may be more headers.
 */
export function walkIpv6Extensions(buf: Buffer, off: number, end: number, nh: number, v: IpView): number {
  let p = off;
  let next = nh;
  for (;;) {
    if (next === NH_HOP_BY_HOP || next === NH_ROUTING || next === NH_DEST_OPTS || next === NH_AH) {
      if (end - p < 8) {
        return end - p < 2 ? IP_TRUNCATED : ipError(v, 'IPV6_EXT_LENGTH', p + 1);
      }
      const len = next === NH_AH ? ((buf[p + 1] ?? 0) + 2) * 4 : ((buf[p + 1] ?? 0) + 1) * 8;
      if (end - p < len) {
        return ipError(v, 'IPV6_EXT_LENGTH', p + 1);
      }
      next = buf[p] ?? 0;
      p += len;
      continue;
    }
    if (next === NH_FRAGMENT) {
      if (end - p < 8) {
        return ipError(v, 'IPV6_FRAGMENT_HEADER', p);
      }
      const offFlags = u16be(buf, p + 2);
      const fragOffset = offFlags & 0xfff8;
      const more = (offFlags & 1) !== 0;
      next = buf[p] ?? 0;
      p += 8;
      if (fragOffset !== 0 || more) {
        v.fragment = true;
        v.fragOffset = fragOffset;
        v.moreFragments = more;
        v.fragId = u32be(buf, p - 4);
        break;
      }
      // an atomic fragment (RFC 6946): a whole datagram, go on with the chain
      continue;
    }
    break;
  }
  v.proto = next;
  v.payloadStart = p;
  return IP_OK;
}

/**
 * IPv4 header decode (RFC 791): every announced length is checked against the bytes present.
 *
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |Version|  IHL  |  DSCP     |ECN|          Total Length         |
 * |         Identification        |Flags|      Fragment Offset    |
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * |                       Source Address                          |
 * |                    Destination Address                        |
 */
import { IP_OK, IP_TRUNCATED, ipError, type IpView } from './ip-view.js';
import { u16be, u32be } from '../bytes.js';

const MF = 0x2000;

export function decodeIpv4(buf: Buffer, off: number, end: number, v: IpView): number {
  if (end - off < 20) {
    return IP_TRUNCATED;
  }
  const b0 = buf[off] ?? 0;
  if (b0 >> 4 !== 4) {
    return ipError(v, 'IPV4_VERSION', off);
  }
  const hlen = (b0 & 0x0f) * 4;
  if (hlen < 20) {
    return ipError(v, 'IPV4_IHL', off);
  }
  let total = u16be(buf, off + 2);
  if (total === 0) {
    // TCP segmentation offload: the NIC fills the length later; use what was captured
    total = end - off;
  }
  if (total < hlen) {
    return ipError(v, 'IPV4_TOTAL_LENGTH', off + 2);
  }
  if (end - off < hlen || end - off < total) {
    return IP_TRUNCATED;
  }
  const tos = buf[off + 1] ?? 0;
  const frag = u16be(buf, off + 6);
  v.version = 4;
  v.dscp = tos >> 2;
  v.ecn = tos & 3;
  v.ttl = buf[off + 8] ?? 0;
  v.proto = buf[off + 9] ?? 0;
  v.src4 = u32be(buf, off + 12);
  v.dst4 = u32be(buf, off + 16);
  v.payloadStart = off + hlen;
  v.payloadEnd = off + total;
  v.fragOffset = (frag & 0x1fff) * 8;
  v.moreFragments = (frag & MF) !== 0;
  v.fragment = v.moreFragments || v.fragOffset !== 0;
  v.fragId = u16be(buf, off + 4);
  return IP_OK;
}

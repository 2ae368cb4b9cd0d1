/**
 * Link-layer decoders: find where the network layer starts and which protocol it is (as an
 * EtherType), for Ethernet II (+ 802.1Q / 802.1ad / QinQ tags), Linux cooked SLL and SLL2, raw IP
 * and BSD null/loopback. Pure and allocation-free: results go into a reused LinkView.
 */
import {
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  LINKTYPE_RAW_BSD12,
  LINKTYPE_RAW_BSD14,
} from '../../capture/link-types.js';
import { u16be, u32be } from '../bytes.js';

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_IPV6 = 0x86dd;
const ETHERTYPE_VLAN = 0x8100;
const ETHERTYPE_QINQ = 0x88a8;
/** pre-standard QinQ outer tag still found in captures */
const ETHERTYPE_QINQ_OLD = 0x9100;

/** decodeLink() answers */
export const LINK_OK = 0;
export const LINK_NOT_IP = 1;
export const LINK_TRUNCATED = 2;
export const LINK_UNSUPPORTED = 3;

export class LinkView {
  /** ETHERTYPE_IPV4 / ETHERTYPE_IPV6 when LINK_OK, else the EtherType (or family) found */
  etherType = 0;
  /** offset of the network header */
  offset = 0;
  /** outermost VLAN id, -1 when untagged */
  vlan = -1;
}

/** BSD AF_INET, and AF_INET6 as FreeBSD (28), Darwin (30) and NetBSD/OpenBSD (24) number it */
const AF_INET = 2;

function familyToEtherType(family: number): number {
  if (family === AF_INET) {
    return ETHERTYPE_IPV4;
  }
  return family === 24 || family === 28 || family === 30 ? ETHERTYPE_IPV6 : 0;
}

/** decode the link header of a frame buf[off..end) captured with linkType */
export function decodeLink(linkType: number, buf: Buffer, off: number, end: number, out: LinkView): number {
  out.vlan = -1;
  out.etherType = 0;
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return decodeEthernet(buf, off, end, out);
    case LINKTYPE_LINUX_SLL:
      // 16-byte header: packet type, ARPHRD type, address length, 8-byte address, protocol
      return end - off < 16 ? LINK_TRUNCATED : walkTags(buf, off + 16, end, u16be(buf, off + 14), out);
    case LINKTYPE_LINUX_SLL2:
      // 20-byte header: protocol first, then reserved, ifindex, ARPHRD, packet type, address
      return end - off < 20 ? LINK_TRUNCATED : walkTags(buf, off + 20, end, u16be(buf, off), out);
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_BSD12:
    case LINKTYPE_RAW_BSD14:
      return decodeRaw(buf, off, end, out);
    case LINKTYPE_IPV4:
      return setIp(out, ETHERTYPE_IPV4, off);
    case LINKTYPE_IPV6:
      return setIp(out, ETHERTYPE_IPV6, off);
    case LINKTYPE_NULL:
      return decodeNull(buf, off, end, out, false);
    case LINKTYPE_LOOP:
      return decodeNull(buf, off, end, out, true);
    default:
      return LINK_UNSUPPORTED;
  }
}

function decodeEthernet(buf: Buffer, off: number, end: number, out: LinkView): number {
  if (end - off < 14) {
    return LINK_TRUNCATED;
  }
  return walkTags(buf, off + 14, end, u16be(buf, off + 12), out);
}

/** follow 802.1Q / 802.1ad tags (any number: QinQ); the outermost VLAN id is kept */
function walkTags(buf: Buffer, off: number, end: number, type: number, out: LinkView): number {
  let t = type;
  let p = off;
  while (t === ETHERTYPE_VLAN || t === ETHERTYPE_QINQ || t === ETHERTYPE_QINQ_OLD) {
    if (end - p < 4) {
      return LINK_TRUNCATED;
    }
    if (out.vlan < 0) {
      out.vlan = u16be(buf, p) & 0x0fff;
    }
    t = u16be(buf, p + 2);
    p += 4;
  }
  out.etherType = t;
  out.offset = p;
  return t === ETHERTYPE_IPV4 || t === ETHERTYPE_IPV6 ? LINK_OK : LINK_NOT_IP;
}

/** raw IP: no link header, the version nibble tells IPv4 from IPv6 */
function decodeRaw(buf: Buffer, off: number, end: number, out: LinkView): number {
  if (end - off < 1) {
    return LINK_TRUNCATED;
  }
  const v = (buf[off] ?? 0) >> 4;
  if (v === 4) {
    return setIp(out, ETHERTYPE_IPV4, off);
  }
  if (v === 6) {
    return setIp(out, ETHERTYPE_IPV6, off);
  }
  out.offset = off;
  return LINK_NOT_IP;
}

/**
 * BSD null: a 4-byte address family in the CAPTURING host's byte order (unknown to us: a value
 * above 0xffff must be the other order); LINKTYPE_LOOP (OpenBSD) always uses network order.
 */
function decodeNull(buf: Buffer, off: number, end: number, out: LinkView, networkOrder: boolean): number {
  if (end - off < 4) {
    return LINK_TRUNCATED;
  }
  let family = networkOrder ? u32be(buf, off) : buf.readUInt32LE(off);
  if (!networkOrder && family > 0xffff) {
    family = u32be(buf, off);
  }
  const et = familyToEtherType(family);
  out.etherType = et === 0 ? family : et;
  out.offset = off + 4;
  return et === 0 ? LINK_NOT_IP : LINK_OK;
}

function setIp(out: LinkView, etherType: number, off: number): number {
  out.etherType = etherType;
  out.offset = off;
  return LINK_OK;
}

/**
 * UDP header decode (RFC 768): ports and the payload bounds, the length field checked against the
 * IP payload. Fills the reused PacketInfo; answers with one of the TRANSPORT_* codes.
 */
import type { PacketInfo } from '../packet-info.js';
import { u16be } from '../bytes.js';

export const TRANSPORT_OK = 0;
export const TRANSPORT_TRUNCATED = 1;
export const TRANSPORT_MALFORMED = 2;

/** the IP payload is buf[off..end); TRANSPORT_MALFORMED: the length field (off + 4) is impossible */
export function decodeUdp(buf: Buffer, off: number, end: number, out: PacketInfo): number {
  if (end - off < 8) {
    return TRANSPORT_TRUNCATED;
  }
  let len = u16be(buf, off + 4);
  if (len === 0) {
    // only legal in IPv6 jumbograms (RFC 2675): the IP payload length rules
    len = end - off;
  }
  if (len < 8) {
    return TRANSPORT_MALFORMED;
  }
  if (len > end - off) {
    // longer than the IP payload: Wireshark flags "bad length"; we keep what is there
    return TRANSPORT_MALFORMED;
  }
  out.srcPort = u16be(buf, off);
  out.dstPort = u16be(buf, off + 2);
  out.payloadStart = off + 8;
  out.payloadEnd = off + len;
  return TRANSPORT_OK;
}

/**
 * What the IPv4 / IPv6 header decoders leave for the frame decoder (one reused instance, numbers
 * only). Addresses stay in the buffer: IPv4 ones are read as uint32 here, IPv6 ones are offsets
 * for the AddressTable to intern.
 */
export class IpView {
  version: 4 | 6 = 4;
  src4 = 0;
  dst4 = 0;
  /** offsets of the 16-byte IPv6 source and destination addresses */
  srcAt = 0;
  dstAt = 0;
  dscp = 0;
  ecn = 0;
  ttl = 0;
  /** transport protocol (IPv6: the last next-header value) */
  proto = 0;
  /** IP payload buf[payloadStart..payloadEnd): link padding after the datagram excluded */
  payloadStart = 0;
  payloadEnd = 0;
  /** true for a real fragment (not an IPv6 atomic fragment, RFC 6946) */
  fragment = false;
  /** fragment offset in bytes, more-fragments flag, identification */
  fragOffset = 0;
  moreFragments = false;
  fragId = 0;
  /** set when a decoder answers IP_MALFORMED */
  errCode = '';
  errOffset = 0;
}

/** decoder answers */
export const IP_OK = 0;
/** the captured bytes end inside the header or datagram (snap length, or a short frame) */
export const IP_TRUNCATED = 1;
export const IP_MALFORMED = 2;

export function ipError(v: IpView, code: string, offset: number): number {
  v.errCode = code;
  v.errOffset = offset;
  return IP_MALFORMED;
}

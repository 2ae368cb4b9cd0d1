/**
 * LINKTYPE_* numbers (https://www.tcpdump.org/linktypes.html) that voipready decodes, and their
 * names for reports. The pcap header's link type field carries FCS flags in its top bits
 * (LINKTYPE_FCS_*); linkTypeOf() keeps the 16-bit link type proper.
 */
export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
/** DLT_RAW as OpenBSD/BSD/OS wrote it in some old pcap files */
export const LINKTYPE_RAW_BSD12 = 12;
export const LINKTYPE_RAW_BSD14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

const NAMES = new Map<number, string>([
  [LINKTYPE_NULL, 'BSD loopback'],
  [LINKTYPE_ETHERNET, 'Ethernet'],
  [LINKTYPE_RAW_BSD12, 'Raw IP (DLT 12)'],
  [LINKTYPE_RAW_BSD14, 'Raw IP (DLT 14)'],
  [LINKTYPE_RAW, 'Raw IP'],
  [LINKTYPE_LOOP, 'OpenBSD loopback'],
  [LINKTYPE_LINUX_SLL, 'Linux cooked (SLL)'],
  [LINKTYPE_IPV4, 'Raw IPv4'],
  [LINKTYPE_IPV6, 'Raw IPv6'],
  [LINKTYPE_LINUX_SLL2, 'Linux cooked v2 (SLL2)'],
]);

/** human name of a link type; unknown ones read "LINKTYPE 147" */
export function linkTypeName(n: number): string {
  return NAMES.get(n) ?? `LINKTYPE ${n}`;
}

/** the link type proper from a pcap header field (bits 16..31 hold FCS length flags) */
export function linkTypeOf(field: number): number {
  return field & 0xffff;
}

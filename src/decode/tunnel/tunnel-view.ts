/**
 * What one tunnel or shim decoder leaves for the frame decoder (one reused instance, numbers only):
 * the protocol of what it carries, as an EtherType, and where that starts. An inner Ethernet frame
 * is ETHERTYPE_TEB (0x6558, "transparent Ethernet bridging", the GRE protocol type for it), so every
 * layer speaks the same language: GRE, ERSPAN, VXLAN, MPLS and PPPoE all answer "EtherType X at
 * offset Y", and the frame decoder loops until it reaches IP (or something it names as undecoded).
 */
export class TunnelView {
  /** the carried protocol as an EtherType (ETHERTYPE_TEB: an Ethernet frame) */
  etherType = 0;
  /** where the carried protocol starts */
  offset = 0;
  /** the carried protocol's code when it has no EtherType (PPP protocol, GRE protocol type...) */
  code = 0;
  /** set when a decoder answers TUNNEL_MALFORMED: a stable code and the byte offset */
  errCode = '';
  errOffset = 0;
}

/** an Ethernet frame inside (GRE protocol type 0x6558; ERSPAN, VXLAN and Ethernet pseudowires carry one too) */
export const ETHERTYPE_TEB = 0x6558;
export const ETHERTYPE_MPLS = 0x8847;
export const ETHERTYPE_MPLS_MULTICAST = 0x8848;
export const ETHERTYPE_PPPOE_SESSION = 0x8864;
export const ETHERTYPE_ERSPAN_2 = 0x88be;
export const ETHERTYPE_ERSPAN_3 = 0x22eb;

/** decoder answers */
export const TUNNEL_OK = 0;
/** the captured bytes end inside the tunnel header */
export const TUNNEL_TRUNCATED = 1;
export const TUNNEL_MALFORMED = 2;
/** a well-formed header carrying something we do not decode (tv.code says what) */
export const TUNNEL_UNSUPPORTED = 3;

export function tunnelError(v: TunnelView, code: string, offset: number): number {
  v.errCode = code;
  v.errOffset = offset;
  return TUNNEL_MALFORMED;
}

export function carried(v: TunnelView, etherType: number, offset: number): number {
  v.etherType = etherType;
  v.offset = offset;
  return TUNNEL_OK;
}

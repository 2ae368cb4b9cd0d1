/**
 * The decoded view of one frame, filled in place by the link, IP and transport decoders.
 * One instance is reused for every packet: numbers only on the hot path, no strings built.
 *
 * Addresses are numeric keys: an IPv4 address is its uint32 value; an IPv6 address is
 * 2^32 + an index into an AddressTable (src/decode/ip/address-table.ts), which turns keys back
 * into text only when a new flow needs a name. An endpoint key is addrKey * 65536 + port (< 2^53).
 */
export class PacketInfo {
  /** frame number (1-based) */
  num = 0;
  tsSec = 0;
  tsNsec = 0;
  /** frame length on the wire */
  frameLen = 0;
  linkType = 0;
  /** 0 when the frame carries no IP */
  ipVersion: 0 | 4 | 6 = 0;
  srcAddr = 0;
  dstAddr = 0;
  /** DSCP (6 bits) and ECN (2 bits) of the innermost IP header; dscp -1: unknown (datagram sources) */
  dscp = 0;
  ecn = 0;
  ttl = 0;
  /** IP protocol / IPv6 next header of the transport: 17 UDP, 6 TCP, 0 none */
  proto = 0;
  srcPort = 0;
  dstPort = 0;
  /** 802.1Q VLAN id of the outermost tag, -1 when untagged */
  vlan = -1;
  /** transport payload: buf[payloadStart..payloadEnd) (a view, valid during the callback only) */
  buf: Buffer = EMPTY;
  payloadStart = 0;
  payloadEnd = 0;
  /** TCP only */
  tcpSeq = 0;
  tcpAck = 0;
  tcpFlags = 0;
  /** true when the IP datagram was rebuilt from fragments (buf is then a reassembly buffer) */
  reassembled = false;
  /** tunnel layers removed to reach this packet (GRE, ERSPAN, VXLAN, MPLS, PPPoE...); 0 for a plain frame */
  encapsulation = 0;
  /** where the packet came from: "capture" for frames, the datagram source's label otherwise */
  source = 'capture';

  get payloadLength(): number {
    return this.payloadEnd - this.payloadStart;
  }

  reset(): void {
    this.ipVersion = 0;
    this.proto = 0;
    this.srcPort = 0;
    this.dstPort = 0;
    this.vlan = -1;
    this.dscp = 0;
    this.ecn = 0;
    this.payloadStart = 0;
    this.payloadEnd = 0;
    this.reassembled = false;
    this.encapsulation = 0;
  }
}

const EMPTY = Buffer.alloc(0);

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_IPIP = 4;
export const IPPROTO_IPV6_IN_IP = 41;
export const IPPROTO_GRE = 47;

/** endpoint key = addrKey * 65536 + port: a single exact double, usable as a Map key */
export function endpointKey(addrKey: number, port: number): number {
  return addrKey * 65536 + port;
}

/**
 * The pipeline's second entry: a datagram with its addresses, as a proxy socket, a HEP packet or a
 * probe gives it (a payload plus a 5-tuple, a time and, where known, the DSCP), not a link-layer
 * frame. DatagramDecoder fills the same PacketInfo the frame decoder fills, so SIP, RTP and RTCP take
 * exactly the paths frames take.
 */
import type { AddressTable } from '../decode/ip/address-table.js';
import { IPPROTO_TCP, IPPROTO_UDP, type PacketInfo } from '../decode/packet-info.js';
import { addressKeyOfText } from './address-text.js';

export interface Datagram {
  /** source and destination address as text ("192.0.2.7", "2001:db8::1"; brackets allowed) */
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  /** udp: one datagram; tcp/tls: the next bytes of that direction's stream (framed like captured TCP) */
  transport: 'udp' | 'tcp' | 'tls';
  /** receive (or capture) time: seconds since the epoch and nanoseconds within the second */
  tsSec: number;
  tsNsec: number;
  /** DSCP of the IP header as received; null when the source cannot tell */
  dscp: number | null;
  /** the transport payload: SIP, RTP or RTCP (read during the push only, never kept) */
  payload: Buffer;
  /** who delivered it, e.g. "proxy:a-leg", "hep:agent-7" (PacketMeta.source of the events) */
  source: string;
  /** length on the wire for link utilisation; default payload + IP + UDP/TCP header */
  wireBytes?: number;
}

/** address texts remembered (datagrams of one flow repeat their addresses); cleared when full */
const MAX_CACHED_ADDRESSES = 4096;

export class DatagramDecoder {
  private readonly keys = new Map<string, number>();

  constructor(private readonly addresses: AddressTable) {}

  /** fill p from d with packet number num; false when an address is not an IP address */
  decode(d: Datagram, num: number, p: PacketInfo): boolean {
    const src = this.keyOf(d.src);
    const dst = this.keyOf(d.dst);
    if (src === null || dst === null) return false;
    p.reset();
    p.num = num;
    p.tsSec = d.tsSec;
    p.tsNsec = d.tsNsec;
    p.ipVersion = isIPv4Key(src) ? 4 : 6;
    p.frameLen = wireBytesOf(d, p.ipVersion);
    p.linkType = -1;
    p.srcAddr = src;
    p.dstAddr = dst;
    p.dscp = d.dscp === null ? -1 : d.dscp & 63;
    p.proto = d.transport === 'udp' ? IPPROTO_UDP : IPPROTO_TCP;
    p.srcPort = d.srcPort;
    p.dstPort = d.dstPort;
    p.buf = d.payload;
    p.payloadStart = 0;
    p.payloadEnd = d.payload.length;
    p.source = d.source;
    return true;
  }

  private keyOf(text: string): number | null {
    let k = this.keys.get(text);
    if (k !== undefined) return k;
    const key = addressKeyOfText(this.addresses, text);
    if (key === null) return null;
    if (this.keys.size >= MAX_CACHED_ADDRESSES) this.keys.clear();
    k = key;
    this.keys.set(text, k);
    return k;
  }
}

/** IPv4 keys are the address itself (below 2^32); IPv6 keys are 2^32 + an index (AddressTable) */
function isIPv4Key(key: number): boolean {
  return key < 4294967296;
}

function wireBytesOf(d: Datagram, ipVersion: 4 | 6 | 0): number {
  if (d.wireBytes !== undefined) return d.wireBytes;
  return d.payload.length + (ipVersion === 6 ? 40 : 20) + (d.transport === 'udp' ? 8 : 20);
}

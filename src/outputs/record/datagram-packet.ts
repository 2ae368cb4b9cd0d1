/**
 * A datagram of the pipeline's datagram entry (the proxy's sockets, HEP) as the IP packet that
 * carried it, for the recorder's LINKTYPE_RAW interfaces: addresses from their text (a bounded
 * cache: one flow repeats its addresses), DSCP in the TOS byte, the real length in the headers
 * even when the payload is a prefix (the loop relay's records), and for SIP over TCP (or TLS, whose
 * plaintext the source hands over) a TCP header whose sequence numbers advance per direction, so
 * tshark reassembles the stream as if captured.
 */
import { addressBytes, IPPROTO_TCP, IPPROTO_UDP, ipHeaderBytes, type IpPacketSpec } from '../../encode/ip-packet.js';
import type { Datagram } from '../../pipeline/datagram.js';

const MAX_ADDRESSES = 4096;
const MAX_TCP_FLOWS = 4096;
/** a TCP datagram larger than this is written as several segments (IPv4 total length is 16 bits) */
export const MAX_SEGMENT = 32768;
const V4_MAPPED = Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

export class DatagramPackets {
  private readonly addresses = new Map<string, Uint8Array | null>();
  /** next sequence number per TCP direction ("src sport dst dport") */
  private readonly tcpNext = new Map<string, number>();
  private ipId = 0;

  /**
   * The headers of `d` as an IpPacketSpec (payloadLength: the real payload length), or null when
   * an address is not IP. For TCP, call `advance(spec, n)` after writing each segment of n bytes.
   */
  spec(d: Datagram, payloadLength: number): IpPacketSpec | null {
    let src = this.bytesOf(d.src);
    let dst = this.bytesOf(d.dst);
    if (src === null || dst === null) return null;
    if (src.length !== dst.length) {
      // one side written as IPv4, the other as IPv6 (a dual-stack socket): both as IPv6
      src = mapped(src);
      dst = mapped(dst);
    }
    const tcp = d.transport !== 'udp';
    const spec: IpPacketSpec = {
      src, dst, srcPort: d.srcPort, dstPort: d.dstPort, proto: tcp ? IPPROTO_TCP : IPPROTO_UDP,
      dscp: d.dscp ?? 0, id: (this.ipId = (this.ipId + 1) & 0xffff), payloadLength,
    };
    if (tcp) {
      spec.seq = this.tcpNext.get(flowKey(d.src, d.srcPort, d.dst, d.dstPort)) ?? 1;
      spec.ack = this.tcpNext.get(flowKey(d.dst, d.dstPort, d.src, d.srcPort)) ?? 0;
    }
    return spec;
  }

  /** the TCP direction of d moved on by n bytes */
  advance(d: Datagram, spec: IpPacketSpec, n: number): void {
    if (this.tcpNext.size >= MAX_TCP_FLOWS) this.tcpNext.clear();
    const next = ((spec.seq ?? 1) + n) >>> 0;
    spec.seq = next;
    this.tcpNext.set(flowKey(d.src, d.srcPort, d.dst, d.dstPort), next);
  }

  /** the real payload length of d: from its wireBytes when the payload is a prefix */
  static payloadLengthOf(d: Datagram): number {
    if (d.wireBytes === undefined) return d.payload.length;
    const headers = ipHeaderBytes(d.src.includes(':') ? 6 : 4) + (d.transport === 'udp' ? 8 : 20);
    return Math.max(d.payload.length, d.wireBytes - headers);
  }

  private bytesOf(text: string): Uint8Array | null {
    let b = this.addresses.get(text);
    if (b === undefined) {
      if (this.addresses.size >= MAX_ADDRESSES) this.addresses.clear();
      b = addressBytes(text);
      this.addresses.set(text, b);
    }
    return b;
  }
}

function flowKey(src: string, sport: number, dst: string, dport: number): string {
  return `${src} ${sport} ${dst} ${dport}`;
}

function mapped(a: Uint8Array): Uint8Array {
  if (a.length === 16) return a;
  const out = new Uint8Array(16);
  out.set(V4_MAPPED);
  out.set(a, 12);
  return out;
}

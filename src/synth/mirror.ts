/**
 * Mirrored traffic: every frame of the scenario, as a SPAN/ERSPAN/cloud mirror delivers it to a
 * collector, wrapped in an outer Ethernet + IPv4 (mirror source 192.0.2.1 -> collector 192.0.2.2)
 * and GRE (0x6558 transparent Ethernet bridging, with key and sequence number), ERSPAN type II
 * (GRE 0x88BE with a sequence number and the 8-byte header), ERSPAN type III (GRE 0x22EB) or VXLAN
 * (UDP 4789, VNI). A provider link instead carries the IP packet under an MPLS label stack (two labels)
 * or in a PPPoE session: then the frame's Ethernet header (and VLAN tags) is replaced. The IP packet
 * is unchanged either way, so the truth (addresses, ports, DSCP, timing) is the inner one.
 */
import { erspan2Header, erspan3Header, greHeader, mplsStack, pppoeSessionHeader, vxlanHeader } from '../encode/encapsulate.js';
import { ipv4Header, linkHeader, parseAddress, udpDatagram, type IpSpec, type LinkSpec } from './frames.js';

export type MirrorKind = 'none' | 'gre' | 'erspan2' | 'erspan3' | 'vxlan' | 'mpls' | 'pppoe';

export interface MirrorSpec {
  kind: MirrorKind;
  /** ERSPAN session id, GRE key, VXLAN VNI */
  session: number;
}

export const DEFAULT_MIRROR: MirrorSpec = { kind: 'none', session: 100 };

const IPPROTO_GRE = 47;
const IPPROTO_UDP = 17;

export class Mirror {
  private sequence = 0;
  private ipId = 1;
  private readonly link: LinkSpec = {
    type: 'ethernet', vlans: [], srcMac: Uint8Array.from([0x02, 0, 0, 0, 0xee, 1]), dstMac: Uint8Array.from([0x02, 0, 0, 0, 0xee, 2]),
  };
  private readonly src = parseAddress('192.0.2.1');
  private readonly dst = parseAddress('192.0.2.2');

  constructor(private readonly spec: MirrorSpec) {}

  /** the Ethernet frame as the collector captures it */
  wrap(frame: Buffer): Buffer {
    const ip: IpSpec = { version: 4, src: this.src, dst: this.dst, dscp: 0, ttl: 64, id: this.ipId++ & 0xffff };
    const seq = this.sequence++;
    switch (this.spec.kind) {
      case 'gre':
        return this.outer(ip, IPPROTO_GRE, Buffer.concat([greHeader(0x6558, { key: this.spec.session, sequence: seq }), frame]));
      case 'erspan2':
        return this.outer(ip, IPPROTO_GRE, Buffer.concat([greHeader(0x88be, { sequence: seq }), erspan2Header(this.spec.session & 0x3ff, seq & 0xfffff), frame]));
      case 'erspan3':
        return this.outer(ip, IPPROTO_GRE, Buffer.concat([greHeader(0x22eb, { sequence: seq }), erspan3Header(this.spec.session & 0x3ff, seq), frame]));
      case 'mpls':
        return this.relink(frame, 0x8847, (ipPacket) => Buffer.concat([mplsStack([16 + (this.spec.session & 0xfff), 100]), ipPacket]));
      case 'pppoe':
        return this.relink(frame, 0x8864, (ipPacket) => Buffer.concat([pppoeSessionHeader(this.spec.session & 0xffff, ipPacket[0]! >> 4 === 6 ? 0x0057 : 0x0021, ipPacket.length), ipPacket]));
      case 'vxlan':
        // the source port is a hash of the inner flow (RFC 7348 5); a fixed one is as valid
        return this.outer(ip, IPPROTO_UDP, udpDatagram(ip, 49152 + (this.spec.session & 0x3fff), 4789, Buffer.concat([vxlanHeader(this.spec.session), frame]), false));
      default:
        return frame;
    }
  }

  /** the frame's IP packet (after its Ethernet header and VLAN tags) under a new Ethernet header of etherType */
  private relink(frame: Buffer, etherType: number, wrap: (ipPacket: Buffer) => Buffer): Buffer {
    let off = 12;
    while (frame.readUInt16BE(off) === 0x8100 || frame.readUInt16BE(off) === 0x88a8) off += 4;
    const payload = wrap(frame.subarray(off + 2));
    return Buffer.concat([linkHeader(this.link, etherType), payload]);
  }

  private outer(ip: IpSpec, proto: number, payload: Buffer): Buffer {
    return Buffer.concat([linkHeader(this.link, 0x0800), ipv4Header(ip, proto, payload.length), payload]);
  }
}

/**
 * Mirrored traffic: every frame of the scenario, as a SPAN/ERSPAN/cloud mirror delivers it to a
 * collector, wrapped in an outer Ethernet + IPv4 (mirror source 192.0.2.1 -> collector 192.0.2.2)
 * and GRE (0x6558 transparent Ethernet bridging, with key and sequence number), ERSPAN type II
 * (GRE 0x88BE with a sequence number and the 8-byte header) or VXLAN (UDP 4789, VNI). The inner
 * frame is unchanged, so the truth (addresses, ports, DSCP, timing) is the inner one.
 */
import { erspan2Header, greHeader, vxlanHeader } from '../encode/encapsulate.js';
import { ipv4Header, linkHeader, parseAddress, udpDatagram, type IpSpec, type LinkSpec } from './frames.js';

export type MirrorKind = 'none' | 'gre' | 'erspan2' | 'vxlan';

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
      case 'vxlan':
        // the source port is a hash of the inner flow (RFC 7348 5); a fixed one is as valid
        return this.outer(ip, IPPROTO_UDP, udpDatagram(ip, 49152 + (this.spec.session & 0x3fff), 4789, Buffer.concat([vxlanHeader(this.spec.session), frame]), false));
      default:
        return frame;
    }
  }

  private outer(ip: IpSpec, proto: number, payload: Buffer): Buffer {
    return Buffer.concat([linkHeader(this.link, 0x0800), ipv4Header(ip, proto, payload.length), payload]);
  }
}

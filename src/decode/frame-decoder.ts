/**
 * One captured frame -> PacketInfo: link, IP (with fragment reassembly) and UDP/TCP headers, in
 * place and with numbers only (the hot path of every RTP packet). Mirrored traffic is unwrapped on
 * the way (GRE, ERSPAN I/II/III, VXLAN, IP in IP, MPLS, PPPoE; at most MAX_NESTING deep): PacketInfo
 * then describes the innermost IP packet, and `encapsulation` says how many layers were removed. A
 * plain Ethernet/IP frame pays one port comparison for this (VXLAN's UDP port).
 * What is not decoded (ARP, ESP, an unknown tunnel payload...) is named in undecodedKind/Code. The answer keeps apart what is
 * not IP, what the snap length cut (truncated: not the sender's fault) and what is malformed
 * (lastError says which rule broke, at which byte offset of the frame).
 */
import type { CaptureRecord } from '../capture/record.js';
import { IpFragmentReassembler } from '../reassembly/ip-fragments.js';
import type { AddressTable } from './ip/address-table.js';
import { IP_MALFORMED, IP_OK, IpView } from './ip/ip-view.js';
import { decodeIpv4 } from './ip/ipv4.js';
import { decodeIpv6, walkIpv6Extensions } from './ip/ipv6.js';
import { decodeLink, ETHERTYPE_IPV4, ETHERTYPE_IPV6, LINK_NOT_IP, LINK_OK, LINK_TRUNCATED, LinkView } from './link/link.js';
import { IPPROTO_GRE, IPPROTO_IPIP, IPPROTO_IPV6_IN_IP, IPPROTO_TCP, IPPROTO_UDP, type PacketInfo } from './packet-info.js';
import { LINKTYPE_ETHERNET, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 } from '../capture/link-types.js';
import { U_ERSPAN_FRAME, U_ETHERTYPE, U_INNER_ETHERTYPE, U_LINKTYPE, U_MPLS_PAYLOAD, U_NOT_IP_ON_LINK, U_PPP, U_PPTP } from './protocol-names.js';
import { decodeErspan2, decodeErspan3 } from './tunnel/erspan.js';
import { decodeGre, GreView } from './tunnel/gre.js';
import { decodeMpls } from './tunnel/mpls.js';
import { decodePppoeSession } from './tunnel/pppoe.js';
import {
  ETHERTYPE_ERSPAN_2, ETHERTYPE_ERSPAN_3, ETHERTYPE_MPLS, ETHERTYPE_MPLS_MULTICAST, ETHERTYPE_PPPOE_SESSION, ETHERTYPE_TEB,
  TUNNEL_OK, TUNNEL_TRUNCATED, TUNNEL_UNSUPPORTED, TunnelView,
} from './tunnel/tunnel-view.js';
import { decodeVxlan, VXLAN_PORT } from './tunnel/vxlan.js';
import { decodeTcp } from './transport/tcp.js';
import { decodeUdp, TRANSPORT_MALFORMED, TRANSPORT_OK } from './transport/udp.js';

export type DecodeStatus = 'ok' | 'not-ip' | 'fragment-pending' | 'unsupported-link' | 'truncated' | 'malformed';

export interface DecodeErrorInfo {
  /** stable code, e.g. IPV4_IHL, UDP_LENGTH */
  code: string;
  /** byte offset in the frame (or in the reassembled datagram when reassembled) */
  offset: number;
  message: string;
}

export interface FrameDecoderOptions {
  maxFragmentBytes?: number;
  /** at most this many datagrams of maxFragmentBytes in progress at once (sets the total bound) */
  maxFragmentDatagrams?: number;
  fragmentTimeoutSec?: number;
}

/** tunnels inside tunnels beyond this are reported malformed: real mirrors nest two or three, garbage may loop */
const MAX_NESTING = 8;

const MESSAGES: Record<string, string> = {
  IPV4_VERSION: 'IPv4 header version is not 4',
  IPV4_IHL: 'IPv4 header length below 20 bytes',
  IPV4_TOTAL_LENGTH: 'IPv4 total length below the header length',
  IPV6_VERSION: 'IPv6 header version is not 6',
  IPV6_EXT_LENGTH: 'IPv6 extension header runs past the payload',
  IPV6_FRAGMENT_HEADER: 'IPv6 fragment header runs past the payload',
  UDP_LENGTH: 'UDP length field below 8 or beyond the IP payload',
  TCP_DATA_OFFSET: 'TCP data offset below 20 bytes or beyond the IP payload',
  GRE_VERSION: 'GRE version is neither 0 nor 1',
  GRE_ROUTING: 'GRE routing field has more than 64 source route entries',
  ERSPAN_VERSION: 'ERSPAN header version does not match its GRE protocol type',
  MPLS_STACK_DEPTH: 'MPLS label stack deeper than 16 labels',
  PPPOE_VERSION: 'PPPoE version/type is not 1/1',
  PPPOE_LENGTH: 'PPPoE payload length below 2 bytes',
  ENCAP_DEPTH: `tunnels nested deeper than ${MAX_NESTING}`,
};

export class FrameDecoder {
  private readonly addresses: AddressTable;
  private readonly link = new LinkView();
  private readonly ip = new IpView();
  readonly fragments: IpFragmentReassembler;
  /** set when decode() answers 'malformed' or 'truncated' */
  lastError: DecodeErrorInfo = { code: '', offset: 0, message: '' };
  /** where the frame (or the reassembled datagram) starts in the buffer being decoded */
  private base = 0;
  /** the frame was cut by the snap length (running out of bytes is then not the sender's fault) */
  private snapped = false;
  private readonly innerLink = new LinkView();
  private readonly tv = new TunnelView();
  private readonly greView = new GreView();
  /** fragments that went into reassembled datagrams */
  private fragmentsUsed = 0;
  /** after 'not-ip' or 'unsupported-link': what was not decoded (protocol-names.ts U_* kinds) and its number */
  undecodedKind = 0;
  undecodedCode = 0;

  constructor(addresses: AddressTable, opts: FrameDecoderOptions = {}) {
    this.addresses = addresses;
    const per = opts.maxFragmentBytes ?? 65535;
    this.fragments = new IpFragmentReassembler({
      maxDatagramBytes: per,
      maxTotalBytes: per * (opts.maxFragmentDatagrams ?? 64),
      timeoutSec: opts.fragmentTimeoutSec ?? 30,
    });
  }

  /** decode a record: from its reader's chunk (buf, dataOffset) when it has one, else from rec.data */
  decode(rec: CaptureRecord, out: PacketInfo): DecodeStatus {
    const buf = rec.buf;
    if (buf !== undefined) {
      const start = rec.dataOffset ?? 0;
      return this.decodeFrame(rec, buf, start, start + rec.capLen, out);
    }
    const data = rec.data;
    return this.decodeFrame(rec, data, 0, data.length, out);
  }

  /** the frame is buf[start..end); offsets in lastError stay relative to the frame start */
  decodeFrame(rec: CaptureRecord, data: Buffer, start: number, end: number, out: PacketInfo): DecodeStatus {
    out.reset();
    out.num = rec.num;
    out.tsSec = rec.tsSec;
    out.tsNsec = rec.tsNsec;
    out.frameLen = rec.origLen;
    out.linkType = rec.linkType;
    this.base = start;
    this.snapped = rec.capLen < rec.origLen;
    const lk = this.link;
    const ls = decodeLink(rec.linkType, data, start, end, lk);
    out.vlan = lk.vlan;
    if (ls === LINK_OK) {
      return this.network(data, lk.etherType, lk.offset, end, out, 0);
    }
    if (ls === LINK_NOT_IP) {
      // only Ethernet and Linux cooked headers name an EtherType; raw IP and BSD loopback say "not IP" only
      return hasEtherType(rec.linkType) ? this.carried(data, lk.etherType, lk.offset, end, out, 0) : this.undecoded(U_NOT_IP_ON_LINK, rec.linkType, 'not-ip');
    }
    if (ls === LINK_TRUNCATED) {
      return this.short('LINK_HEADER', start, 'frame shorter than its link header');
    }
    return this.undecoded(U_LINKTYPE, rec.linkType, 'unsupported-link');
  }

  /** the IP datagram at data[off..end), `depth` tunnels deep (0: the frame's own IP header, the hot path) */
  private network(data: Buffer, etherType: number, off: number, end: number, out: PacketInfo, depth: number): DecodeStatus {
    const ip = this.ip;
    const is4 = etherType === ETHERTYPE_IPV4;
    const st = is4 ? decodeIpv4(data, off, end, ip) : decodeIpv6(data, off, end, ip);
    if (st !== IP_OK) {
      return st === IP_MALFORMED ? this.malformed(ip.errCode, ip.errOffset) : this.short(is4 ? 'IPV4_LENGTH' : 'IPV6_LENGTH', off, 'frame ends inside the IP datagram');
    }
    out.ipVersion = is4 ? 4 : 6;
    out.srcAddr = is4 ? ip.src4 : this.addresses.keyOf6(data, ip.srcAt);
    out.dstAddr = is4 ? ip.dst4 : this.addresses.keyOf6(data, ip.dstAt);
    out.dscp = ip.dscp;
    out.ecn = ip.ecn;
    out.ttl = ip.ttl;
    out.proto = ip.proto;
    if (ip.fragment) {
      return this.fragment(data, out, depth);
    }
    return this.ipPayload(data, ip.payloadStart, ip.payloadEnd, out, depth);
  }

  /** store a fragment; when it completes the datagram, go on from the rebuilt bytes */
  private fragment(data: Buffer, out: PacketInfo, depth: number): DecodeStatus {
    const ip = this.ip;
    const f = this.fragments;
    const whole = f.push(out.ipVersion, out.srcAddr, out.dstAddr, ip.fragId, ip.proto, ip.fragOffset, ip.moreFragments,
      data, ip.payloadStart, ip.payloadEnd, out.tsSec, ip.dscp, ip.ecn, ip.ttl);
    if (whole === null) {
      return 'fragment-pending';
    }
    this.fragmentsUsed += f.lastFragments;
    out.reassembled = true;
    this.base = 0;
    this.snapped = false;
    out.dscp = f.dscp;
    out.ecn = f.ecn;
    out.ttl = f.ttl;
    let start = 0;
    if (out.ipVersion === 6) {
      // the fragmentable part may begin with more extension headers (e.g. destination options)
      ip.payloadEnd = whole.length;
      if (walkIpv6Extensions(whole, 0, whole.length, ip.proto, ip) !== IP_OK) {
        return this.malformed(ip.errCode, ip.errOffset);
      }
      start = ip.payloadStart;
      out.proto = ip.proto;
    }
    return this.ipPayload(whole, start, whole.length, out, depth);
  }

  /** the IP payload buf[start..end): a tunnel (GRE, IP in IP, VXLAN over UDP) or the transport */
  private ipPayload(buf: Buffer, start: number, end: number, out: PacketInfo, depth: number): DecodeStatus {
    const proto = out.proto;
    if (proto === IPPROTO_GRE) {
      return this.gre(buf, start, end, out, depth);
    }
    if (proto === IPPROTO_IPIP || proto === IPPROTO_IPV6_IN_IP) {
      return this.inner(buf, proto === IPPROTO_IPIP ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6, start, end, out, depth);
    }
    const st = this.transport(buf, start, end, out);
    if (st === 'ok' && out.dstPort === VXLAN_PORT && proto === IPPROTO_UDP) {
      return this.tunnelled(decodeVxlan(buf, out.payloadStart, out.payloadEnd, this.tv), buf, out.payloadStart, out.payloadEnd, out, depth, 'VXLAN');
    }
    return st;
  }

  /** GRE, and the ERSPAN header after it (only GRE names ERSPAN: its type I/II tell apart by GRE's sequence bit) */
  private gre(buf: Buffer, start: number, end: number, out: PacketInfo, depth: number): DecodeStatus {
    const tv = this.tv;
    const st = decodeGre(buf, start, end, tv, this.greView);
    if (st === TUNNEL_UNSUPPORTED) {
      return this.undecoded(U_PPTP, 0, 'not-ip');
    }
    if (st !== TUNNEL_OK) {
      return this.tunnelled(st, buf, start, end, out, depth, 'GRE');
    }
    if (tv.etherType === ETHERTYPE_ERSPAN_2) {
      return this.tunnelled(decodeErspan2(buf, tv.offset, end, this.greView.hasSequence, tv), buf, tv.offset, end, out, depth, 'ERSPAN');
    }
    if (tv.etherType === ETHERTYPE_ERSPAN_3) {
      const at = tv.offset;
      const s3 = decodeErspan3(buf, at, end, tv);
      return s3 === TUNNEL_UNSUPPORTED ? this.undecoded(U_ERSPAN_FRAME, tv.code, 'not-ip') : this.tunnelled(s3, buf, at, end, out, depth, 'ERSPAN');
    }
    return this.inner(buf, tv.etherType, tv.offset, end, out, depth);
  }

  /** a tunnel decoder's answer st about the header at buf[at..): go on inside, or say why not */
  private tunnelled(st: number, buf: Buffer, at: number, end: number, out: PacketInfo, depth: number, name: string): DecodeStatus {
    if (st === TUNNEL_OK) {
      return this.inner(buf, this.tv.etherType, this.tv.offset, end, out, depth);
    }
    if (st === TUNNEL_TRUNCATED) {
      return this.short('TUNNEL_HEADER', at, `frame ends inside the ${name} header`);
    }
    return this.malformed(this.tv.errCode, this.tv.errOffset);
  }

  /** one tunnel deeper: what it carries is etherType at buf[off..end) */
  private inner(buf: Buffer, etherType: number, off: number, end: number, out: PacketInfo, depth: number): DecodeStatus {
    if (depth >= MAX_NESTING) {
      return this.malformed('ENCAP_DEPTH', off);
    }
    out.encapsulation++;
    return this.carried(buf, etherType, off, end, out, depth + 1);
  }

  /** whatever etherType names at buf[off..end): IP, an Ethernet frame, an MPLS stack, a PPPoE session, or undecoded */
  private carried(buf: Buffer, etherType: number, off: number, end: number, out: PacketInfo, depth: number): DecodeStatus {
    if (etherType === ETHERTYPE_IPV4 || etherType === ETHERTYPE_IPV6) {
      return this.network(buf, etherType, off, end, out, depth);
    }
    const tv = this.tv;
    switch (etherType) {
      case ETHERTYPE_TEB:
        return this.innerEthernet(buf, off, end, out, depth);
      case ETHERTYPE_MPLS:
      case ETHERTYPE_MPLS_MULTICAST: {
        const st = decodeMpls(buf, off, end, tv);
        return st === TUNNEL_UNSUPPORTED ? this.undecoded(U_MPLS_PAYLOAD, tv.code, 'not-ip') : this.tunnelled(st, buf, off, end, out, depth, 'MPLS');
      }
      case ETHERTYPE_PPPOE_SESSION: {
        const st = decodePppoeSession(buf, off, end, tv);
        return st === TUNNEL_UNSUPPORTED ? this.undecoded(U_PPP, tv.code, 'not-ip') : this.tunnelled(st, buf, off, end, out, depth, 'PPPoE');
      }
      default:
        return this.undecoded(depth > 0 ? U_INNER_ETHERTYPE : U_ETHERTYPE, etherType, 'not-ip');
    }
  }

  /** an Ethernet frame inside a tunnel (GRE 0x6558, ERSPAN, VXLAN, a pseudowire); the outermost VLAN id stays */
  private innerEthernet(buf: Buffer, off: number, end: number, out: PacketInfo, depth: number): DecodeStatus {
    const lk = this.innerLink;
    const ls = decodeLink(LINKTYPE_ETHERNET, buf, off, end, lk);
    if (out.vlan < 0) {
      out.vlan = lk.vlan;
    }
    if (ls === LINK_TRUNCATED) {
      return this.short('LINK_HEADER', off, 'frame ends inside the tunnelled Ethernet header');
    }
    if (ls === LINK_OK) {
      return this.network(buf, lk.etherType, lk.offset, end, out, depth);
    }
    // an EtherType naming yet another tunnel goes one level deeper, so that a self-similar frame cannot loop
    return this.inner(buf, lk.etherType, lk.offset, end, out, depth);
  }

  private transport(buf: Buffer, start: number, end: number, out: PacketInfo): DecodeStatus {
    out.buf = buf;
    if (out.proto === IPPROTO_UDP) {
      const t = decodeUdp(buf, start, end, out);
      if (t === TRANSPORT_OK) {
        return 'ok';
      }
      return t === TRANSPORT_MALFORMED ? this.malformed('UDP_LENGTH', start + 4) : this.short('UDP_LENGTH', start, 'IP payload shorter than a UDP header');
    }
    if (out.proto === IPPROTO_TCP) {
      const t = decodeTcp(buf, start, end, out);
      if (t === TRANSPORT_OK) {
        return 'ok';
      }
      return t === TRANSPORT_MALFORMED ? this.malformed('TCP_DATA_OFFSET', start + 12) : this.short('TCP_DATA_OFFSET', start, 'IP payload shorter than the TCP header');
    }
    // other IP protocols (ICMP, ESP...): the payload is the IP payload, no ports
    out.payloadStart = start;
    out.payloadEnd = end;
    return 'ok';
  }

  /** IP fragments that never became a whole datagram (still pending, evicted, or inconsistent) */
  get fragmentsNotReassembled(): number {
    return this.fragments.stats.fragments - this.fragmentsUsed;
  }

  /** answer `status` and say what was not decoded (undecodedKind / undecodedCode, for the report's census) */
  private undecoded(kind: number, code: number, status: DecodeStatus): DecodeStatus {
    this.undecodedKind = kind;
    this.undecodedCode = code;
    return status;
  }

  /**
   * Ran out of bytes: the snap length's doing when the frame was cut (truncated), else the frame
   * is bad (malformed). lastError describes both; this is off the hot path.
   */
  private short(code: string, offset: number, message: string): DecodeStatus {
    const snapped = this.snapped;
    this.lastError = { code, offset: offset - this.base, message: snapped ? `${message} (cut by the snap length)` : message };
    return snapped ? 'truncated' : 'malformed';
  }

  private malformed(code: string, offset: number): DecodeStatus {
    this.lastError = { code, offset: offset - this.base, message: MESSAGES[code] ?? code };
    return 'malformed';
  }
}

function hasEtherType(linkType: number): boolean {
  return linkType === LINKTYPE_ETHERNET || linkType === LINKTYPE_LINUX_SLL || linkType === LINKTYPE_LINUX_SLL2;
}

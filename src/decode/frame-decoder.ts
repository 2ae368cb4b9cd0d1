/**
 * One captured frame -> PacketInfo: link, IP (with fragment reassembly) and UDP/TCP headers, in
 * place and with numbers only (the hot path of every RTP packet). The answer keeps apart what is
 * not IP, what the snap length cut (truncated: not the sender's fault) and what is malformed
 * (lastError says which rule broke, at which byte offset of the frame).
 */
import type { CaptureRecord } from '../capture/record.js';
import { IpFragmentReassembler } from '../reassembly/ip-fragments.js';
import type { AddressTable } from './ip/address-table.js';
import { IP_MALFORMED, IP_OK, IpView } from './ip/ip-view.js';
import { decodeIpv4 } from './ip/ipv4.js';
import { decodeIpv6, walkIpv6Extensions } from './ip/ipv6.js';
import { decodeLink, ETHERTYPE_IPV4, LINK_NOT_IP, LINK_OK, LINK_TRUNCATED, LinkView } from './link/link.js';
import { IPPROTO_TCP, IPPROTO_UDP, type PacketInfo } from './packet-info.js';
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

const MESSAGES: Record<string, string> = {
  IPV4_VERSION: 'IPv4 header version is not 4',
  IPV4_IHL: 'IPv4 header length below 20 bytes',
  IPV4_TOTAL_LENGTH: 'IPv4 total length below the header length',
  IPV6_VERSION: 'IPv6 header version is not 6',
  IPV6_EXT_LENGTH: 'IPv6 extension header runs past the payload',
  IPV6_FRAGMENT_HEADER: 'IPv6 fragment header runs past the payload',
  UDP_LENGTH: 'UDP length field below 8 or beyond the IP payload',
  TCP_DATA_OFFSET: 'TCP data offset below 20 bytes or beyond the IP payload',
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
    const snapped = rec.capLen < rec.origLen;
    const lk = this.link;
    const ls = decodeLink(rec.linkType, data, start, end, lk);
    out.vlan = lk.vlan;
    if (ls !== LINK_OK) {
      if (ls === LINK_NOT_IP) {
        return 'not-ip';
      }
      return ls === LINK_TRUNCATED ? this.short(snapped, 'LINK_HEADER', start, 'frame shorter than its link header') : 'unsupported-link';
    }
    const ip = this.ip;
    const is4 = lk.etherType === ETHERTYPE_IPV4;
    const st = is4 ? decodeIpv4(data, lk.offset, end, ip) : decodeIpv6(data, lk.offset, end, ip);
    if (st !== IP_OK) {
      return st === IP_MALFORMED ? this.malformed(ip.errCode, ip.errOffset) : this.short(snapped, is4 ? 'IPV4_LENGTH' : 'IPV6_LENGTH', lk.offset, 'frame ends inside the IP datagram');
    }
    out.ipVersion = is4 ? 4 : 6;
    out.srcAddr = is4 ? ip.src4 : this.addresses.keyOf6(data, ip.srcAt);
    out.dstAddr = is4 ? ip.dst4 : this.addresses.keyOf6(data, ip.dstAt);
    out.dscp = ip.dscp;
    out.ecn = ip.ecn;
    out.ttl = ip.ttl;
    out.proto = ip.proto;
    if (ip.fragment) {
      return this.fragment(rec, data, out);
    }
    return this.transport(data, ip.payloadStart, ip.payloadEnd, out, snapped);
  }

  /** store a fragment; when it completes the datagram, decode the transport from the rebuilt bytes */
  private fragment(rec: CaptureRecord, data: Buffer, out: PacketInfo): DecodeStatus {
    const ip = this.ip;
    const f = this.fragments;
    const whole = f.push(out.ipVersion, out.srcAddr, out.dstAddr, ip.fragId, ip.proto, ip.fragOffset, ip.moreFragments,
      data, ip.payloadStart, ip.payloadEnd, rec.tsSec, ip.dscp, ip.ecn, ip.ttl);
    if (whole === null) {
      return 'fragment-pending';
    }
    out.reassembled = true;
    this.base = 0;
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
    return this.transport(whole, start, whole.length, out, false);
  }

  private transport(buf: Buffer, start: number, end: number, out: PacketInfo, snapped: boolean): DecodeStatus {
    out.buf = buf;
    if (out.proto === IPPROTO_UDP) {
      const t = decodeUdp(buf, start, end, out);
      if (t === TRANSPORT_OK) {
        return 'ok';
      }
      return t === TRANSPORT_MALFORMED ? this.malformed('UDP_LENGTH', start + 4) : this.short(snapped, 'UDP_LENGTH', start, 'IP payload shorter than a UDP header');
    }
    if (out.proto === IPPROTO_TCP) {
      const t = decodeTcp(buf, start, end, out);
      if (t === TRANSPORT_OK) {
        return 'ok';
      }
      return t === TRANSPORT_MALFORMED ? this.malformed('TCP_DATA_OFFSET', start + 12) : this.short(snapped, 'TCP_DATA_OFFSET', start, 'IP payload shorter than the TCP header');
    }
    // other IP protocols (ICMP, ESP...): the payload is the IP payload, no ports
    out.payloadStart = start;
    out.payloadEnd = end;
    return 'ok';
  }

  /**
   * Ran out of bytes: the snap length's doing when the frame was cut (truncated), else the frame
   * is bad (malformed). lastError describes both; this is off the hot path.
   */
  private short(snapped: boolean, code: string, offset: number, message: string): DecodeStatus {
    this.lastError = { code, offset: offset - this.base, message: snapped ? `${message} (cut by the snap length)` : message };
    return snapped ? 'truncated' : 'malformed';
  }

  private malformed(code: string, offset: number): DecodeStatus {
    this.lastError = { code, offset: offset - this.base, message: MESSAGES[code] ?? code };
    return 'malformed';
  }
}

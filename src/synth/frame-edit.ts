/**
 * In-place edits of a generated frame as a router or NAT between two capture points would make
 * them: DSCP re-marking, address/port rewrite (IPv4), with the IP and UDP/TCP checksums redone.
 * Only the generator's own frames are edited (Ethernet with VLAN tags or Linux SLL, no IP options
 * beyond the header length, no fragments): locate() says where the layers are.
 */
import { finishChecksum, internetChecksum, onesSum } from './checksum.js';
import type { LinkSpec } from './frames.js';

export interface FrameLayout {
  /** offset of the IP header */
  ip: number;
  version: 4 | 6;
  /** offset of the transport header, and its protocol (17 UDP, 6 TCP) */
  transport: number;
  proto: number;
  /** true when the datagram is a fragment (not edited past the IP header) */
  fragment: boolean;
}

/** the layers of a frame built by frames.ts, or null when it carries no IP */
export function locate(link: LinkSpec, frame: Buffer): FrameLayout | null {
  let off = link.type === 'sll' ? 14 : 12 + 4 * link.vlans.length;
  const etherType = frame.readUInt16BE(off);
  off += 2;
  if (etherType === 0x0800) {
    const ihl = (frame[off]! & 0x0f) * 4;
    const frag = frame.readUInt16BE(off + 6);
    return { ip: off, version: 4, transport: off + ihl, proto: frame[off + 9]!, fragment: (frag & 0x3fff) !== 0 };
  }
  if (etherType === 0x86dd) return { ip: off, version: 6, transport: off + 40, proto: frame[off + 6]!, fragment: false };
  return null;
}

export function dscpOf(frame: Buffer, l: FrameLayout): number {
  return l.version === 4 ? frame[l.ip + 1]! >> 2 : (frame.readUInt16BE(l.ip) >> 6) & 0x3f;
}

export function setDscp(frame: Buffer, l: FrameLayout, dscp: number): void {
  if (l.version === 4) {
    frame[l.ip + 1] = ((dscp << 2) & 0xfc) | (frame[l.ip + 1]! & 3);
    return;
  }
  const w = frame.readUInt16BE(l.ip);
  frame.writeUInt16BE((w & 0xf03f) | ((dscp & 0x3f) << 6), l.ip);
}

/** IPv4 source or destination address (4 bytes) and transport port, rewritten */
export function rewriteEndpoint(frame: Buffer, l: FrameLayout, which: 'src' | 'dst', addr: Uint8Array, port: number): void {
  if (l.version !== 4) throw new Error('NAT between the capture points is built for IPv4 only');
  frame.set(addr, l.ip + (which === 'src' ? 12 : 16));
  if (!l.fragment && (l.proto === 17 || l.proto === 6)) frame.writeUInt16BE(port & 0xffff, l.transport + (which === 'src' ? 0 : 2));
}

/** redo the IPv4 header checksum and the UDP/TCP checksum after edits */
export function fixChecksums(frame: Buffer, l: FrameLayout): void {
  if (l.version === 4) {
    frame.writeUInt16BE(0, l.ip + 10);
    frame.writeUInt16BE(internetChecksum(frame, l.ip, l.transport), l.ip + 10);
  }
  if (l.fragment || (l.proto !== 17 && l.proto !== 6)) return;
  const at = l.transport + (l.proto === 17 ? 6 : 16);
  const end = frame.length;
  const len = end - l.transport;
  if (l.proto === 17 && l.version === 4 && frame.readUInt16BE(at) === 0) return; // no UDP checksum: keep none
  frame.writeUInt16BE(0, at);
  const addrAt = l.version === 4 ? l.ip + 12 : l.ip + 8;
  const addrLen = l.version === 4 ? 8 : 32;
  let sum = onesSum(frame, addrAt, addrAt + addrLen) + l.proto + (len & 0xffff) + Math.floor(len / 65536);
  sum = onesSum(frame, l.transport, end, sum);
  let c = finishChecksum(sum);
  if (l.proto === 17 && c === 0) c = 0xffff;
  frame.writeUInt16BE(c, at);
}

/** RTP header fields of a UDP payload, or null when it is not RTP version 2 (RTCP excluded) */
export function rtpFields(frame: Buffer, l: FrameLayout): { ssrc: number; seq: number; ts: number } | null {
  if (l.proto !== 17 || l.fragment) return null;
  const p = l.transport + 8;
  if (frame.length < p + 12 || frame[p]! >> 6 !== 2) return null;
  const b1 = frame[p + 1]!;
  if (b1 >= 200 && b1 <= 204) return null;
  return { seq: frame.readUInt16BE(p + 2), ts: frame.readUInt32BE(p + 4), ssrc: frame.readUInt32BE(p + 8) };
}

/**
 * A transport payload as the IP packet that carried it (LINKTYPE_RAW: the packet starts at the IP
 * header), written into a caller's buffer: IPv4 (RFC 791) or IPv6 (RFC 8200) with the DSCP in the
 * TOS / traffic class byte, then UDP (RFC 768) or a minimal TCP header (RFC 9293: no options,
 * PSH|ACK, the caller's sequence and acknowledgement numbers). Lengths in the headers are those of
 * the whole packet (`payloadLength`), even when only a prefix of the payload is at hand (a
 * snap-length cut, as the proxy's relay records are): the checksum then covers the bytes present
 * and cannot be verified, as with any cut capture; IPv4 UDP writes 0 (no checksum) in that case.
 */
import { finishChecksum, onesSum } from './checksum.js';

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export interface IpPacketSpec {
  /** 4 or 16 bytes each; both of the same family */
  src: Uint8Array;
  dst: Uint8Array;
  srcPort: number;
  dstPort: number;
  proto: typeof IPPROTO_UDP | typeof IPPROTO_TCP;
  /** 0-63; written as the upper six bits of the TOS / traffic class byte (ECN 0) */
  dscp: number;
  /** IPv4 identification */
  id: number;
  /** TCP only */
  seq?: number;
  ack?: number;
  /** the payload's real length (>= payload.length) */
  payloadLength: number;
}

export function ipHeaderBytes(family: 4 | 6): number {
  return family === 4 ? 20 : 40;
}

export function transportHeaderBytes(proto: number): number {
  return proto === IPPROTO_TCP ? 20 : 8;
}

/** the packet's length on the wire */
export function ipPacketLength(spec: IpPacketSpec): number {
  return ipHeaderBytes(spec.src.length === 4 ? 4 : 6) + transportHeaderBytes(spec.proto) + spec.payloadLength;
}

/**
 * Write headers and `payload` (which may be a prefix of payloadLength bytes) at buf[at]; returns
 * the bytes written. The caller keeps the whole packet under 65,536 bytes (IPv4 total length).
 */
export function writeIpPacket(buf: Buffer, at: number, spec: IpPacketSpec, payload: Uint8Array): number {
  const v4 = spec.src.length === 4;
  if (spec.dst.length !== spec.src.length) throw new RangeError('source and destination of different address families');
  const ipLen = ipHeaderBytes(v4 ? 4 : 6);
  const l4 = at + ipLen;
  const l4Len = transportHeaderBytes(spec.proto) + spec.payloadLength;
  const tos = (spec.dscp & 63) << 2;
  if (v4) writeIpv4(buf, at, spec, tos, ipLen + l4Len);
  else writeIpv6(buf, at, spec, tos, l4Len);
  const dataAt = spec.proto === IPPROTO_TCP ? writeTcp(buf, l4, spec) : writeUdp(buf, l4, spec, l4Len);
  buf.set(payload, dataAt);
  const end = dataAt + payload.length;
  const whole = payload.length === spec.payloadLength;
  const sumAt = l4 + (spec.proto === IPPROTO_TCP ? 16 : 6);
  if (v4 && spec.proto === IPPROTO_UDP && !whole) return end - at;
  // RFC 768 / 9293 / 8200 8.1: the pseudo-header, then the transport header and payload
  let sum = onesSum(spec.src, 0, spec.src.length) + onesSum(spec.dst, 0, spec.dst.length) + spec.proto + l4Len;
  sum = onesSum(buf, l4, end, sum);
  let c = finishChecksum(sum);
  // UDP: a computed 0 is sent as 0xffff (0 means "no checksum")
  if (c === 0 && spec.proto === IPPROTO_UDP) c = 0xffff;
  buf.writeUInt16BE(c, sumAt);
  return end - at;
}

function writeIpv4(buf: Buffer, at: number, spec: IpPacketSpec, tos: number, total: number): void {
  buf[at] = 0x45;
  buf[at + 1] = tos;
  buf.writeUInt16BE(Math.min(total, 0xffff), at + 2);
  buf.writeUInt16BE(spec.id & 0xffff, at + 4);
  buf.writeUInt16BE(0x4000, at + 6); // DF, no fragment offset
  buf[at + 8] = 64;
  buf[at + 9] = spec.proto;
  buf.writeUInt16BE(0, at + 10);
  buf.set(spec.src, at + 12);
  buf.set(spec.dst, at + 16);
  buf.writeUInt16BE(finishChecksum(onesSum(buf, at, at + 20)), at + 10);
}

function writeIpv6(buf: Buffer, at: number, spec: IpPacketSpec, tos: number, payloadLen: number): void {
  // version 6, traffic class, flow label 0
  buf.writeUInt32BE(((6 << 28) | (tos << 20)) >>> 0, at);
  buf.writeUInt16BE(Math.min(payloadLen, 0xffff), at + 4);
  buf[at + 6] = spec.proto;
  buf[at + 7] = 64;
  buf.set(spec.src, at + 8);
  buf.set(spec.dst, at + 24);
}

function writeUdp(buf: Buffer, at: number, spec: IpPacketSpec, len: number): number {
  buf.writeUInt16BE(spec.srcPort, at);
  buf.writeUInt16BE(spec.dstPort, at + 2);
  buf.writeUInt16BE(Math.min(len, 0xffff), at + 4);
  buf.writeUInt16BE(0, at + 6);
  return at + 8;
}

function writeTcp(buf: Buffer, at: number, spec: IpPacketSpec): number {
  buf.writeUInt16BE(spec.srcPort, at);
  buf.writeUInt16BE(spec.dstPort, at + 2);
  buf.writeUInt32BE((spec.seq ?? 0) >>> 0, at + 4);
  buf.writeUInt32BE((spec.ack ?? 0) >>> 0, at + 8);
  buf[at + 12] = 5 << 4; // data offset: 5 words, no options
  buf[at + 13] = 0x18; // PSH | ACK
  buf.writeUInt16BE(65535, at + 14);
  buf.writeUInt16BE(0, at + 16);
  buf.writeUInt16BE(0, at + 18);
  return at + 20;
}

/**
 * "192.0.2.7", "[2001:db8::1]", "2001:db8::1%eth0", "::ffff:192.0.2.7" to 4 or 16 bytes; null
 * when the text is not an IP address.
 */
export function addressBytes(text: string): Uint8Array | null {
  let t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  if (!t.includes(':')) return ipv4Bytes(t);
  return ipv6Bytes(t);
}

function ipv4Bytes(t: string): Uint8Array | null {
  const parts = t.split('.');
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    out[i] = Number(p);
  }
  return out;
}

function ipv6Bytes(t: string): Uint8Array | null {
  let text = t;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    // an embedded IPv4 address is the last two groups: rewrite it as two hex groups
    const v4 = ipv4Bytes(text.slice(lastColon + 1));
    if (v4 === null) return null;
    text = `${text.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = hexGroups(halves[0]!);
  const rest = halves.length === 2 ? hexGroups(halves[1]!) : [];
  if (head === null || rest === null) return null;
  const have = head.length + rest.length;
  if (halves.length === 1 ? have !== 8 : have > 7) return null;
  const groups = [...head, ...Array<number>(8 - have).fill(0), ...rest];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

function hexGroups(s: string): number[] | null {
  if (s === '') return [];
  const out: number[] = [];
  for (const g of s.split(':')) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    out.push(parseInt(g, 16));
  }
  return out;
}

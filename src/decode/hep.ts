/**
 * HEP, the Homer Encapsulation Protocol: a captured packet (SIP, RTCP, ...) with its original
 * addresses, ports, time and capture-agent id, as Kamailio/OpenSIPS siptrace, Asterisk res_hep,
 * FreeSWITCH, rtpengine, heplify and sngrep send it. Pure: `(buf, offset, end)` in, a value with
 * the bytes consumed or a typed error with the offset of the broken rule out.
 *
 * HEPv3 (HEP3 draft, "HEP3" magic):
 *   "HEP3" | total length u16 (whole packet, header included) | chunks...
 *   chunk: vendor id u16 | type id u16 | length u16 (chunk header included) | value
 *   generic chunks (vendor 0): 1 IP family u8 (2 IPv4, 10 IPv6), 2 IP protocol u8 (17 UDP, 6 TCP),
 *   3/4 IPv4 src/dst, 5/6 IPv6 src/dst, 7/8 src/dst port u16, 9/10 time sec/usec u32,
 *   11 protocol type u8 (1 SIP, 5 RTCP, ...), 12 capture agent id u32 (u16 by old senders),
 *   14 auth key (capture password), 15 payload, 16 compressed payload (zlib or gzip),
 *   17 correlation id. All numbers big-endian. Other chunks and other vendors are skipped.
 *
 * HEPv1/v2 (the fixed header of the first Homer agents; no total length, so one per datagram):
 *   version u8 (1|2) | header length u8 (this header + addresses) | family u8 | protocol u8 |
 *   src port u16 BE | dst port u16 BE | src addr, dst addr (4+4 or 16+16) |
 *   v2 only: time sec u32, usec u32, capture id u16 (little-endian: senders write host order) |
 *   payload to the end.
 *
 * Sizes are bytes: a payload with UTF-8 text is as long as its bytes, never its characters.
 */
import { formatIpv6 } from './ip/address-table.js';
import { unzipSync } from 'node:zlib';
import { u16be, u32be } from './bytes.js';

export const HEP3_MAGIC = 0x48455033; // "HEP3"
export const HEP_FAMILY_IPV4 = 2;
export const HEP_FAMILY_IPV6 = 10;
export const HEP_PROTO_TYPE_SIP = 1;
export const HEP_PROTO_TYPE_RTCP = 5;
/** a compressed payload inflating past this is refused (a zip bomb must not take the collector) */
export const HEP_DEFAULT_MAX_INFLATED = 65_536;

export type HepErrorCode =
  /** neither "HEP3" nor a version 1/2 fixed header */
  | 'HEP_NOT_HEP'
  /** the announced total length runs past the bytes given (a stream: need more) */
  | 'HEP_TRUNCATED'
  /** a total or chunk length is impossible (below its header, or past the packet's end) */
  | 'HEP_BAD_LENGTH'
  /** a fixed-size chunk (address, port, time, ...) has the wrong size, or the family is unknown */
  | 'HEP_BAD_CHUNK'
  /** addresses, ports or payload are missing, or the addresses do not match the family */
  | 'HEP_MISSING_FIELD'
  /** the compressed payload does not inflate, or inflates past the cap */
  | 'HEP_BAD_COMPRESSION';

export interface HepError {
  ok: false;
  code: HepErrorCode;
  /** byte offset in the buffer where the broken rule applies */
  offset: number;
}

export interface HepPacket {
  version: 1 | 2 | 3;
  /** 2 IPv4, 10 IPv6 */
  family: number;
  /** IP protocol number: 17 UDP, 6 TCP (TLS senders say 6) */
  ipProtocol: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** capture time; null when the sender gave none (v1, or v3 without chunks 9/10) */
  tsSec: number | null;
  tsUsec: number | null;
  /** chunk 11: 1 SIP, 5 RTCP, ...; v1/v2 carry SIP only, so 1 */
  protoType: number;
  /** chunk 12 (v2: the capture id); null when absent */
  agentId: number | null;
  /** chunk 14, as latin1 text (compare with the configured password); null when absent */
  authKey: string | null;
  /** chunk 17, UTF-8; null when absent */
  correlationId: string | null;
  /** the captured payload: a view into buf, or the inflated bytes of chunk 16 */
  payload: Uint8Array;
  compressed: boolean;
}

export type HepResult = { ok: true; value: HepPacket; consumed: number } | HepError;

export interface HepDecodeOptions {
  /** cap on an inflated chunk-16 payload in bytes (default HEP_DEFAULT_MAX_INFLATED) */
  maxInflated?: number;
}

export function hepError(code: HepErrorCode, offset: number): HepError {
  return { ok: false, code, offset };
}

/** true when the bytes at offset start like a HEP packet of any version (cheap) */
export function looksLikeHep(buf: Uint8Array, offset: number, end: number): boolean {
  if (end > buf.length) end = buf.length;
  if (end - offset >= 4 && u32be(buf, offset) === HEP3_MAGIC) return true;
  return end - offset >= 4 && (buf[offset] === 1 || buf[offset] === 2) && (buf[offset + 2] === HEP_FAMILY_IPV4 || buf[offset + 2] === HEP_FAMILY_IPV6);
}

/** one HEP packet of any version at offset; v1/v2 take everything up to end */
export function decodeHep(buf: Uint8Array, offset: number, end: number, opts: HepDecodeOptions = {}): HepResult {
  if (end > buf.length) end = buf.length;
  if (end - offset < 4) return hepError('HEP_TRUNCATED', offset);
  if (u32be(buf, offset) === HEP3_MAGIC) return decodeHep3(buf, offset, end, opts);
  const v = buf[offset]!;
  if (v === 1 || v === 2) return decodeHep2(buf, offset, end);
  return hepError('HEP_NOT_HEP', offset);
}

/**
 * Stream framing (TCP carries HEPv3 back to back): the length of the packet at offset, 0 when more
 * bytes are needed, or an error when the bytes cannot start a HEPv3 packet.
 */
export function hep3FrameLength(buf: Uint8Array, offset: number, end: number): number | HepError {
  if (end > buf.length) end = buf.length;
  const have = end - offset;
  const magic = [0x48, 0x45, 0x50, 0x33];
  for (let i = 0; i < 4 && i < have; i++) if (buf[offset + i] !== magic[i]) return hepError('HEP_NOT_HEP', offset + i);
  if (have < 6) return 0;
  const total = u16be(buf, offset + 4);
  if (total < 6) return hepError('HEP_BAD_LENGTH', offset + 4);
  return total <= have ? total : 0;
}

interface Hep3Fields {
  family: number;
  ipProtocol: number;
  src4: number;
  dst4: number;
  src6: number;
  dst6: number;
  srcPort: number;
  dstPort: number;
  tsSec: number | null;
  tsUsec: number | null;
  protoType: number;
  agentId: number | null;
  authKey: string | null;
  correlationId: string | null;
  payload: number;
  payloadEnd: number;
  compressed: boolean;
}

function decodeHep3(buf: Uint8Array, offset: number, end: number, opts: HepDecodeOptions): HepResult {
  if (end - offset < 6) return hepError('HEP_TRUNCATED', offset);
  const total = u16be(buf, offset + 4);
  if (total < 6) return hepError('HEP_BAD_LENGTH', offset + 4);
  if (total > end - offset) return hepError('HEP_TRUNCATED', offset + 4);
  const stop = offset + total;
  const f: Hep3Fields = {
    family: -1, ipProtocol: -1, src4: -1, dst4: -1, src6: -1, dst6: -1, srcPort: -1, dstPort: -1,
    tsSec: null, tsUsec: null, protoType: 0, agentId: null, authKey: null, correlationId: null,
    payload: -1, payloadEnd: -1, compressed: false,
  };
  for (let at = offset + 6; at < stop; ) {
    if (stop - at < 6) return hepError('HEP_BAD_LENGTH', at);
    const len = u16be(buf, at + 4);
    if (len < 6 || len > stop - at) return hepError('HEP_BAD_LENGTH', at + 4);
    if (u16be(buf, at) === 0 && !readChunk(buf, u16be(buf, at + 2), at + 6, at + len, f)) return hepError('HEP_BAD_CHUNK', at);
    at += len;
  }
  return finishHep3(buf, offset, total, f, opts);
}

/** one generic chunk's value into f; false when a fixed-size chunk has the wrong size */
function readChunk(buf: Uint8Array, type: number, v: number, vEnd: number, f: Hep3Fields): boolean {
  const n = vEnd - v;
  switch (type) {
    case 1: return n === 1 && ((f.family = buf[v]!), true);
    case 2: return n === 1 && ((f.ipProtocol = buf[v]!), true);
    case 3: return n === 4 && ((f.src4 = v), true);
    case 4: return n === 4 && ((f.dst4 = v), true);
    case 5: return n === 16 && ((f.src6 = v), true);
    case 6: return n === 16 && ((f.dst6 = v), true);
    case 7: return n === 2 && ((f.srcPort = u16be(buf, v)), true);
    case 8: return n === 2 && ((f.dstPort = u16be(buf, v)), true);
    case 9: return n === 4 && ((f.tsSec = u32be(buf, v)), true);
    case 10: return n === 4 && ((f.tsUsec = u32be(buf, v)), true);
    case 11: return n === 1 && ((f.protoType = buf[v]!), true);
    case 12:
      if (n === 4) f.agentId = u32be(buf, v);
      else if (n === 2) f.agentId = u16be(buf, v);
      else return false;
      return true;
    case 14: f.authKey = latin1(buf, v, vEnd); return true;
    case 15: case 16:
      f.payload = v;
      f.payloadEnd = vEnd;
      f.compressed = type === 16;
      return true;
    case 17: f.correlationId = Buffer.from(buf.buffer, buf.byteOffset + v, n).toString('utf8'); return true;
    default: return true;
  }
}

function finishHep3(buf: Uint8Array, offset: number, total: number, f: Hep3Fields, opts: HepDecodeOptions): HepResult {
  let src: string;
  let dst: string;
  if (f.family === HEP_FAMILY_IPV4) {
    if (f.src4 < 0 || f.dst4 < 0) return hepError('HEP_MISSING_FIELD', offset);
    src = ipv4Text(buf, f.src4);
    dst = ipv4Text(buf, f.dst4);
  } else if (f.family === HEP_FAMILY_IPV6) {
    if (f.src6 < 0 || f.dst6 < 0) return hepError('HEP_MISSING_FIELD', offset);
    src = ipv6Text(buf, f.src6);
    dst = ipv6Text(buf, f.dst6);
  } else {
    return hepError('HEP_MISSING_FIELD', offset);
  }
  if (f.srcPort < 0 || f.dstPort < 0 || f.payload < 0) return hepError('HEP_MISSING_FIELD', offset);
  let payload: Uint8Array = buf.subarray(f.payload, f.payloadEnd);
  if (f.compressed) {
    const inflated = inflate(payload, opts.maxInflated ?? HEP_DEFAULT_MAX_INFLATED);
    if (inflated === null) return hepError('HEP_BAD_COMPRESSION', f.payload);
    payload = inflated;
  }
  return {
    ok: true,
    consumed: total,
    value: {
      version: 3, family: f.family, ipProtocol: f.ipProtocol < 0 ? 17 : f.ipProtocol, src, dst, srcPort: f.srcPort, dstPort: f.dstPort,
      tsSec: f.tsSec, tsUsec: f.tsSec === null ? null : (f.tsUsec ?? 0), protoType: f.protoType, agentId: f.agentId,
      authKey: f.authKey, correlationId: f.correlationId, payload, compressed: f.compressed,
    },
  };
}

/** zlib or gzip (unzip tells them apart by the header), at most max bytes; null when broken or too big */
function inflate(bytes: Uint8Array, max: number): Buffer | null {
  try {
    return unzipSync(bytes, { maxOutputLength: max });
  } catch {
    return null;
  }
}

function decodeHep2(buf: Uint8Array, offset: number, end: number): HepResult {
  const version = buf[offset] as 1 | 2;
  const hdrLen = buf[offset + 1]!;
  const family = buf[offset + 2]!;
  const addrLen = family === HEP_FAMILY_IPV4 ? 4 : family === HEP_FAMILY_IPV6 ? 16 : 0;
  if (addrLen === 0) return hepError('HEP_NOT_HEP', offset + 2);
  if (hdrLen !== 8 + 2 * addrLen) return hepError('HEP_BAD_LENGTH', offset + 1);
  const timeLen = version === 2 ? 10 : 0;
  if (end - offset < hdrLen + timeLen) return hepError('HEP_TRUNCATED', offset);
  const a = offset + 8;
  const t = offset + hdrLen;
  return {
    ok: true,
    consumed: end - offset,
    value: {
      version, family, ipProtocol: buf[offset + 3]!,
      src: addrLen === 4 ? ipv4Text(buf, a) : ipv6Text(buf, a),
      dst: addrLen === 4 ? ipv4Text(buf, a + 4) : ipv6Text(buf, a + 16),
      srcPort: u16be(buf, offset + 4), dstPort: u16be(buf, offset + 6),
      tsSec: version === 2 ? u32le(buf, t) : null,
      tsUsec: version === 2 ? u32le(buf, t + 4) : null,
      protoType: HEP_PROTO_TYPE_SIP,
      agentId: version === 2 ? buf[t + 8]! | (buf[t + 9]! << 8) : null,
      authKey: null, correlationId: null,
      payload: buf.subarray(t + timeLen, end), compressed: false,
    },
  };
}

function u32le(buf: Uint8Array, off: number): number {
  return (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
}

function latin1(buf: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) s += String.fromCharCode(buf[i]!);
  return s;
}

export function ipv4Text(buf: Uint8Array, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/** RFC 5952 text, as Wireshark prints it (the address table's formatter: one implementation) */
export function ipv6Text(buf: Uint8Array, off: number): string {
  return formatIpv6(u32be(buf, off), u32be(buf, off + 4), u32be(buf, off + 8), u32be(buf, off + 12));
}

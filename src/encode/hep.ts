/**
 * HEP writer, the inverse of src/decode/hep.ts: HEPv3 packets (generic chunks, in type order) and
 * HEPv2 fixed-header packets. decodeHep(encodeHep3(p)) gives p back. Sizes are the payload's
 * bytes (a Buffer), never a string's length. Values that do not fit their field are a caller's
 * mistake: RangeError.
 */
import { isIP } from 'node:net';
import { HEP_FAMILY_IPV4, HEP_FAMILY_IPV6, HEP_PROTO_TYPE_SIP } from '../decode/hep.js';

export interface HepEncodable {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  /** default 17 (UDP) */
  ipProtocol?: number;
  tsSec?: number | null;
  tsUsec?: number | null;
  /** default 1 (SIP) */
  protoType?: number;
  agentId?: number | null;
  authKey?: string | null;
  correlationId?: string | null;
  payload: Uint8Array;
  /** write the payload zlib-compressed as chunk 16 (the caller gives the compressed bytes) */
  compressed?: boolean;
}

const u8 = (n: number): Buffer => Buffer.from([checked(n, 0xff)]);
const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(checked(n, 0xffff));
  return b;
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(checked(n, 0xffffffff));
  return b;
};

function checked(n: number, max: number): number {
  if (!Number.isInteger(n) || n < 0 || n > max) throw new RangeError(`${n} does not fit 0..${max}`);
  return n;
}

function chunk(type: number, value: Uint8Array): Buffer {
  if (value.length + 6 > 0xffff) throw new RangeError(`chunk ${type} of ${value.length} bytes: at most ${0xffff - 6}`);
  const h = Buffer.alloc(6);
  h.writeUInt16BE(0, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt16BE(value.length + 6, 4);
  return Buffer.concat([h, value]);
}

/** the 4 or 16 bytes of an IPv4/IPv6 address text */
export function addressBytes(text: string): Buffer {
  const kind = isIP(text);
  if (kind === 4) return Buffer.from(text.split('.').map(Number));
  if (kind !== 6) throw new RangeError(`"${text}" is not an IP address`);
  const [head = '', tail] = text.split('::');
  const groups = (s: string): number[] => (s === '' ? [] : s.split(':').map((x) => parseInt(x, 16)));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const b = Buffer.alloc(16);
  all.forEach((g, i) => b.writeUInt16BE(g, 2 * i));
  return b;
}

export function encodeHep3(p: HepEncodable): Buffer {
  const src = addressBytes(p.src);
  const dst = addressBytes(p.dst);
  if (src.length !== dst.length) throw new RangeError('source and destination are not the same IP version');
  const v6 = src.length === 16;
  const parts: Buffer[] = [
    chunk(1, u8(v6 ? HEP_FAMILY_IPV6 : HEP_FAMILY_IPV4)),
    chunk(2, u8(p.ipProtocol ?? 17)),
    chunk(v6 ? 5 : 3, src),
    chunk(v6 ? 6 : 4, dst),
    chunk(7, u16(p.srcPort)),
    chunk(8, u16(p.dstPort)),
  ];
  if (p.tsSec !== undefined && p.tsSec !== null) parts.push(chunk(9, u32(p.tsSec)), chunk(10, u32(p.tsUsec ?? 0)));
  parts.push(chunk(11, u8(p.protoType ?? HEP_PROTO_TYPE_SIP)));
  if (p.agentId !== undefined && p.agentId !== null) parts.push(chunk(12, u32(p.agentId)));
  if (p.authKey !== undefined && p.authKey !== null) parts.push(chunk(14, Buffer.from(p.authKey, 'latin1')));
  parts.push(chunk(p.compressed === true ? 16 : 15, p.payload));
  if (p.correlationId !== undefined && p.correlationId !== null) parts.push(chunk(17, Buffer.from(p.correlationId, 'utf8')));
  const body = Buffer.concat(parts);
  if (body.length + 6 > 0xffff) throw new RangeError(`HEP packet of ${body.length + 6} bytes: at most 65535`);
  const head = Buffer.from([0x48, 0x45, 0x50, 0x33, 0, 0]);
  head.writeUInt16BE(body.length + 6, 4);
  return Buffer.concat([head, body]);
}

/** HEPv2 (or v1 without the time header): time and capture id little-endian, as senders write them */
export function encodeHep2(p: HepEncodable, version: 1 | 2 = 2): Buffer {
  const src = addressBytes(p.src);
  const dst = addressBytes(p.dst);
  if (src.length !== dst.length) throw new RangeError('source and destination are not the same IP version');
  const h = Buffer.alloc(8);
  h[0] = version;
  h[1] = 8 + 2 * src.length;
  h[2] = src.length === 16 ? HEP_FAMILY_IPV6 : HEP_FAMILY_IPV4;
  h[3] = checked(p.ipProtocol ?? 17, 0xff);
  h.writeUInt16BE(checked(p.srcPort, 0xffff), 4);
  h.writeUInt16BE(checked(p.dstPort, 0xffff), 6);
  const parts = [h, src, dst];
  if (version === 2) {
    const t = Buffer.alloc(10);
    t.writeUInt32LE(checked(p.tsSec ?? 0, 0xffffffff), 0);
    t.writeUInt32LE(checked(p.tsUsec ?? 0, 0xffffffff), 4);
    t.writeUInt16LE(checked(p.agentId ?? 0, 0xffff), 8);
    parts.push(t);
  }
  parts.push(Buffer.from(p.payload));
  return Buffer.concat(parts);
}

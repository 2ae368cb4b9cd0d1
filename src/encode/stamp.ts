/**
 * STAMP test packet writer (RFC 8762 with RFC 8972 TLVs), the inverse of src/decode/stamp.ts: the
 * values are the decoder's own types, so decodeStampSender(encodeStampSender(p)) gives p back.
 *
 * Authenticated mode (RFC 8762 4.4): HMAC-SHA-256 truncated to 16 octets over every octet of the base
 * packet before the HMAC field (octets 0..95), with a key agreed out of band. With TLVs in the
 * authenticated mode, an HMAC TLV (RFC 8972 4.8) ends the list: HMAC-SHA-256/16 over the Sequence
 * Number and the TLVs before it. MBZ octets are written as zero.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  STAMP_OFFSETS, STAMP_HMAC_LENGTH, TLV_CLASS_OF_SERVICE, TLV_EXTRA_PADDING, TLV_HMAC, stampBaseLength,
  type ClassOfService, type ErrorEstimate, type NtpTimestamp, type StampMode, type StampReflectorPacket,
  type StampSenderPacket, type StampTlv,
} from '../decode/stamp.js';
import { writeU32 } from './rtp.js';

export type StampSenderSpec = Omit<StampSenderPacket, 'hmac'>;
export type StampReflectorSpec = Omit<StampReflectorPacket, 'hmac'>;

export function writeU16(buf: Uint8Array, pos: number, v: number): void {
  buf[pos] = (v >>> 8) & 0xff;
  buf[pos + 1] = v & 0xff;
}

export function writeNtp(buf: Uint8Array, pos: number, t: NtpTimestamp): void {
  writeU32(buf, pos, t.seconds);
  writeU32(buf, pos + 4, t.fraction);
}

/** RFC 4656 4.1.2; a multiplier of 0 is not allowed, so it is at least 1 */
export function encodeErrorEstimate(e: ErrorEstimate): number {
  if (e.scale < 0 || e.scale > 63) throw new RangeError(`error estimate scale ${e.scale}: 0..63`);
  const m = Math.min(255, Math.max(1, e.multiplier));
  return (e.synchronized ? 0x8000 : 0) | (e.ptp ? 0x4000 : 0) | (e.scale << 8) | m;
}

/** the smallest scale whose multiplier (<= 255) covers `seconds` */
export function errorEstimateFor(seconds: number, synchronized: boolean): ErrorEstimate {
  for (let scale = 0; scale < 64; scale++) {
    const multiplier = Math.ceil(seconds / 2 ** (scale - 32));
    if (multiplier <= 255) return { synchronized, ptp: false, scale, multiplier: Math.max(1, multiplier) };
  }
  return { synchronized, ptp: false, scale: 63, multiplier: 255 };
}

/** the octets TLVs take on the wire */
export function tlvsLength(tlvs: readonly StampTlv[]): number {
  let n = 0;
  for (const t of tlvs) n += 4 + t.value.length;
  return n;
}

function writeTlvs(buf: Uint8Array, pos: number, tlvs: readonly StampTlv[]): number {
  for (const t of tlvs) {
    if (t.value.length > 0xffff) throw new RangeError(`TLV of ${t.value.length} octets: at most 65535`);
    buf[pos] = t.flags;
    buf[pos + 1] = t.type;
    writeU16(buf, pos + 2, t.value.length);
    buf.set(t.value, pos + 4);
    pos += 4 + t.value.length;
  }
  return pos;
}

export function classOfServiceTlv(c: ClassOfService, flags = 0): StampTlv {
  const value = new Uint8Array(4);
  writeU16(value, 0, ((c.dscp1 & 0x3f) << 10) | ((c.dscp2 & 0x3f) << 4) | ((c.ecn & 3) << 2) | (c.rp & 3));
  return { flags, type: TLV_CLASS_OF_SERVICE, value };
}

export function extraPaddingTlv(octets: number): StampTlv {
  return { flags: 0, type: TLV_EXTRA_PADDING, value: new Uint8Array(octets) };
}

export function stampHmac(key: Uint8Array, data: Uint8Array): Buffer {
  return createHmac('sha256', key).update(data).digest().subarray(0, STAMP_HMAC_LENGTH);
}

/** true when the base packet's HMAC (octets 96..111) matches octets 0..95 under `key` */
export function verifyStampHmac(key: Uint8Array, packet: Uint8Array, offset = 0): boolean {
  if (packet.length - offset < 112) return false;
  const want = stampHmac(key, packet.subarray(offset, offset + 96));
  return timingSafeEqual(want, packet.subarray(offset + 96, offset + 112));
}

/** RFC 8972 4.8: the HMAC TLV's value over the Sequence Number and the TLVs before it */
function tlvHmac(key: Uint8Array, packet: Uint8Array, base: number, hmacTlvAt: number): Buffer {
  return stampHmac(key, Buffer.concat([packet.subarray(0, 4), packet.subarray(base, hmacTlvAt)]));
}

/** checks the HMAC TLV (last TLV) of an authenticated packet; true when there is none */
export function verifyTlvHmac(key: Uint8Array, packet: Uint8Array, mode: StampMode): boolean {
  const base = stampBaseLength(mode);
  if (packet.length <= base) return true;
  const at = packet.length - 20;
  if (at < base || packet[at + 1] !== TLV_HMAC) return true;
  return timingSafeEqual(tlvHmac(key, packet, base, at), packet.subarray(at + 4, at + 20));
}

function finish(buf: Buffer, mode: StampMode, tlvs: readonly StampTlv[], key: Uint8Array | null): Buffer {
  const base = stampBaseLength(mode);
  const end = writeTlvs(buf, base, tlvs);
  if (mode === 'authenticated') {
    if (key === null) throw new RangeError('the authenticated mode needs a key');
    if (tlvs.length > 0) {
      buf[end] = 0;
      buf[end + 1] = TLV_HMAC;
      writeU16(buf, end + 2, STAMP_HMAC_LENGTH);
      buf.set(tlvHmac(key, buf, base, end), end + 4);
    }
    buf.set(stampHmac(key, buf.subarray(0, 96)), 96);
  }
  return buf;
}

/** an HMAC TLV among decoded TLVs is recomputed, never copied */
function ownTlvs(mode: StampMode, tlvs: readonly StampTlv[]): readonly StampTlv[] {
  return mode === 'authenticated' ? tlvs.filter((t) => t.type !== TLV_HMAC) : tlvs;
}

function allocate(mode: StampMode, tlvs: readonly StampTlv[]): Buffer {
  const hmacTlv = mode === 'authenticated' && tlvs.length > 0 ? 20 : 0;
  return Buffer.alloc(stampBaseLength(mode) + tlvsLength(tlvs) + hmacTlv);
}

/** a session-sender packet; `tlvs` must not hold an HMAC TLV (the authenticated mode adds it) */
export function encodeStampSender(p: StampSenderSpec, mode: StampMode, key: Uint8Array | null = null): Buffer {
  const tlvs = ownTlvs(mode, p.tlvs);
  const buf = allocate(mode, tlvs);
  const o = STAMP_OFFSETS.sender[mode];
  writeU32(buf, 0, p.seq);
  writeNtp(buf, o.timestamp, p.timestamp);
  writeU16(buf, o.error, encodeErrorEstimate(p.errorEstimate));
  writeU16(buf, o.ssid, p.ssid);
  return finish(buf, mode, tlvs, key);
}

export function encodeStampReflector(p: StampReflectorSpec, mode: StampMode, key: Uint8Array | null = null): Buffer {
  const tlvs = ownTlvs(mode, p.tlvs);
  const buf = allocate(mode, tlvs);
  const o = STAMP_OFFSETS.reflector[mode];
  writeU32(buf, 0, p.seq);
  writeNtp(buf, o.timestamp, p.timestamp);
  writeU16(buf, o.error, encodeErrorEstimate(p.errorEstimate));
  writeU16(buf, o.ssid, p.ssid);
  writeNtp(buf, o.receive, p.receiveTimestamp);
  writeU32(buf, o.senderSeq, p.senderSeq);
  writeNtp(buf, o.senderTimestamp, p.senderTimestamp);
  writeU16(buf, o.senderError, encodeErrorEstimate(p.senderErrorEstimate));
  buf[o.ttl] = p.senderTtl & 0xff;
  return finish(buf, mode, tlvs, key);
}

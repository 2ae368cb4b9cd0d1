/**
 * STAMP test packets (RFC 8762, Simple Two-way Active Measurement Protocol) with the RFC 8972
 * extensions (SSID, TLVs), the inverse of src/encode/stamp.ts. Pure: `(buf, offset, end)` in, a
 * typed packet with the bytes consumed out, or a typed error with a stable code and the offset.
 *
 * Which layout a datagram has (sender or reflector, unauthenticated or authenticated) is not in the
 * packet: it is the session's configuration, so the caller says which one to decode.
 *
 * Unauthenticated session-sender (RFC 8762 4.2.1, RFC 8972 3), 44 octets:
 *   0 Sequence Number (4) | 4 Timestamp (8) | 12 Error Estimate (2) | 14 SSID (2) | 16 MBZ (28)
 * Unauthenticated session-reflector (RFC 8762 4.3.1), 44 octets:
 *   0 Sequence Number | 4 Timestamp | 12 Error Estimate | 14 SSID | 16 Receive Timestamp (8)
 *   24 Session-Sender Sequence Number (4) | 28 Session-Sender Timestamp (8)
 *   36 Session-Sender Error Estimate (2) | 38 MBZ (2) | 40 Ses-Sender TTL (1) | 41 MBZ (3)
 * Authenticated session-sender (RFC 8762 4.2.2), 112 octets:
 *   0 Sequence Number | 4 MBZ (12) | 16 Timestamp | 24 Error Estimate | 26 SSID | 28 MBZ (68) | 96 HMAC (16)
 * Authenticated session-reflector (RFC 8762 4.3.2), 112 octets:
 *   0 Sequence Number | 4 MBZ (12) | 16 Timestamp | 24 Error Estimate | 26 SSID | 28 MBZ (4)
 *   32 Receive Timestamp | 40 MBZ (8) | 48 Session-Sender Sequence Number | 52 MBZ (12)
 *   64 Session-Sender Timestamp | 72 Session-Sender Error Estimate | 74 MBZ (6) | 80 Ses-Sender TTL
 *   81 MBZ (15) | 96 HMAC (16)
 * TLVs follow the base packet (RFC 8972 4): Flags (1: U M I ...) | Type (1) | Length (2) | Value.
 */
import { u16be, u32be } from './bytes.js';

export type StampMode = 'unauthenticated' | 'authenticated';

/** NTP 64-bit timestamp (RFC 5905 6): seconds since 1900 and a 2^-32 fraction */
export interface NtpTimestamp {
  seconds: number;
  fraction: number;
}

/** RFC 4656 4.1.2 (used by RFC 8762 4.2.1): S = clock synchronised, Z = PTP format, error = Multiplier * 2^(Scale-32) s */
export interface ErrorEstimate {
  synchronized: boolean;
  ptp: boolean;
  scale: number;
  multiplier: number;
}

export interface StampTlv {
  /** U (0x80) unrecognised, M (0x40) malformed, I (0x20) integrity failed (RFC 8972 4) */
  flags: number;
  type: number;
  /** a view into the datagram */
  value: Uint8Array;
}

export interface StampSenderPacket {
  seq: number;
  timestamp: NtpTimestamp;
  errorEstimate: ErrorEstimate;
  ssid: number;
  tlvs: StampTlv[];
  /** the 16-octet HMAC of the authenticated mode, a view; null unauthenticated */
  hmac: Uint8Array | null;
}

export interface StampReflectorPacket extends StampSenderPacket {
  receiveTimestamp: NtpTimestamp;
  senderSeq: number;
  senderTimestamp: NtpTimestamp;
  senderErrorEstimate: ErrorEstimate;
  senderTtl: number;
}

export type StampErrorCode = 'STAMP_TRUNCATED' | 'STAMP_TLV_TRUNCATED' | 'STAMP_TLV_BAD_LENGTH';

export type StampResult<T> =
  | { ok: true; value: T; consumed: number }
  | { ok: false; code: StampErrorCode; offset: number; message: string };

export const TLV_FLAG_U = 0x80;
export const TLV_FLAG_M = 0x40;
export const TLV_FLAG_I = 0x20;

/** RFC 8972 IANA "STAMP TLV Types" */
export const TLV_EXTRA_PADDING = 1;
export const TLV_LOCATION = 2;
export const TLV_TIMESTAMP_INFO = 3;
export const TLV_CLASS_OF_SERVICE = 4;
export const TLV_HMAC = 8;

export const STAMP_UNAUTH_LENGTH = 44;
export const STAMP_AUTH_LENGTH = 112;
export const STAMP_HMAC_LENGTH = 16;

export function stampBaseLength(mode: StampMode): number {
  return mode === 'authenticated' ? STAMP_AUTH_LENGTH : STAMP_UNAUTH_LENGTH;
}

/** the field offsets of each layout, in one table */
const SENDER = {
  unauthenticated: { timestamp: 4, error: 12, ssid: 14 },
  authenticated: { timestamp: 16, error: 24, ssid: 26 },
} as const;
const REFLECTOR = {
  unauthenticated: { timestamp: 4, error: 12, ssid: 14, receive: 16, senderSeq: 24, senderTimestamp: 28, senderError: 36, ttl: 40 },
  authenticated: { timestamp: 16, error: 24, ssid: 26, receive: 32, senderSeq: 48, senderTimestamp: 64, senderError: 72, ttl: 80 },
} as const;
export const STAMP_OFFSETS = { sender: SENDER, reflector: REFLECTOR };

export function readNtp(buf: Uint8Array, off: number): NtpTimestamp {
  return { seconds: u32be(buf, off), fraction: u32be(buf, off + 4) };
}

export function decodeErrorEstimate(v: number): ErrorEstimate {
  return { synchronized: (v & 0x8000) !== 0, ptp: (v & 0x4000) !== 0, scale: (v >> 8) & 0x3f, multiplier: v & 0xff };
}

/** RFC 4656 4.1.2: the error in seconds (Multiplier * 2^-32 * 2^Scale) */
export function errorEstimateSeconds(e: ErrorEstimate): number {
  return e.multiplier * 2 ** (e.scale - 32);
}

function truncated<T>(what: string, need: number, have: number, offset: number): StampResult<T> {
  return { ok: false, code: 'STAMP_TRUNCATED', offset, message: `${what} needs ${need} octets, ${have} present` };
}

/** RFC 8972 4: TLVs from `offset` to `end`; every announced length checked before reading */
export function decodeStampTlvs(buf: Uint8Array, offset: number, end: number): StampResult<StampTlv[]> {
  const tlvs: StampTlv[] = [];
  let pos = offset;
  while (pos < end) {
    if (end - pos < 4) {
      return { ok: false, code: 'STAMP_TLV_TRUNCATED', offset: pos, message: `TLV header needs 4 octets, ${end - pos} left` };
    }
    const length = u16be(buf, pos + 2);
    if (pos + 4 + length > end) {
      return { ok: false, code: 'STAMP_TLV_BAD_LENGTH', offset: pos + 2, message: `TLV type ${buf[pos + 1]} announces ${length} octets, ${end - pos - 4} left` };
    }
    tlvs.push({ flags: buf[pos]!, type: buf[pos + 1]!, value: buf.subarray(pos + 4, pos + 4 + length) });
    pos += 4 + length;
  }
  return { ok: true, value: tlvs, consumed: pos - offset };
}

function clampEnd(buf: Uint8Array, end: number): number {
  return end > buf.length ? buf.length : end;
}

export function decodeStampSender(buf: Uint8Array, offset: number, end: number, mode: StampMode): StampResult<StampSenderPacket> {
  end = clampEnd(buf, end);
  const base = stampBaseLength(mode);
  if (end - offset < base) return truncated(`${mode} session-sender packet`, base, end - offset, offset);
  const tlvs = decodeStampTlvs(buf, offset + base, end);
  if (!tlvs.ok) return tlvs;
  return { ok: true, consumed: base + tlvs.consumed, value: { ...commonHead(buf, offset, SENDER[mode]), tlvs: tlvs.value, hmac: hmacOf(buf, offset, mode) } };
}

/** RFC 8762 4.2/4.3: both packets start with sequence number, timestamp, error estimate and SSID */
function commonHead(buf: Uint8Array, offset: number, o: { timestamp: number; error: number; ssid: number }) {
  return {
    seq: u32be(buf, offset),
    timestamp: readNtp(buf, offset + o.timestamp),
    errorEstimate: decodeErrorEstimate(u16be(buf, offset + o.error)),
    ssid: u16be(buf, offset + o.ssid),
  };
}

/** the HMAC field of an authenticated packet (octets 96-111), null unauthenticated */
function hmacOf(buf: Uint8Array, offset: number, mode: StampMode): Uint8Array | null {
  return mode === 'authenticated' ? buf.subarray(offset + 96, offset + 112) : null;
}

export function decodeStampReflector(buf: Uint8Array, offset: number, end: number, mode: StampMode): StampResult<StampReflectorPacket> {
  end = clampEnd(buf, end);
  const base = stampBaseLength(mode);
  if (end - offset < base) return truncated(`${mode} session-reflector packet`, base, end - offset, offset);
  const o = REFLECTOR[mode];
  const tlvs = decodeStampTlvs(buf, offset + base, end);
  if (!tlvs.ok) return tlvs;
  return {
    ok: true,
    consumed: base + tlvs.consumed,
    value: {
      ...commonHead(buf, offset, o),
      receiveTimestamp: readNtp(buf, offset + o.receive),
      senderSeq: u32be(buf, offset + o.senderSeq),
      senderTimestamp: readNtp(buf, offset + o.senderTimestamp),
      senderErrorEstimate: decodeErrorEstimate(u16be(buf, offset + o.senderError)),
      senderTtl: buf[offset + o.ttl]!,
      tlvs: tlvs.value,
      hmac: hmacOf(buf, offset, mode),
    },
  };
}

/** RFC 8972 4.4 Class of Service TLV value (4 octets): DSCP1 (6) | DSCP2 (6) | ECN (2) | RP (2) | Reserved (16) */
export interface ClassOfService {
  /** the DSCP the sender asks the reflector to use for the reflected packet */
  dscp1: number;
  /** the DSCP the reflector received (0 in the sender's packet) */
  dscp2: number;
  /** the ECN the reflector received */
  ecn: number;
  /** reverse path: 1 when the reflector could not use DSCP1 */
  rp: number;
}

export function decodeClassOfService(value: Uint8Array): ClassOfService | null {
  if (value.length !== 4) return null;
  const v = u16be(value, 0);
  return { dscp1: v >> 10, dscp2: (v >> 4) & 0x3f, ecn: (v >> 2) & 3, rp: v & 3 };
}

export function findTlv(tlvs: readonly StampTlv[], type: number): StampTlv | undefined {
  return tlvs.find((t) => t.type === type);
}

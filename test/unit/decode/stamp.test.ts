import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  TLV_CLASS_OF_SERVICE, decodeClassOfService, decodeErrorEstimate, decodeStampReflector, decodeStampSender, errorEstimateSeconds,
} from '../../../src/decode/stamp.js';
import {
  classOfServiceTlv, encodeErrorEstimate, encodeStampReflector, encodeStampSender, errorEstimateFor, extraPaddingTlv, verifyStampHmac, verifyTlvHmac,
} from '../../../src/encode/stamp.js';
import { ntpFromEpochMs, ntpToEpochMs } from '../../../src/probe/clock.js';

const key = Buffer.from('shared key');
const err = { synchronized: true, ptp: false, scale: 0, multiplier: 1 };

describe('STAMP codecs (RFC 8762, RFC 8972)', () => {
  it('writes the unauthenticated sender layout: seq, timestamp, error estimate, SSID, 28 MBZ', () => {
    const b = encodeStampSender({ seq: 7, timestamp: { seconds: 0xe0000001, fraction: 0x80000000 }, errorEstimate: err, ssid: 0xbeef, tlvs: [] }, 'unauthenticated');
    expect(b.length).toBe(44);
    expect(b.toString('hex', 0, 16)).toBe('00000007e0000001800000008001beef');
    expect(b.subarray(16).every((x) => x === 0)).toBe(true);
  });
  it('round-trips reflector packets with CoS and padding TLVs, both modes, and checks the HMACs', () => {
    for (const mode of ['unauthenticated', 'authenticated'] as const) {
      const spec = {
        seq: 3, timestamp: { seconds: 1, fraction: 2 }, errorEstimate: err, ssid: 9, receiveTimestamp: { seconds: 3, fraction: 4 },
        senderSeq: 5, senderTimestamp: { seconds: 6, fraction: 7 }, senderErrorEstimate: { ...err, synchronized: false }, senderTtl: 64,
        tlvs: [classOfServiceTlv({ dscp1: 46, dscp2: 10, ecn: 1, rp: 0 }), extraPaddingTlv(12)],
      };
      const b = encodeStampReflector(spec, mode, key);
      expect(b.length).toBe((mode === 'authenticated' ? 112 + 20 : 44) + 8 + 16);
      const d = decodeStampReflector(b, 0, b.length, mode);
      expect(d.ok).toBe(true);
      if (!d.ok) return;
      const { hmac, ...rest } = d.value;
      expect({ ...rest, tlvs: rest.tlvs.filter((t) => t.type !== 8).map((t) => ({ ...t, value: Buffer.from(t.value) })) })
        .toEqual({ ...spec, tlvs: spec.tlvs.map((t) => ({ ...t, value: Buffer.from(t.value) })) });
      expect(decodeClassOfService(rest.tlvs.find((t) => t.type === TLV_CLASS_OF_SERVICE)!.value)).toEqual({ dscp1: 46, dscp2: 10, ecn: 1, rp: 0 });
      expect(Buffer.from(encodeStampReflector(d.value, mode, key))).toEqual(b);
      if (mode === 'authenticated') {
        expect(hmac).not.toBeNull();
        expect(verifyStampHmac(key, b)).toBe(true);
        expect(verifyTlvHmac(key, b, mode)).toBe(true);
        const bad = Buffer.from(b);
        bad[0] = bad[0]! ^ 1;
        expect(verifyStampHmac(key, bad)).toBe(false);
        expect(verifyTlvHmac(key, bad, mode)).toBe(false);
      }
    }
  });
  it('says truncated and which TLV length broke', () => {
    expect(decodeStampSender(Buffer.alloc(43), 0, 43, 'unauthenticated')).toMatchObject({ ok: false, code: 'STAMP_TRUNCATED', offset: 0 });
    const b = Buffer.concat([Buffer.alloc(44), Buffer.from('00040009aabbccdd', 'hex')]);
    expect(decodeStampSender(b, 0, b.length, 'unauthenticated')).toMatchObject({ ok: false, code: 'STAMP_TLV_BAD_LENGTH', offset: 46 });
    expect(decodeStampSender(Buffer.alloc(111), 0, 111, 'authenticated')).toMatchObject({ ok: false, code: 'STAMP_TRUNCATED' });
  });
  it('error estimate (RFC 4656 4.1.2) and NTP timestamps', () => {
    expect(decodeErrorEstimate(encodeErrorEstimate({ synchronized: true, ptp: true, scale: 5, multiplier: 200 }))).toEqual({ synchronized: true, ptp: true, scale: 5, multiplier: 200 });
    const e = errorEstimateFor(0.001, false);
    expect(errorEstimateSeconds(e)).toBeGreaterThanOrEqual(0.001);
    expect(errorEstimateSeconds(e)).toBeLessThan(0.0021);
    const ms = 1_796_240_537_632.261;
    expect(Math.abs(ntpToEpochMs(ntpFromEpochMs(ms)) - ms)).toBeLessThan(1e-3);
  });
  it('never throws and never reads past end on random bytes (fuzz)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(300), (bytes, cut) => {
      const end = Math.min(cut, bytes.length);
      for (const mode of ['unauthenticated', 'authenticated'] as const) {
        const r = decodeStampReflector(bytes, 0, end, mode);
        if (r.ok) expect(r.consumed).toBeLessThanOrEqual(end);
        const s = decodeStampSender(bytes, 0, end, mode);
        if (s.ok) expect(s.consumed).toBe(end);
      }
    }), { numRuns: 2000 });
  });
});

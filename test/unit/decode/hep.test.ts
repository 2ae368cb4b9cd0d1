import { deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeHep, hep3FrameLength, ipv6Text, looksLikeHep } from '../../../src/decode/hep.js';
import { addressBytes, encodeHep2, encodeHep3, type HepEncodable } from '../../../src/encode/hep.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const SIP = Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n');

// a HEPv3 packet written by hand from the HEP3 draft: IPv4 UDP 10.0.0.1:5060 -> 10.0.0.2:5080,
// time 1700000000.000123, SIP, agent 2001, payload "ab"
const HAND = hex(`48455033 0065
  0000 0001 0007 02   0000 0002 0007 11
  0000 0003 000a 0a000001   0000 0004 000a 0a000002
  0000 0007 0008 13c4   0000 0008 0008 13d8
  0000 0009 000a 6553f100   0000 000a 000a 0000007b
  0000 000b 0007 01   0000 000c 000a 000007d1
  0000 000f 0008 6162`);

const sample = (over: Partial<HepEncodable> = {}): HepEncodable => ({
  src: '10.0.0.1', dst: '10.0.0.2', srcPort: 5060, dstPort: 5080, tsSec: 1700000000, tsUsec: 123,
  protoType: 1, agentId: 2001, payload: SIP, ...over,
});

describe('HEP decoder (HEP3 draft, HEPv2 fixed header)', () => {
  it('decodes a hand-made HEPv3 packet', () => {
    const r = decodeHep(HAND, 0, HAND.length);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.consumed).toBe(HAND.length);
    expect({ ...r.value, payload: Buffer.from(r.value.payload).toString() }).toEqual({
      version: 3, family: 2, ipProtocol: 17, src: '10.0.0.1', dst: '10.0.0.2', srcPort: 5060, dstPort: 5080,
      tsSec: 1700000000, tsUsec: 123, protoType: 1, agentId: 2001, authKey: null, correlationId: null,
      payload: 'ab', compressed: false,
    });
    expect(encodeHep3({ ...r.value })).toEqual(HAND);
  });

  it('sizes a UTF-8 SIP body by its bytes (hep-js cuts it by string length)', () => {
    const body = 'Grüße aus Köln — ☎';
    const sip = Buffer.from(`MESSAGE sip:a@b SIP/2.0\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, 'utf8');
    expect(sip.length).toBeGreaterThan(sip.toString('utf8').length);
    const bytes = encodeHep3(sample({ payload: sip }));
    const r = decodeHep(bytes, 0, bytes.length);
    expect(r.ok && Buffer.from(r.value.payload).equals(sip)).toBe(true);
    expect(r.ok && Buffer.from(r.value.payload).toString('utf8').endsWith('☎')).toBe(true);
  });

  it('decodes IPv6 addresses, correlation id and auth key', () => {
    const bytes = encodeHep3(sample({ src: '2001:db8::1', dst: 'fe80::a:0:0:2', authKey: 'secret', correlationId: 'abc@host' }));
    const r = decodeHep(bytes, 0, bytes.length);
    expect(r.ok && r.value).toMatchObject({ family: 10, src: '2001:db8::1', dst: 'fe80::a:0:0:2', authKey: 'secret', correlationId: 'abc@host' });
    expect(ipv6Text(addressBytes('0:0:0:0:0:0:0:1'), 0)).toBe('::1');
    expect(ipv6Text(addressBytes('1:0:0:2:0:0:0:3'), 0)).toBe('1:0:0:2::3');
  });

  it('inflates zlib and gzip payloads (chunk 16), and refuses one past the cap', () => {
    for (const z of [deflateSync(SIP), gzipSync(SIP)]) {
      const bytes = encodeHep3(sample({ payload: z, compressed: true }));
      const r = decodeHep(bytes, 0, bytes.length);
      expect(r.ok && r.value.compressed && Buffer.from(r.value.payload).equals(SIP)).toBe(true);
    }
    const bomb = encodeHep3(sample({ payload: deflateSync(Buffer.alloc(1_000_000)), compressed: true }));
    const r = decodeHep(bomb, 0, bomb.length, { maxInflated: 65536 });
    expect(r).toEqual({ ok: false, code: 'HEP_BAD_COMPRESSION', offset: bomb.indexOf(hex('0000 0010'), 6) + 6 });
    const junk = encodeHep3(sample({ payload: Buffer.from('not zlib'), compressed: true }));
    expect(decodeHep(junk, 0, junk.length)).toMatchObject({ ok: false, code: 'HEP_BAD_COMPRESSION' });
  });

  it('gives typed errors with offsets', () => {
    expect(decodeHep(hex('47455033 0006'), 0, 6)).toEqual({ ok: false, code: 'HEP_NOT_HEP', offset: 0 });
    expect(decodeHep(HAND, 0, 40)).toEqual({ ok: false, code: 'HEP_TRUNCATED', offset: 4 });
    expect(decodeHep(hex('48455033 0005'), 0, 6)).toEqual({ ok: false, code: 'HEP_BAD_LENGTH', offset: 4 });
    // first chunk (at 6) announces 0x0100 bytes
    const long = Buffer.from(HAND);
    long.writeUInt16BE(0x100, 10);
    expect(decodeHep(long, 0, long.length)).toEqual({ ok: false, code: 'HEP_BAD_LENGTH', offset: 10 });
    // family chunk of 2 bytes
    const badFamily = hex('48455033 000e 0000 0001 0008 0202');
    expect(decodeHep(badFamily, 0, badFamily.length)).toEqual({ ok: false, code: 'HEP_BAD_CHUNK', offset: 6 });
    // no payload chunk
    const noPayload = HAND.subarray(0, HAND.length - 8);
    const np = Buffer.from(noPayload);
    np.writeUInt16BE(np.length, 4);
    expect(decodeHep(np, 0, np.length)).toEqual({ ok: false, code: 'HEP_MISSING_FIELD', offset: 0 });
  });

  it('skips unknown chunks and other vendors', () => {
    const extra = hex('0000 0018 0007 b8  0003 000f 0008 ffff');
    const bytes = Buffer.concat([HAND, extra]);
    bytes.writeUInt16BE(bytes.length, 4);
    const r = decodeHep(bytes, 0, bytes.length);
    expect(r.ok && Buffer.from(r.value.payload).toString()).toBe('ab');
  });

  it('decodes HEPv2 and HEPv1 (fixed header; time and capture id little-endian)', () => {
    const v2 = encodeHep2(sample({ agentId: 77 }));
    expect(v2.subarray(0, 8)).toEqual(hex('02 10 02 11 13c4 13d8'));
    const r = decodeHep(v2, 0, v2.length);
    expect(r.ok && { ...r.value, payload: Buffer.from(r.value.payload).toString() }).toEqual({
      version: 2, family: 2, ipProtocol: 17, src: '10.0.0.1', dst: '10.0.0.2', srcPort: 5060, dstPort: 5080,
      tsSec: 1700000000, tsUsec: 123, protoType: 1, agentId: 77, authKey: null, correlationId: null,
      payload: SIP.toString(), compressed: false,
    });
    const v1 = encodeHep2(sample({ src: '::1', dst: '::2' }), 1);
    const r1 = decodeHep(v1, 0, v1.length);
    expect(r1.ok && r1.value).toMatchObject({ version: 1, src: '::1', dst: '::2', tsSec: null, agentId: null });
    expect(decodeHep(hex('02 11 02 11 13c4 13d8'), 0, 8)).toEqual({ ok: false, code: 'HEP_BAD_LENGTH', offset: 1 });
    expect(decodeHep(v2, 0, 20)).toEqual({ ok: false, code: 'HEP_TRUNCATED', offset: 0 });
  });

  it('frames HEPv3 packets back to back on a stream', () => {
    const two = Buffer.concat([HAND, HAND]);
    expect(hep3FrameLength(two, 0, two.length)).toBe(HAND.length);
    expect(hep3FrameLength(two, HAND.length, HAND.length + 5)).toBe(0);
    expect(hep3FrameLength(two, HAND.length, two.length - 1)).toBe(0);
    expect(hep3FrameLength(hex('4845'), 0, 2)).toBe(0);
    expect(hep3FrameLength(hex('4846'), 0, 2)).toEqual({ ok: false, code: 'HEP_NOT_HEP', offset: 1 });
    expect(hep3FrameLength(hex('48455033 0002'), 0, 6)).toEqual({ ok: false, code: 'HEP_BAD_LENGTH', offset: 4 });
    expect(looksLikeHep(HAND, 0, HAND.length)).toBe(true);
    expect(looksLikeHep(SIP, 0, SIP.length)).toBe(false);
  });

  const arbPacket = fc.record({
    v6: fc.boolean(),
    a: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    b: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    srcPort: fc.nat(65535), dstPort: fc.nat(65535), ipProtocol: fc.constantFrom(6, 17),
    tsSec: fc.option(fc.nat(0xffffffff)), tsUsec: fc.nat(999999), protoType: fc.nat(255),
    agentId: fc.option(fc.nat(0xffffffff)), authKey: fc.option(fc.string({ maxLength: 20 }).map((s) => Buffer.from(s, 'utf8').toString('latin1'))),
    correlationId: fc.option(fc.string({ maxLength: 30 })), payload: fc.uint8Array({ maxLength: 300 }),
  }).map((r): HepEncodable => ({
    src: r.v6 ? ipv6Text(r.a, 0) : `${r.a[0]}.${r.a[1]}.${r.a[2]}.${r.a[3]}`,
    dst: r.v6 ? ipv6Text(r.b, 0) : `${r.b[0]}.${r.b[1]}.${r.b[2]}.${r.b[3]}`,
    srcPort: r.srcPort, dstPort: r.dstPort, ipProtocol: r.ipProtocol, tsSec: r.tsSec, tsUsec: r.tsSec === null ? null : r.tsUsec,
    protoType: r.protoType, agentId: r.agentId, authKey: r.authKey, correlationId: r.correlationId, payload: Buffer.from(r.payload),
  }));

  it('round-trips: decode(encode(p)) = p and encode(decode(bytes)) = bytes', () => {
    fc.assert(fc.property(arbPacket, (p) => {
      const bytes = encodeHep3(p);
      const r = decodeHep(bytes, 0, bytes.length);
      if (!r.ok) return false;
      const { version: _v, family: _f, compressed: _c, ...rest } = r.value;
      expect({ ...rest, payload: Buffer.from(rest.payload) }).toEqual({ ...p, payload: Buffer.from(p.payload) });
      return encodeHep3(r.value).equals(bytes);
    }), { numRuns: 300 });
  });

  it('never throws, never reads past end, on random and mutated bytes', () => {
    const seeds = [HAND, encodeHep3(sample({ src: '::1', dst: '::2', correlationId: 'x' })), encodeHep2(sample()),
      encodeHep3(sample({ payload: deflateSync(SIP), compressed: true }))];
    const arb = fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      fc.tuple(fc.nat(seeds.length - 1), fc.array(fc.tuple(fc.nat(200), fc.nat(255)), { maxLength: 4 })).map(([s, muts]) => {
        const m = Uint8Array.from(seeds[s]!);
        for (const [i, v] of muts) m[i % m.length] = v;
        return m;
      }),
    );
    fc.assert(fc.property(arb, fc.nat(16), (bytes, cut) => {
      const end = Math.max(0, bytes.length - cut);
      // bytes past end are garbage: the answer must not depend on them
      const padded = new Uint8Array(bytes.length + 64).fill(0x5a);
      padded.set(bytes.subarray(0, end));
      const a = decodeHep(bytes, 0, end);
      const b = decodeHep(padded, 0, end);
      expect(b).toEqual(a);
      if (a.ok) expect(a.consumed).toBeLessThanOrEqual(end);
      const f = hep3FrameLength(bytes, 0, end);
      expect(typeof f === 'number' ? f <= end : f.offset < Math.max(end, 1)).toBe(true);
    }), { numRuns: 2000 });
  });
});

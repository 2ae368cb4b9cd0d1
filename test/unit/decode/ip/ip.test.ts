import { describe, expect, it } from 'vitest';
import { IP_MALFORMED, IP_OK, IP_TRUNCATED, IpView } from '../../../../src/decode/ip/ip-view.js';
import { decodeIpv4 } from '../../../../src/decode/ip/ipv4.js';
import { decodeIpv6 } from '../../../../src/decode/ip/ipv6.js';
import { ext, fragHdr, ipv4, ipv6 } from '../link/frame-builders.js';

const P = Buffer.from('hello world');

describe('decodeIpv4', () => {
  it('reads DSCP/ECN, TTL, protocol, addresses and payload bounds (with options)', () => {
    const b = ipv4('10.0.0.1', '192.168.1.2', 17, P, { tos: (46 << 2) | 1, ttl: 7, optionWords: 2 });
    const v = new IpView();
    expect(decodeIpv4(b, 0, b.length, v)).toBe(IP_OK);
    expect(v).toMatchObject({ version: 4, dscp: 46, ecn: 1, ttl: 7, proto: 17, src4: 0x0a000001, dst4: 0xc0a80102, payloadStart: 28, payloadEnd: 28 + P.length, fragment: false });
  });

  it('excludes padding after the total length (Ethernet minimum frame)', () => {
    const b = Buffer.concat([ipv4('1.2.3.4', '5.6.7.8', 17, Buffer.alloc(4)), Buffer.alloc(22)]);
    const v = new IpView();
    expect(decodeIpv4(b, 0, b.length, v)).toBe(IP_OK);
    expect(v.payloadEnd).toBe(24);
  });

  it('reads fragment offset, MF and id', () => {
    const b = ipv4('1.2.3.4', '5.6.7.8', 17, P, { fragOffset: 1480, more: true, id: 0xbeef });
    const v = new IpView();
    decodeIpv4(b, 0, b.length, v);
    expect(v).toMatchObject({ fragment: true, fragOffset: 1480, moreFragments: true, fragId: 0xbeef });
  });

  it('keeps truncated and malformed apart, naming the broken rule and offset', () => {
    const good = ipv4('1.2.3.4', '5.6.7.8', 17, P);
    const v = new IpView();
    expect(decodeIpv4(good, 0, 19, v)).toBe(IP_TRUNCATED);
    expect(decodeIpv4(good, 0, good.length - 1, v)).toBe(IP_TRUNCATED);
    const badVer = Buffer.from(good);
    badVer[0] = 0x55;
    expect(decodeIpv4(badVer, 0, badVer.length, v)).toBe(IP_MALFORMED);
    expect(v.errCode).toBe('IPV4_VERSION');
    const badIhl = Buffer.from(good);
    badIhl[0] = 0x44;
    expect(decodeIpv4(badIhl, 0, badIhl.length, v)).toBe(IP_MALFORMED);
    expect(v.errCode).toBe('IPV4_IHL');
    const badTotal = ipv4('1.2.3.4', '5.6.7.8', 17, P, { totalOverride: 12 });
    expect(decodeIpv4(badTotal, 0, badTotal.length, v)).toBe(IP_MALFORMED);
    expect([v.errCode, v.errOffset]).toEqual(['IPV4_TOTAL_LENGTH', 2]);
  });
});

describe('decodeIpv6', () => {
  it('reads traffic class as DSCP/ECN, hop limit, next header', () => {
    const b = ipv6('2001:db8::1', '2001:db8::2', 17, P, (32 << 2) | 2, 9);
    const v = new IpView();
    expect(decodeIpv6(b, 0, b.length, v)).toBe(IP_OK);
    expect(v).toMatchObject({ version: 6, dscp: 32, ecn: 2, ttl: 9, proto: 17, srcAt: 8, dstAt: 24, payloadStart: 40, payloadEnd: 40 + P.length });
  });

  it('walks hop-by-hop, routing and destination options to the transport', () => {
    const chain = Buffer.concat([ext(43, 8), ext(60, 24), ext(6, 16), P]);
    const b = ipv6('::1', '::2', 0, chain);
    const v = new IpView();
    expect(decodeIpv6(b, 0, b.length, v)).toBe(IP_OK);
    expect(v).toMatchObject({ proto: 6, payloadStart: 40 + 48, fragment: false });
  });

  it('a fragment header makes a fragment; an atomic fragment (RFC 6946) does not', () => {
    const v = new IpView();
    const f = ipv6('::1', '::2', 0, Buffer.concat([ext(44), fragHdr(17, 1448, true, 0xabcdef01), P]));
    expect(decodeIpv6(f, 0, f.length, v)).toBe(IP_OK);
    expect(v).toMatchObject({ fragment: true, fragOffset: 1448, moreFragments: true, fragId: 0xabcdef01, proto: 17, payloadStart: 56 });
    const atomic = ipv6('::1', '::2', 44, Buffer.concat([fragHdr(17, 0, false, 5), P]));
    expect(decodeIpv6(atomic, 0, atomic.length, v)).toBe(IP_OK);
    expect(v).toMatchObject({ fragment: false, proto: 17, payloadStart: 48 });
  });

  it('an extension header longer than the payload is malformed; a short capture truncated', () => {
    const v = new IpView();
    const bad = ipv6('::1', '::2', 60, Buffer.from([17, 3, 0, 0, 0, 0, 0, 0]));
    expect(decodeIpv6(bad, 0, bad.length, v)).toBe(IP_MALFORMED);
    expect([v.errCode, v.errOffset]).toEqual(['IPV6_EXT_LENGTH', 41]);
    const good = ipv6('::1', '::2', 17, P);
    expect(decodeIpv6(good, 0, 39, v)).toBe(IP_TRUNCATED);
    expect(decodeIpv6(good, 0, good.length - 1, v)).toBe(IP_TRUNCATED);
    const v4 = Buffer.from(good);
    v4[0] = 0x45;
    expect(decodeIpv6(v4, 0, v4.length, v)).toBe(IP_MALFORMED);
  });
});

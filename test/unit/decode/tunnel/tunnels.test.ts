/**
 * Tunnel decoders through the FrameDecoder: GRE (plain, key, sequence, checksum, routing), ERSPAN I/II/III,
 * VXLAN, IP in IP, MPLS stacks, PPPoE sessions, nesting, and the three outcomes kept apart (truncated by the
 * snap length / malformed / not decoded, named). Header bytes are written by hand from the RFC diagrams in
 * the first tests, by src/encode/encapsulate.ts after that (its own bytes are checked against the hand ones).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AddressTable } from '../../../../src/decode/ip/address-table.js';
import { FrameDecoder } from '../../../../src/decode/frame-decoder.js';
import { PacketInfo } from '../../../../src/decode/packet-info.js';
import { undecodedName, U_ETHERTYPE, U_INNER_ETHERTYPE, U_IP_FRAGMENTS, U_MPLS_PAYLOAD, U_PPP, U_PPTP } from '../../../../src/decode/protocol-names.js';
import { erspan2Header, erspan3Header, greHeader, mplsStack, pppoeSessionHeader, vxlanHeader } from '../../../../src/encode/encapsulate.js';
import { eth, ipv4, ipv6, record, udp } from '../link/frame-builders.js';

const RTP = Buffer.from('80080001000000a0deadbeef', 'hex');

function setup(): { dec: FrameDecoder; out: PacketInfo; t: AddressTable } {
  const t = new AddressTable();
  return { dec: new FrameDecoder(t), out: new PacketInfo(), t };
}

/** the mirrored packet: Ethernet + VLAN 7 + IPv4 10.1.0.10 -> 10.2.0.10, DSCP EF, UDP 16384 -> 20000, RTP */
function innerFrame(): Buffer {
  return eth(0x0800, ipv4('10.1.0.10', '10.2.0.10', 17, udp(16384, 20000, RTP), { tos: 0xb8 }), [[0x8100, 7]]);
}

/** outer Ethernet + IPv4 192.0.2.1 -> 192.0.2.2 (DSCP 0) carrying `proto` */
function outer(proto: number, payload: Buffer): Buffer {
  return eth(0x0800, ipv4('192.0.2.1', '192.0.2.2', proto, payload));
}

function expectInnerRtp(dec: FrameDecoder, out: PacketInfo, t: AddressTable, f: Buffer, layers: number, vlan = 7): void {
  expect(dec.decode(record(1, f), out)).toBe('ok');
  expect(t.formatEndpoint(out.srcAddr, out.srcPort)).toBe('10.1.0.10:16384');
  expect(t.formatEndpoint(out.dstAddr, out.dstPort)).toBe('10.2.0.10:20000');
  expect(out).toMatchObject({ ipVersion: 4, proto: 17, dscp: 46, vlan, encapsulation: layers });
  expect(out.buf.subarray(out.payloadStart, out.payloadEnd)).toEqual(RTP);
}

describe('GRE', () => {
  it('hand-built GRE 0x6558 with key and sequence: the inner Ethernet frame, its VLAN and DSCP', () => {
    const { dec, out, t } = setup();
    // C=0 R=0 K=1 S=1, version 0, protocol 0x6558; key 0x00000bad; sequence 42
    const gre = Buffer.from('30006558' + '00000bad' + '0000002a', 'hex');
    expect(greHeader(0x6558, { key: 0xbad, sequence: 42 })).toEqual(gre);
    expectInnerRtp(dec, out, t, outer(47, Buffer.concat([gre, innerFrame()])), 1);
  });

  it('GRE 0x0800 (IP directly), with the checksum field; GRE over IPv6', () => {
    const { dec, out, t } = setup();
    const innerIp = ipv4('10.1.0.10', '10.2.0.10', 17, udp(16384, 20000, RTP), { tos: 0xb8 });
    const gre = Buffer.from('800008000000' + '0000', 'hex');
    expect(greHeader(0x0800, { checksum: true })).toEqual(gre);
    expectInnerRtp(dec, out, t, outer(47, Buffer.concat([gre, innerIp])), 1, -1);
    const v6 = eth(0x86dd, ipv6('2001:db8::1', '2001:db8::2', 47, Buffer.concat([greHeader(0x0800), innerIp])));
    expectInnerRtp(dec, out, t, v6, 1, -1);
  });

  it('GRE with an RFC 1701 routing field (SREs up to the null entry)', () => {
    const { dec, out, t } = setup();
    // R bit: checksum+offset word, then one SRE (AF 0x0800, offset 0, length 4, 4 bytes) and the null SRE
    const gre = Buffer.from('40006558' + '00000000' + '08000004' + 'c0000201' + '00000000', 'hex');
    expectInnerRtp(dec, out, t, outer(47, Buffer.concat([gre, innerFrame()])), 1);
  });

  it('PPTP (GRE version 1) and an unknown GRE protocol type are named, not dropped silently', () => {
    const { dec, out } = setup();
    expect(dec.decode(record(1, outer(47, Buffer.from('3001880b0000000000000001ff03c021', 'hex'))), out)).toBe('not-ip');
    expect([dec.undecodedKind, undecodedName(dec.undecodedKind, dec.undecodedCode)]).toEqual([U_PPTP, 'PPTP (GRE version 1)']);
    expect(dec.decode(record(1, outer(47, Buffer.concat([greHeader(0x88b5), Buffer.alloc(20)]))), out)).toBe('not-ip');
    expect([dec.undecodedKind, undecodedName(dec.undecodedKind, dec.undecodedCode)]).toEqual([U_INNER_ETHERTYPE, 'EtherType 0x88b5 inside a tunnel']);
  });

  it('GRE version 2..7 is malformed at the version byte; a frame cut inside the GRE header is truncated (snap) or malformed', () => {
    const { dec, out } = setup();
    expect(dec.decode(record(1, outer(47, Buffer.from('00026558', 'hex'))), out)).toBe('malformed');
    expect(dec.lastError).toMatchObject({ code: 'GRE_VERSION', offset: 14 + 20 + 1 });
    const cut = outer(47, Buffer.from('30006558', 'hex')); // K and S announced, not there
    expect(dec.decode(record(1, cut), out)).toBe('malformed');
    expect(dec.lastError.code).toBe('TUNNEL_HEADER');
    expect(dec.decode(record(1, cut, 1, cut.length + 100), out)).toBe('truncated');
  });
});

describe('ERSPAN', () => {
  it('type II (GRE 0x88BE with a sequence number): hand-built 8-byte header', () => {
    const { dec, out, t } = setup();
    const hdr = Buffer.from('1000' + '0064' + '00000005', 'hex'); // version 1, VLAN 0, session 100, index 5
    expect(erspan2Header(100, 5)).toEqual(hdr);
    expectInnerRtp(dec, out, t, outer(47, Buffer.concat([greHeader(0x88be, { sequence: 9 }), hdr, innerFrame()])), 1);
  });

  it('type I (GRE 0x88BE without sequence number): the Ethernet frame right after GRE', () => {
    const { dec, out, t } = setup();
    expectInnerRtp(dec, out, t, outer(47, Buffer.concat([greHeader(0x88be), innerFrame()])), 1);
  });

  it('type III (GRE 0x22EB), with and without the platform subheader; IP frame type', () => {
    const { dec, out, t } = setup();
    const hdr = Buffer.from('2000' + '0065' + '12345678' + '0000' + '0000', 'hex');
    expect(erspan3Header(101, 0x12345678)).toEqual(hdr);
    expectInnerRtp(dec, out, t, outer(47, Buffer.concat([greHeader(0x22eb, { sequence: 1 }), hdr, innerFrame()])), 1);
    expectInnerRtp(dec, out, t, outer(47, Buffer.concat([greHeader(0x22eb, { sequence: 1 }), erspan3Header(101, 1, true), innerFrame()])), 1);
    const ipType = Buffer.from(hdr);
    ipType[10] = 2 << 2; // frame type 2: an IP packet
    const innerIp = ipv4('10.1.0.10', '10.2.0.10', 17, udp(16384, 20000, RTP), { tos: 0xb8 });
    expectInnerRtp(dec, out, t, outer(47, Buffer.concat([greHeader(0x22eb, { sequence: 1 }), ipType, innerIp])), 1, -1);
  });

  it('a type II header with the wrong version is malformed at its offset', () => {
    const { dec, out } = setup();
    const hdr = erspan2Header(1);
    hdr[0] = 0x20;
    expect(dec.decode(record(1, outer(47, Buffer.concat([greHeader(0x88be, { sequence: 1 }), hdr, innerFrame()]))), out)).toBe('malformed');
    expect(dec.lastError).toMatchObject({ code: 'ERSPAN_VERSION', offset: 14 + 20 + 8 });
  });
});

describe('VXLAN, IP in IP, MPLS, PPPoE', () => {
  it('VXLAN on UDP 4789: hand-built header, inner Ethernet', () => {
    const { dec, out, t } = setup();
    const hdr = Buffer.from('08000000' + '00138800', 'hex'); // I flag, VNI 5000
    expect(vxlanHeader(5000)).toEqual(hdr);
    expectInnerRtp(dec, out, t, outer(17, udp(51234, 4789, Buffer.concat([hdr, innerFrame()]))), 1);
  });

  it('UDP from port 4789 to another port is plain UDP (the VXLAN port is the destination)', () => {
    const { dec, out } = setup();
    expect(dec.decode(record(1, outer(17, udp(4789, 20000, RTP))), out)).toBe('ok');
    expect(out).toMatchObject({ srcPort: 4789, dstPort: 20000, encapsulation: 0 });
  });

  it('IPv4 in IPv4 (protocol 4) and IPv4 in IPv6 (41 carries IPv6: checked with an inner IPv6)', () => {
    const { dec, out, t } = setup();
    const innerIp = ipv4('10.1.0.10', '10.2.0.10', 17, udp(16384, 20000, RTP), { tos: 0xb8 });
    expectInnerRtp(dec, out, t, outer(4, innerIp), 1, -1);
    const in6 = ipv6('2001:db8::a', '2001:db8::b', 17, udp(16384, 20000, RTP), 46 << 2);
    expect(dec.decode(record(1, outer(41, in6)), out)).toBe('ok');
    expect([out.ipVersion, out.dscp, t.format(out.srcAddr), out.encapsulation]).toEqual([6, 46, '2001:db8::a', 1]);
  });

  it('MPLS: a two-label stack over IPv4; a pseudowire with control word over Ethernet; hand-built labels', () => {
    const { dec, out, t } = setup();
    const stack = Buffer.from('000640' + '40' + '0007d1' + '40', 'hex'); // label 100 TTL 64, label 125 bottom, TTL 64
    expect(mplsStack([100, 125])).toEqual(stack);
    const innerIp = ipv4('10.1.0.10', '10.2.0.10', 17, udp(16384, 20000, RTP), { tos: 0xb8 });
    expectInnerRtp(dec, out, t, eth(0x8847, Buffer.concat([stack, innerIp])), 1, -1);
    expectInnerRtp(dec, out, t, eth(0x8847, Buffer.concat([mplsStack([16]), Buffer.alloc(4), innerFrame()])), 1);
    expect(dec.decode(record(1, eth(0x8847, Buffer.concat([mplsStack([16]), Buffer.from('9999', 'hex')]))), out)).toBe('not-ip');
    expect(dec.undecodedKind).toBe(U_MPLS_PAYLOAD);
    // 17 labels without a bottom of stack: garbage, not an endless walk
    expect(dec.decode(record(1, eth(0x8847, Buffer.alloc(17 * 4 + 20))), out)).toBe('malformed');
    expect(dec.lastError.code).toBe('MPLS_STACK_DEPTH');
  });

  it('PPPoE session over VLAN: IPv4 inside; LCP is named as PPP LCP', () => {
    const { dec, out, t } = setup();
    const innerIp = ipv4('10.1.0.10', '10.2.0.10', 17, udp(16384, 20000, RTP), { tos: 0xb8 });
    // version/type 0x11, code 0, session 0x0017, length (PPP protocol + IP), PPP protocol 0x0021 (IPv4)
    const manual = Buffer.from('11000017' + (innerIp.length + 2).toString(16).padStart(4, '0') + '0021', 'hex');
    expect(pppoeSessionHeader(0x17, 0x21, innerIp.length)).toEqual(manual);
    expectInnerRtp(dec, out, t, eth(0x8864, Buffer.concat([manual, innerIp]), [[0x8100, 7]]), 1);
    const lcp = Buffer.from('0101000a0000000000000000', 'hex');
    expect(dec.decode(record(1, eth(0x8864, Buffer.concat([pppoeSessionHeader(1, 0xc021, lcp.length), lcp]))), out)).toBe('not-ip');
    expect([dec.undecodedKind, undecodedName(dec.undecodedKind, dec.undecodedCode)]).toEqual([U_PPP, 'PPP LCP']);
  });
});

describe('nesting, fragments, names', () => {
  it('QinQ + MPLS + GRE + ERSPAN II + VXLAN-in-mirror: three tunnels, the innermost packet wins', () => {
    const { dec, out, t } = setup();
    const vx = eth(0x0800, ipv4('172.16.0.1', '172.16.0.2', 17, udp(40000, 4789, Buffer.concat([vxlanHeader(7), innerFrame()]))));
    const mirrored = Buffer.concat([greHeader(0x88be, { sequence: 3 }), erspan2Header(5), vx]);
    const f = eth(0x8847, Buffer.concat([mplsStack([200]), ipv4('192.0.2.1', '192.0.2.2', 47, mirrored)]), [[0x88a8, 100], [0x8100, 200]]);
    expectInnerRtp(dec, out, t, f, 3, 100);
  });

  it('nesting is bounded: GRE in GRE nine times deep is malformed, eight is fine', () => {
    const { dec, out } = setup();
    const wrap = (depth: number): Buffer => {
      let f = ipv4('10.1.0.10', '10.2.0.10', 17, udp(16384, 20000, RTP));
      for (let i = 0; i < depth; i++) f = ipv4('192.0.2.1', '192.0.2.2', 47, Buffer.concat([greHeader(0x0800), f]));
      return eth(0x0800, f);
    };
    expect(dec.decode(record(1, wrap(8)), out)).toBe('ok');
    expect(out.encapsulation).toBe(8);
    expect(dec.decode(record(1, wrap(9)), out)).toBe('malformed');
    expect(dec.lastError.code).toBe('ENCAP_DEPTH');
  });

  it('an outer IPv4 GRE datagram in two fragments is reassembled, then decapsulated; a lone fragment is counted', () => {
    const { dec, out, t } = setup();
    const gre = Buffer.concat([greHeader(0x6558), innerFrame()]);
    const a = eth(0x0800, ipv4('192.0.2.1', '192.0.2.2', 47, gre.subarray(0, 32), { more: true, id: 77, totalOverride: 52 }));
    const b = eth(0x0800, ipv4('192.0.2.1', '192.0.2.2', 47, gre.subarray(32), { fragOffset: 32, id: 77 }));
    expect(dec.decode(record(1, a), out)).toBe('fragment-pending');
    expectInnerRtp(dec, out, t, b, 1);
    expect(out.reassembled).toBe(true);
    expect(dec.fragmentsNotReassembled).toBe(0);
    expect(dec.decode(record(1, eth(0x0800, ipv4('192.0.2.1', '192.0.2.2', 47, gre.subarray(0, 32), { more: true, id: 78 }))), out)).toBe('fragment-pending');
    expect(dec.fragmentsNotReassembled).toBe(1);
    expect(undecodedName(U_IP_FRAGMENTS, 0)).toBe('IP fragments never reassembled');
  });

  it('ARP and LLDP at the link are named (not-ip with the EtherType)', () => {
    const { dec, out } = setup();
    expect(dec.decode(record(1, eth(0x0806, Buffer.alloc(28))), out)).toBe('not-ip');
    expect([dec.undecodedKind, undecodedName(dec.undecodedKind, dec.undecodedCode)]).toEqual([U_ETHERTYPE, 'ARP']);
    expect(dec.decode(record(1, eth(0x88cc, Buffer.alloc(28))), out)).toBe('not-ip');
    expect(undecodedName(dec.undecodedKind, dec.undecodedCode)).toBe('LLDP');
  });

  it('a raw IP link with a non-IP version nibble is named by its link type, not as an EtherType', () => {
    const { dec, out } = setup();
    expect(dec.decode(record(101, Buffer.from('5000000000000000', 'hex')), out)).toBe('not-ip');
    expect(undecodedName(dec.undecodedKind, dec.undecodedCode)).toBe('non-IP frames on Raw IP');
  });

  it('random bytes behind every tunnel type never throw and never claim more than the frame', () => {
    const { dec, out } = setup();
    const heads = [
      (b: Buffer) => outer(47, b), (b: Buffer) => outer(47, Buffer.concat([greHeader(0x88be, { sequence: 1 }), b])),
      (b: Buffer) => outer(47, Buffer.concat([greHeader(0x22eb), b])), (b: Buffer) => outer(17, udp(1, 4789, b)),
      (b: Buffer) => eth(0x8847, b), (b: Buffer) => eth(0x8864, b), (b: Buffer) => outer(47, Buffer.concat([greHeader(0x6558), b])),
    ];
    fc.assert(fc.property(fc.integer({ min: 0, max: heads.length - 1 }), fc.uint8Array({ maxLength: 120 }), (k, bytes) => {
      const f = heads[k]!(Buffer.from(bytes));
      const st = dec.decode(record(1, f), out);
      expect(['ok', 'not-ip', 'malformed', 'truncated', 'fragment-pending']).toContain(st);
      if (st === 'ok') expect(out.payloadEnd).toBeLessThanOrEqual(out.buf.length);
    }), { numRuns: 3000 });
  });
});

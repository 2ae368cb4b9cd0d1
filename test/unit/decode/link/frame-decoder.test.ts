import { describe, expect, it } from 'vitest';
import { AddressTable } from '../../../../src/decode/ip/address-table.js';
import { FrameDecoder } from '../../../../src/decode/frame-decoder.js';
import { PacketInfo } from '../../../../src/decode/packet-info.js';
import { eth, ext, fragHdr, ipv4, ipv6, nullHdr, record, sll, tcp, udp } from './frame-builders.js';

const RTP = Buffer.from('80000001000000a0deadbeef', 'hex');

function setup(): { dec: FrameDecoder; out: PacketInfo; t: AddressTable } {
  const t = new AddressTable();
  return { dec: new FrameDecoder(t), out: new PacketInfo(), t };
}

describe('FrameDecoder', () => {
  it('Ethernet + VLAN + IPv4 + UDP, padded to 60 bytes: fields and exact payload view', () => {
    const { dec, out, t } = setup();
    const f = Buffer.concat([eth(0x0800, ipv4('10.1.2.3', '10.4.5.6', 17, udp(16384, 20000, Buffer.alloc(2)), { tos: 0xb8, ttl: 60 }), [[0x8100, 12]]), Buffer.alloc(20)]);
    const rec = record(1, f, 7, f.length, 1234);
    expect(dec.decode(rec, out)).toBe('ok');
    expect(out).toMatchObject({ num: 7, tsSec: 1234, tsNsec: 5, frameLen: f.length, linkType: 1, ipVersion: 4, dscp: 46, ecn: 0, ttl: 60, proto: 17, srcPort: 16384, dstPort: 20000, vlan: 12, reassembled: false });
    expect(t.formatEndpoint(out.srcAddr, out.srcPort)).toBe('10.1.2.3:16384');
    expect(out.payloadLength).toBe(2);
    expect(out.buf).toBe(f);
  });

  it('SLL + IPv6 with extension headers + TCP: seq/ack/flags, address keys', () => {
    const { dec, out, t } = setup();
    const seg = tcp(5060, 40000, 1000, 2000, 0x18, RTP);
    const f = sll(0x86dd, ipv6('2001:4860:4864:6::81', 'fe80::1', 0, Buffer.concat([ext(60), ext(6), seg]), 26 << 2));
    expect(dec.decode(record(113, f), out)).toBe('ok');
    expect(out).toMatchObject({ ipVersion: 6, proto: 6, dscp: 26, tcpSeq: 1000, tcpAck: 2000, tcpFlags: 0x18, srcPort: 5060 });
    expect(t.format(out.srcAddr)).toBe('2001:4860:4864:6::81');
    expect(out.buf.subarray(out.payloadStart, out.payloadEnd)).toEqual(RTP);
  });

  it('not IP, unsupported link, truncated by snap length vs malformed', () => {
    const { dec, out } = setup();
    expect(dec.decode(record(1, eth(0x0806, Buffer.alloc(28))), out)).toBe('not-ip');
    expect(dec.decode(record(147, Buffer.alloc(40)), out)).toBe('unsupported-link');
    const full = eth(0x0800, ipv4('1.1.1.1', '2.2.2.2', 17, udp(1, 2, RTP)));
    const cut = full.subarray(0, 30);
    expect(dec.decode(record(1, cut, 1, full.length), out)).toBe('truncated');
    expect(dec.decode(record(1, cut), out)).toBe('malformed');
    expect(dec.lastError.code).toBe('IPV4_LENGTH');
    const badUdp = eth(0x0800, ipv4('1.1.1.1', '2.2.2.2', 17, udp(1, 2, RTP, 5)));
    expect(dec.decode(record(1, badUdp), out)).toBe('malformed');
    expect(dec.lastError).toMatchObject({ code: 'UDP_LENGTH', offset: 14 + 20 + 4 });
    expect(dec.lastError.message).toMatch(/UDP length/);
  });

  it('decodes a frame in place inside a larger chunk (buf, dataOffset): same fields, frame-relative error offsets', () => {
    const { dec, out } = setup();
    const f = eth(0x0800, ipv4('10.1.2.3', '10.4.5.6', 17, udp(16384, 20000, RTP), { tos: 0xb8 }));
    const chunk = Buffer.concat([Buffer.alloc(100, 0xee), f, Buffer.alloc(50, 0xee)]);
    const inChunk = { ...record(1, f), buf: chunk, dataOffset: 100 };
    expect(dec.decode(inChunk, out)).toBe('ok');
    expect(out).toMatchObject({ ipVersion: 4, dscp: 46, srcPort: 16384, dstPort: 20000, payloadStart: 100 + 14 + 20 + 8, payloadEnd: 100 + f.length });
    expect(out.buf).toBe(chunk);
    expect(out.buf.subarray(out.payloadStart, out.payloadEnd)).toEqual(RTP);
    // the bytes after the frame in the chunk are not part of it: a short frame stays short
    const badUdp = eth(0x0800, ipv4('1.1.1.1', '2.2.2.2', 17, udp(1, 2, RTP, 5)));
    const chunk2 = Buffer.concat([Buffer.alloc(7), badUdp, Buffer.alloc(64, 0xff)]);
    expect(dec.decode({ ...record(1, badUdp), buf: chunk2, dataOffset: 7 }, out)).toBe('malformed');
    expect(dec.lastError).toMatchObject({ code: 'UDP_LENGTH', offset: 14 + 20 + 4 });
    const full = eth(0x0800, ipv4('1.1.1.1', '2.2.2.2', 17, udp(1, 2, RTP)));
    const cut = full.subarray(0, 30);
    const chunk3 = Buffer.concat([Buffer.alloc(3), cut, full.subarray(30)]);
    expect(dec.decode({ ...record(1, cut, 1, full.length), buf: chunk3, dataOffset: 3 }, out)).toBe('truncated');
  });

  it('reassembles IPv4 fragments (out of order, with a duplicate): last fragment number, first fragment DSCP', () => {
    const { dec, out } = setup();
    const body = Buffer.alloc(3000);
    for (let i = 0; i < body.length; i++) {
      body[i] = i & 0xff;
    }
    const dgram = udp(5060, 5060, body);
    const parts = [
      [0, dgram.subarray(0, 1480), true, 0xb8],
      [1480, dgram.subarray(1480, 2960), true, 0],
      [2960, dgram.subarray(2960), false, 0],
    ] as const;
    const frame = (i: number): Buffer => {
      const [o, d, m, tos] = parts[i] as (typeof parts)[number];
      return nullHdr(2, ipv4('10.0.0.1', '10.0.0.2', 17, d, { fragOffset: o, more: m, id: 77, tos }));
    };
    const order = [2, 0, 0, 1];
    const got = order.map((i, n) => dec.decode(record(0, frame(i), n + 1), out));
    expect(got).toEqual(['fragment-pending', 'fragment-pending', 'fragment-pending', 'ok']);
    expect(out).toMatchObject({ num: 4, reassembled: true, dscp: 46, srcPort: 5060, proto: 17 });
    expect(out.buf.subarray(out.payloadStart, out.payloadEnd)).toEqual(body);
    expect(dec.fragments.stats).toMatchObject({ reassembled: 1, overlaps: 1 });
    expect(dec.fragments.heldBytes).toBe(0);
  });

  it('reassembles IPv6 fragments whose fragmentable part starts with destination options', () => {
    const { dec, out } = setup();
    const payload = Buffer.concat([ext(17), udp(5062, 5060, Buffer.alloc(2000, 0x41))]);
    const a = ipv6('2001:db8::1', '2001:db8::2', 44, Buffer.concat([fragHdr(60, 0, true, 9), payload.subarray(0, 1232)]), 46 << 2);
    const b = ipv6('2001:db8::1', '2001:db8::2', 0, Buffer.concat([ext(44), fragHdr(60, 1232, false, 9), payload.subarray(1232)]));
    expect(dec.decode(record(101, a, 10), out)).toBe('fragment-pending');
    expect(dec.decode(record(101, b, 11), out)).toBe('ok');
    expect(out).toMatchObject({ num: 11, reassembled: true, dscp: 46, proto: 17, srcPort: 5062, dstPort: 5060 });
    expect(out.payloadLength).toBe(2000);
  });
});

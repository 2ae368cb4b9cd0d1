/**
 * The raw-IP packet writer against our own frame decoder (the way back): addresses, ports, DSCP,
 * protocol, TCP sequence numbers and the payload come back as written; checksums verify (RFC 1071
 * over the header, the pseudo-header for UDP/TCP); address texts parse like the generator's.
 */
import { describe, expect, it } from 'vitest';
import { finishChecksum, onesSum } from '../../../src/encode/checksum.js';
import { addressBytes, IPPROTO_TCP, IPPROTO_UDP, ipPacketLength, writeIpPacket, type IpPacketSpec } from '../../../src/encode/ip-packet.js';
import { AddressTable } from '../../../src/decode/ip/address-table.js';
import { FrameDecoder } from '../../../src/decode/frame-decoder.js';
import { PacketInfo } from '../../../src/decode/packet-info.js';
import { parseAddress } from '../../../src/synth/frames.js';

function decode(bytes: Buffer, origLen = bytes.length): { status: string; p: PacketInfo; addresses: AddressTable } {
  const addresses = new AddressTable();
  const dec = new FrameDecoder(addresses);
  const p = new PacketInfo();
  const rec = { num: 1, linkType: 101, interfaceId: 0, tsSec: 0, tsNsec: 0, capLen: bytes.length, origLen, data: bytes, fileOffset: 0 };
  return { status: dec.decode(rec, p), p, addresses };
}

const cases: Array<[string, string, number, typeof IPPROTO_UDP | typeof IPPROTO_TCP]> = [
  ['192.0.2.1', '198.51.100.7', 46, IPPROTO_UDP],
  ['2001:db8::1', '2001:db8:0:1::ff', 34, IPPROTO_UDP],
  ['10.0.0.1', '10.0.0.2', 24, IPPROTO_TCP],
  ['fe80::1', '::1', 0, IPPROTO_TCP],
];

describe('writeIpPacket', () => {
  for (const [src, dst, dscp, proto] of cases) {
    it(`${src} -> ${dst} ${proto === IPPROTO_UDP ? 'UDP' : 'TCP'} DSCP ${dscp}: decodes back to what was written, checksums verify`, () => {
      const payload = Buffer.from('INVITE sip:b@example.com SIP/2.0\r\nContent-Length: 0\r\n\r\n');
      const spec: IpPacketSpec = { src: addressBytes(src)!, dst: addressBytes(dst)!, srcPort: 5060, dstPort: 33333, proto, dscp, id: 7, seq: 1000, ack: 77, payloadLength: payload.length };
      const buf = Buffer.alloc(ipPacketLength(spec));
      expect(writeIpPacket(buf, 0, spec, payload)).toBe(buf.length);
      const { status, p, addresses } = decode(buf);
      expect(status).toBe('ok');
      expect(addresses.format(p.srcAddr)).toBe(src);
      expect(addresses.format(p.dstAddr)).toBe(dst);
      expect([p.srcPort, p.dstPort, p.proto, p.dscp, p.ecn]).toEqual([5060, 33333, proto, dscp, 0]);
      expect(Buffer.compare(buf.subarray(p.payloadStart, p.payloadEnd), payload)).toBe(0);
      if (proto === IPPROTO_TCP) expect(p.tcpSeq).toBe(1000);
      const v4 = spec.src.length === 4;
      const l4 = v4 ? 20 : 40;
      if (v4) expect(finishChecksum(onesSum(buf, 0, 20))).toBe(0);
      // the transport checksum over pseudo-header + segment sums to zero
      const pseudo = onesSum(spec.src, 0, spec.src.length) + onesSum(spec.dst, 0, spec.dst.length) + proto + (buf.length - l4);
      expect(finishChecksum(onesSum(buf, l4, buf.length, pseudo))).toBe(0);
    });
  }

  it('a cut payload: the headers carry the real lengths, the decoder says cut by the snap length (not malformed)', () => {
    const payload = Buffer.alloc(400, 1);
    const spec: IpPacketSpec = { src: addressBytes('192.0.2.1')!, dst: addressBytes('192.0.2.2')!, srcPort: 1, dstPort: 2, proto: IPPROTO_UDP, dscp: 46, id: 1, payloadLength: 400 };
    const buf = Buffer.alloc(28 + 240);
    writeIpPacket(buf, 0, spec, payload.subarray(0, 240));
    expect(buf.readUInt16BE(2)).toBe(428);
    expect(buf.readUInt16BE(24)).toBe(408);
    // IPv4 UDP: no checksum (the payload is not all here to sum)
    expect(buf.readUInt16BE(26)).toBe(0);
    expect(decode(buf, 428).status).toBe('truncated');
  });

  it('refuses addresses of two families (a caller\'s mistake)', () => {
    const spec: IpPacketSpec = { src: addressBytes('192.0.2.1')!, dst: addressBytes('::1')!, srcPort: 1, dstPort: 2, proto: IPPROTO_UDP, dscp: 0, id: 1, payloadLength: 0 };
    expect(() => writeIpPacket(Buffer.alloc(100), 0, spec, Buffer.alloc(0))).toThrow(RangeError);
  });
});

describe('addressBytes', () => {
  it('parses what the generator parses, with brackets, zones and embedded IPv4', () => {
    for (const a of ['192.0.2.7', '0.0.0.0', '255.255.255.255', '2001:db8::1', '::', '::1', 'fe80::1:2:3:4', '2001:db8:1:2:3:4:5:6', '1::', '::ffff:0:0']) {
      expect(Array.from(addressBytes(a)!), a).toEqual(Array.from(parseAddress(a)));
    }
    expect(Array.from(addressBytes('[2001:db8::1]')!)).toEqual(Array.from(parseAddress('2001:db8::1')));
    expect(Array.from(addressBytes('fe80::1%eth0')!)).toEqual(Array.from(parseAddress('fe80::1')));
    expect(Array.from(addressBytes('::ffff:192.0.2.7')!)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 192, 0, 2, 7]);
  });

  it('answers null for what is not an address', () => {
    for (const a of ['', 'pbx.example', '1.2.3', '1.2.3.256', '1.2.3.4.5', '2001:db8:::1', '1:2:3:4:5:6:7:8:9', '12345::', ':::', '1::2::3', 'g::1']) {
      expect(addressBytes(a), a).toBeNull();
    }
  });
});

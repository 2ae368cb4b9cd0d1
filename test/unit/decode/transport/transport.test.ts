import { describe, expect, it } from 'vitest';
import { PacketInfo } from '../../../../src/decode/packet-info.js';
import { decodeTcp, TCP_ACK, TCP_PSH, TCP_SYN } from '../../../../src/decode/transport/tcp.js';
import { decodeUdp, TRANSPORT_MALFORMED, TRANSPORT_OK, TRANSPORT_TRUNCATED } from '../../../../src/decode/transport/udp.js';
import { tcp, udp } from '../link/frame-builders.js';

const P = Buffer.from('INVITE sip:x SIP/2.0\r\n');

describe('decodeUdp', () => {
  it('reads ports and bounds the payload by the UDP length', () => {
    const b = Buffer.concat([Buffer.alloc(3), udp(5060, 5070, P), Buffer.alloc(4)]);
    const out = new PacketInfo();
    expect(decodeUdp(b, 3, b.length, out)).toBe(TRANSPORT_OK);
    expect(out).toMatchObject({ srcPort: 5060, dstPort: 5070, payloadStart: 11, payloadEnd: 11 + P.length });
  });

  it('rejects a length below 8 or beyond the IP payload; a short payload is truncated', () => {
    const out = new PacketInfo();
    expect(decodeUdp(udp(1, 2, P, 7), 0, 8 + P.length, out)).toBe(TRANSPORT_MALFORMED);
    expect(decodeUdp(udp(1, 2, P, 100), 0, 8 + P.length, out)).toBe(TRANSPORT_MALFORMED);
    expect(decodeUdp(udp(1, 2, P), 0, 7, out)).toBe(TRANSPORT_TRUNCATED);
  });
});

describe('decodeTcp', () => {
  it('reads ports, seq, ack, flags and skips options by the data offset', () => {
    const b = tcp(40000, 5060, 0xfffffff0, 0x12345678, TCP_PSH | TCP_ACK, P, 3);
    const out = new PacketInfo();
    expect(decodeTcp(b, 0, b.length, out)).toBe(TRANSPORT_OK);
    expect(out).toMatchObject({ srcPort: 40000, dstPort: 5060, tcpSeq: 0xfffffff0, tcpAck: 0x12345678, tcpFlags: 0x18, payloadStart: 32, payloadEnd: 32 + P.length });
    const syn = tcp(1, 2, 0, 0, TCP_SYN, Buffer.alloc(0));
    syn[12] = (syn[12] ?? 0) | 1; // NS bit
    decodeTcp(syn, 0, syn.length, out);
    expect(out.tcpFlags).toBe(0x102);
  });

  it('a data offset below 5 words is malformed; beyond the segment truncated', () => {
    const out = new PacketInfo();
    const b = tcp(1, 2, 0, 0, 0, P);
    b[12] = 4 << 4;
    expect(decodeTcp(b, 0, b.length, out)).toBe(TRANSPORT_MALFORMED);
    b[12] = 15 << 4;
    expect(decodeTcp(b, 0, 40, out)).toBe(TRANSPORT_TRUNCATED);
    expect(decodeTcp(b, 0, 19, out)).toBe(TRANSPORT_TRUNCATED);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  addressPlus, defineScenario, formatAddress, fragmentedUdpFrames, generateCapture, internetChecksum, parseAddress,
  ntpMiddle32, rtcpSenderReport, rtpPacket,
} from '../../../src/synth/index.js';
import { hasTshark, tshark } from './tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'synth-frames-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('byte builders', () => {
  it('computes the RFC 1071 section 3 example checksum', () => {
    // words 0001 f203 f4f5 f6f7 sum to ddf2 (with carries folded); the checksum is its complement
    expect(internetChecksum(Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]), 0, 8)).toBe(0xffff - 0xddf2);
  });

  it('parses and prints addresses (RFC 5952 compression)', () => {
    expect(formatAddress(parseAddress('2001:db8::1'))).toBe('2001:db8::1');
    expect(formatAddress(parseAddress('2001:db8:0:0:1:0:0:1'))).toBe('2001:db8::1:0:0:1');
    expect(formatAddress(addressPlus(parseAddress('10.0.0.255'), 2))).toBe('10.0.1.1');
    expect(() => parseAddress('10.0.0')).toThrow();
  });

  it('writes RTP and RTCP SR fields at their RFC 3550 offsets', () => {
    const r = rtpPacket({ marker: true, payloadType: 8, seq: 65536 + 5, timestamp: 2 ** 32 + 160, ssrc: 0xdeadbeef }, Buffer.alloc(4));
    expect([...r.subarray(0, 12)]).toEqual([0x80, 0x88, 0, 5, 0, 0, 0, 160, 0xde, 0xad, 0xbe, 0xef]);
    const sr = rtcpSenderReport(1, { ntpSec: 1, ntpFrac: 2, rtpTimestamp: 3, packetCount: 4, octetCount: 5 }, [
      { ssrc: 9, fractionLost: 0, cumulativeLost: -1, extendedHighestSeq: 0, jitter: 0, lsr: 0, dlsr: 0 },
    ]);
    expect(sr.readUInt16BE(2)).toBe(sr.length / 4 - 1);
    // cumulative lost is signed 24-bit: -1 is ff ff ff
    expect([...sr.subarray(33, 36)]).toEqual([0xff, 0xff, 0xff]);
    expect(ntpMiddle32(0x12345678, 0x9abcdef0)).toBe(0x56789abc);
  });

  it('fragments on 8-byte boundaries with MF on all but the last', () => {
    const link = { type: 'sll' as const, vlans: [], srcMac: new Uint8Array(6), dstMac: new Uint8Array(6) };
    const ip = { version: 4 as const, src: parseAddress('10.0.0.1'), dst: parseAddress('10.0.0.2'), dscp: 0, ttl: 64, id: 9 };
    const frames = fragmentedUdpFrames(link, ip, 5060, 5060, Buffer.alloc(1000, 0x41), 300);
    const ipAt = 16;
    const offs = frames.map((f) => f.readUInt16BE(ipAt + 6));
    expect(offs).toEqual([0x2000, 0x2000 + 35, 0x2000 + 70, 105]);
    expect(frames.reduce((n, f) => n + f.length - ipAt - 20, 0)).toBe(1008);
  });
});

describe.skipIf(!hasTshark)('checksums as tshark verifies them (skipped: tshark not on PATH)', () => {
  for (const ipVersion of [4, 6] as const) {
    it(`IPv${ipVersion} (UDP and TCP SIP, fragments, RTP, RTCP, background): no bad checksum, no expert warning`, () => {
      const p = join(dir, `v${ipVersion}.pcap`);
      generateCapture(defineScenario({
        seed: 5, ipVersion, background: { packets: 20, intervalMs: 50 },
        groups: [
          { durationMs: 600, rtcpIntervalMs: 200, sip: { transport: 'udp', mtu: ipVersion === 4 ? 400 : 0 } },
          { durationMs: 600, sip: { transport: 'tcp' } },
        ],
      }), p, 'pcap');
      const opts = ['-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE'];
      const fields = ['ip.checksum.status', 'udp.checksum.status', 'tcp.checksum.status', '_ws.expert.severity', 'tcp.port'];
      const rows = tshark([...opts, '-r', p, '-T', 'fields', ...fields.flatMap((f) => ['-e', f])])
        .split('\n').filter((l) => l.trim()).map((l) => l.split('\t'));
      const values = (i: number) => rows.flatMap((r) => (r[i] ?? '').split(',')).filter((v) => v !== '');
      expect(rows.length).toBeGreaterThan(100);
      for (const i of [0, 1, 2]) expect(values(i), fields[i]).not.toContain('0');
      expect(values(ipVersion === 4 ? 0 : 1).filter((v) => v === '1').length).toBeGreaterThan(50);
      expect(values(2).filter((v) => v === '1').length).toBeGreaterThan(5);
      // warnings (0x600000) or errors (0x800000) outside TCP, whose sequence analysis notes are expected
      const severe = rows.filter((r) => (r[4] ?? '') === '' && (r[3] ?? '').split(',').some((v) => Number(v) >= 0x600000));
      expect(severe).toEqual([]);
    });
  }
});

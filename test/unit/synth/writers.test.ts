import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  LINKTYPE_ETHERNET, PcapWriter, PcapngWriter, defineScenario, generateCapture, parseAddress, splitTimestamp, udpFrame,
} from '../../../src/synth/index.js';
import { hasTshark, tshark } from './tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'synth-writers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const link = { type: 'ethernet' as const, vlans: [], srcMac: new Uint8Array(6), dstMac: new Uint8Array(6) };
const ip = { version: 4 as const, src: parseAddress('192.0.2.1'), dst: parseAddress('192.0.2.2'), dscp: 46, ttl: 64, id: 7 };
const frame = udpFrame(link, ip, 4000, 4002, Buffer.from('hello'));
/** times chosen so usec and nsec files differ: 123456789 ns */
const times: Array<[number, number]> = [[1700000000, 123456789], [1700000001, 0], [1700000001, 999999999]];

function epochs(path: string): string[] {
  return tshark(['-r', path, '-T', 'fields', '-e', 'frame.time_epoch']).trim().split('\n');
}

describe('pcap writer', () => {
  for (const byteOrder of ['le', 'be'] as const) {
    for (const nsec of [false, true]) {
      it(`${byteOrder} ${nsec ? 'nsec' : 'usec'}: magic and record header are right`, () => {
        const path = join(dir, `w-${byteOrder}-${nsec}.pcap`);
        const w = new PcapWriter(path, { linkType: LINKTYPE_ETHERNET, byteOrder, nsec });
        for (const [s, ns] of times) w.write(s, ns, frame);
        w.close();
        const b = readFileSync(path);
        const u32 = (o: number) => (byteOrder === 'le' ? b.readUInt32LE(o) : b.readUInt32BE(o));
        expect(u32(0)).toBe(nsec ? 0xa1b23c4d : 0xa1b2c3d4);
        expect(u32(20)).toBe(1);
        expect(u32(24)).toBe(1700000000);
        expect(u32(28)).toBe(nsec ? 123456789 : 123456);
        expect(u32(32)).toBe(frame.length);
        expect(b.length).toBe(24 + 3 * (16 + frame.length));
        if (hasTshark) {
          expect(epochs(path)).toEqual(nsec
            ? ['1700000000.123456789', '1700000001.000000000', '1700000001.999999999']
            : ['1700000000.123456000', '1700000001.000000000', '1700000001.999999000']);
        }
      });
    }
  }
});

describe('pcapng writer', () => {
  for (const byteOrder of ['le', 'be'] as const) {
    for (const tsresol of [6, 9] as const) {
      it(`${byteOrder} tsresol ${tsresol}: tshark reads the times back`, () => {
        const path = join(dir, `w-${byteOrder}-${tsresol}.pcapng`);
        const w = new PcapngWriter(path, { byteOrder, interfaces: [{ linkType: 1, tsresol }, { linkType: 1, tsresol: 9 }] });
        for (const [s, ns] of times) w.write(s, ns, frame, 0);
        w.write(1700000002, 5, frame, 1);
        w.close();
        const b = readFileSync(path);
        expect(b.readUInt32LE(0)).toBe(0x0a0d0d0a);
        expect(byteOrder === 'le' ? b.readUInt32LE(8) : b.readUInt32BE(8)).toBe(0x1a2b3c4d);
        if (hasTshark) {
          const sub = tsresol === 9 ? ['123456789', '999999999'] : ['123456000', '999999000'];
          expect(epochs(path)).toEqual([
            `1700000000.${sub[0]}`, '1700000001.000000000', `1700000001.${sub[1]}`, '1700000002.000000005',
          ]);
          expect(tshark(['-r', path, '-T', 'fields', '-e', 'frame.interface_id']).trim().split('\n')).toEqual(['0', '0', '0', '1']);
        }
      });
    }
  }

  it('splits 64-bit timestamps exactly (checked with BigInt)', () => {
    for (const [sec, sub, r] of [[1700000000, 999999999, 9], [4294967295, 123, 9], [1700000000, 999999, 6], [0, 1, 6]] as const) {
      const v = BigInt(sec) * (r === 9 ? 1_000_000_000n : 1_000_000n) + BigInt(sub);
      expect(splitTimestamp(sec, sub, r)).toEqual([Number(v >> 32n), Number(v & 0xffffffffn)]);
    }
  });
});

describe('determinism', () => {
  const input = { seed: 42, groups: [{ durationMs: 1500, forward: { jitter: { kind: 'uniform' as const, maxMs: 20 }, loss: { kind: 'bernoulli' as const, p: 0.1 } } }] };
  const hash = (name: string, seed: number) => {
    const p = join(dir, name);
    generateCapture(defineScenario({ ...input, seed }), p, 'pcapng');
    return createHash('sha256').update(readFileSync(p)).digest('hex');
  };

  it('the same seed gives the same bytes, another seed other bytes', () => {
    const a = hash('d1.pcapng', 42);
    expect(hash('d2.pcapng', 42)).toBe(a);
    expect(hash('d3.pcapng', 43)).not.toBe(a);
  });
});

/**
 * The impairment truth (test/helpers/impair-truth.ts) is what the e2e tests hold the proxy to, so it is
 * checked on its own: hand-worked RFC 3550 vectors (A.3 loss across the sequence wrap, late packets, A.8
 * jitter of one delayed packet), and tshark on a capture made from a seeded impaired stream.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { farSide } from '../../helpers/impair-truth.js';
import { pcapFile, rtpPacket } from '../../helpers/pcap-writer.js';
import { hasTshark, tsharkRtpStreams } from '../../helpers/tshark.js';

type Rec = [number, number, number];
/** packets k of a 20 ms G.711 stream (160 timestamp units each), arriving at 20 k ms + extra(k) */
const stream = (ks: number[], firstSeq = 0, extraMs: (k: number) => number = () => 0): Rec[] =>
  ks.map((k) => [(firstSeq + k) & 0xffff, (k * 160) >>> 0, 20 * k + extraMs(k)]);

describe('farSide: RFC 3550 loss and jitter from the relay record', () => {
  it('a clean stream: nothing lost, no jitter', () => {
    const f = farSide(stream([0, 1, 2, 3, 4]), 8000);
    expect(f).toMatchObject({ received: 5, expected: 5, lost: 0, reordered: 0, jitterMeanMs: 0, jitterMaxMs: 0 });
  });

  it('counts across the 16-bit sequence wrap (A.1 cycles), with a drop just after it', () => {
    expect(farSide(stream([0, 1, 2, 3], 65534), 8000)).toMatchObject({ expected: 4, lost: 0 });
    expect(farSide(stream([0, 1, 3], 65534), 8000)).toMatchObject({ expected: 4, lost: 1, lossPercent: 25 });
  });

  it('a late packet is received, not lost, and counted as reordered', () => {
    const order = [0, 1, 3, 2, 4];
    const recs = order.map((k, i): Rec => [k, k * 160, 20 * i]);
    expect(farSide(recs, 8000)).toMatchObject({ expected: 5, lost: 0, reordered: 1 });
  });

  it('one packet 8 ms late: J = 64/16 units, then 4 + (64 - 4)/16 (A.8), in ms at 8 kHz', () => {
    const f = farSide(stream([0, 1, 2], 0, (k) => (k === 1 ? 8 : 0)), 8000);
    expect(f.jitterMaxMs).toBeCloseTo(7.75 / 8, 9);
    expect(f.jitterLastMs).toBeCloseTo(7.75 / 8, 9);
    expect(f.jitterMeanMs).toBeCloseTo((4 + 7.75) / 2 / 8, 9);
  });
});

describe.skipIf(!hasTshark)(`farSide agrees with tshark on an impaired stream${hasTshark ? '' : ' (skipped: tshark absent)'}`, () => {
  it('loss and mean jitter within 1 % of tshark -z rtp,streams', () => {
    // 30 ms +- 10 ms uniform from a fixed LCG, every 17th packet dropped; arrival order = time order
    let x = 12345;
    const rand = (): number => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 4294967296);
    const recs: Rec[] = [];
    for (let k = 0; k < 500; k++) if (k % 17 !== 5) recs.push([(40000 + k) & 0xffff, (k * 160) >>> 0, 20 * k + 30 + 10 * (2 * rand() - 1)]);
    recs.sort((a, b) => a[2] - b[2]);
    const dir = mkdtempSync(join(tmpdir(), 'vrimp-truth-'));
    try {
      const file = join(dir, 'impaired.pcap');
      writeFileSync(file, pcapFile(recs.map(([seq, ts, atMs]) => ({
        time: 1_800_000_000 + atMs / 1000, src: '192.0.2.1', dst: '192.0.2.2', sport: 20000, dport: 40000,
        payload: rtpPacket({ seq, ts, ssrc: 0x51, pt: 8 }),
      }))));
      const [t] = tsharkRtpStreams(file, true);
      const f = farSide(recs, 8000);
      expect(f.reordered).toBe(0);
      expect(t?.packets).toBe(f.received);
      expect(t?.lost).toBe(f.lost);
      expect(Math.abs(t!.meanJitterMs - f.jitterMeanMs)).toBeLessThan(0.01 * f.jitterMeanMs);
      expect(f.jitterMeanMs).toBeGreaterThan(4);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Crafted streams written to a pcap, measured by tshark 4.0 (the independent reference) and by our
 * pipeline (mini walker + media registry + stream table + RtpStreamStats): packets and lost equal,
 * deltas and jitter within 1e-3 ms of tshark's printed values. Skipped when tshark is absent.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyseCapture } from '../../helpers/analyse-capture.js';
import { type UdpFrame, pcapFile, rtpPacket } from '../../helpers/pcap-writer.js';
import { hasTshark, tsharkRtpStreams } from '../../helpers/tshark.js';

interface Pkt {
  seq: number;
  ts: number;
  pt?: number;
  marker?: boolean;
  /** arrival time offset in ms from the nominal 20 ms grid */
  at: number;
}

/** a 20 ms G.711 stream with deterministic arrival noise */
function stream(n: number, seq0: number, ts0: number, noise: (i: number) => number): Pkt[] {
  const out: Pkt[] = [];
  for (let i = 0; i < n; i++) out.push({ seq: (seq0 + i) & 0xffff, ts: (ts0 + 160 * i) >>> 0, at: 20 * i + noise(i) });
  return out;
}

const noise = (i: number): number => ((i * 7919) % 13) * 0.37 - 2;

const scenarios: Record<string, Pkt[]> = {
  loss: stream(60, 1000, 5000, noise).filter((_, i) => i % 7 !== 3 && (i < 30 || i > 34)),
  duplicates: stream(50, 200, 0, noise).flatMap((p, i) => (i % 10 === 5 ? [p, { ...p, at: p.at + 1 }] : [p])),
  reorder: (() => {
    const s = stream(50, 300, 100, noise);
    for (let i = 5; i < 45; i += 9) [s[i], s[i + 1]] = [{ ...s[i + 1]!, at: s[i]!.at }, { ...s[i]!, at: s[i + 1]!.at }];
    return s;
  })(),
  seqWrap: stream(60, 65510, 900000, noise),
  tsWrap: stream(60, 10, 0xffffffff - 160 * 20, noise),
  tsStartHigh: stream(40, 10, 0x90000000, noise),
  marker: stream(50, 4000, 0, noise).map((p, i) => (i % 12 === 0 ? { ...p, marker: true, at: p.at + 15 } : p)),
  cnAndPtChange: stream(60, 7000, 0, noise).map((p, i) =>
    i >= 20 && i < 25 ? { ...p, pt: 13, at: p.at + 40 } : i >= 40 ? { ...p, pt: 0 } : p,
  ),
  event101: stream(30, 50, 8000, noise).map((p, i) => (i >= 10 && i < 16 ? { ...p, pt: 101, ts: 8000 + 160 * 10 } : p)),
};

const dir = mkdtempSync(join(tmpdir(), 'voipready-rtp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasTshark)('RtpStreamStats equals tshark 4.0 on crafted streams (skipped: no tshark)', () => {
  const frames: UdpFrame[] = [];
  const base = 1_700_000_000;
  let k = 0;
  for (const [name, pkts] of Object.entries(scenarios)) {
    const sport = 40000 + 2 * k;
    const dport = 50000 + 2 * k;
    for (const p of pkts) {
      frames.push({
        time: base + (p.at + 3 * k) / 1000,
        src: '10.0.0.1',
        dst: '10.0.0.2',
        sport,
        dport,
        dscp: 46,
        payload: rtpPacket({ seq: p.seq, ts: p.ts, ssrc: 0x1000 + k, pt: p.pt ?? 8, marker: p.marker ?? false }),
      });
    }
    void name;
    k++;
  }
  frames.sort((a, b) => a.time - b.time);
  const file = join(dir, 'crafted.pcap');
  writeFileSync(file, pcapFile(frames));
  const ref = tsharkRtpStreams(file, true);
  const ours = analyseCapture(file).table.streams();

  it('tshark sees every crafted stream', () => {
    expect(ref.length).toBe(Object.keys(scenarios).length);
  });

  Object.keys(scenarios).forEach((name, i) => {
    it(name, () => {
      const r = ref.find((x) => x.ssrc === 0x1000 + i)!;
      const s = ours.find((x) => x.ssrc === 0x1000 + i)!;
      expect(s).toBeDefined();
      // the crafted arrival noise must give tshark something to measure
      expect(r.maxJitterMs).toBeGreaterThan(0.1);
      expect([s.packets, s.lost]).toEqual([r.packets, r.lost]);
      const rep = s.toReport();
      expect(Math.abs(rep.maxDeltaMs - r.maxDeltaMs)).toBeLessThan(1e-3);
      expect(Math.abs(rep.meanDeltaMs - r.meanDeltaMs)).toBeLessThan(1e-3);
      expect(Math.abs(rep.jitterMaxMs - r.maxJitterMs)).toBeLessThan(1e-3);
      expect(Math.abs(rep.jitterMeanMs - r.meanJitterMs)).toBeLessThan(1e-3);
    });
  });
});

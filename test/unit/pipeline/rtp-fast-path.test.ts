/**
 * The WebAssembly fast path must not change a single figure: every capture is analysed with and
 * without it and the JSON reports must be equal. The cases cover what the fast path leaves to the
 * TypeScript path (IPv6, SLL, fragments, TCP, CSRC/extension/padding, RTCP-looking types, reader
 * chunk boundaries) and what it must give back when SIP changes a bound flow's classification.
 * ../shared/pcaps/public is used when present (skipped with a note otherwise).
 */
import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Analyzer } from '../../../src/pipeline/analyzer.js';
import { RtpFastPath } from '../../../src/pipeline/rtp-fast-path.js';
import { StreamArena } from '../../../src/measure/stream-arena.js';
import { readCaptureFile, readCaptureStream } from '../../../src/capture/file-source.js';
import { toJson } from '../../../src/outputs/json.js';
import { loadSettings } from '../../../src/config/load-settings.js';
import { defineScenario, generateCapture, type ScenarioInput } from '../../../src/synth/index.js';
import { pcapFile, rtpPacket, type UdpFrame } from '../../helpers/pcap-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'voipready-fast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  json: string;
  fastPackets: number;
  rtpPackets: number;
  /** records the fast path took in runs (pcap records, pcapng blocks) without a push() each */
  recordsInRuns: number;
}

function analyse(file: string, fastPath: boolean, chunkSize?: number, linkSpeed?: string): Run {
  const a = new Analyzer({ file, settings: loadSettings(linkSpeed !== undefined ? { linkSpeed } : {}), fastPath });
  const opts = a.readOptions();
  // a smaller chunk puts more records across chunk boundaries (those take the TypeScript path)
  if (chunkSize !== undefined && opts.buffer !== undefined) opts.buffer = opts.buffer.subarray(0, chunkSize);
  const summary = readCaptureFile(file, (r) => a.push(r), opts);
  const report = a.end(summary);
  return {
    json: toJson(report, { series: false }),
    fastPackets: a.fastPackets,
    rtpPackets: report.streams.reduce((n, s) => n + s.packets, 0),
    recordsInRuns: a.recordsInRuns,
  };
}

function expectSame(file: string, chunkSize?: number, linkSpeed?: string): Run {
  const slow = analyse(file, false, chunkSize, linkSpeed);
  const fast = analyse(file, true, chunkSize, linkSpeed);
  expect(slow.fastPackets).toBe(0);
  expect(slow.recordsInRuns).toBe(0);
  expect(fast.json).toBe(slow.json);
  return fast;
}

function synth(name: string, s: ScenarioInput, format: 'pcap' | 'pcapng' = 'pcap'): string {
  const out = join(dir, `${name}.${format}`);
  generateCapture(defineScenario({ name, seed: 7, ...s }), out, format);
  return out;
}

describe('RtpFastPath', () => {
  it('is built and loads (npm test builds dist/wasm/fast-path.wasm first)', () => {
    expect(RtpFastPath.create(new StreamArena())).not.toBeNull();
  });

  it('takes nearly every RTP packet of signalled IPv4 calls, with the same report', () => {
    const file = synth('plain', { groups: [{ count: 4, concurrent: 4, durationMs: 4000 }] });
    const r = expectSame(file);
    expect(r.rtpPackets).toBeGreaterThan(1500);
    // the first packet of each stream (and records across chunk boundaries) take the TypeScript path
    expect(r.fastPackets).toBeGreaterThan(r.rtpPackets * 0.95);
  });

  /** name, scenario, format, and whether the fast path takes the RTP (false: the TypeScript path only) */
  const impaired: Array<[string, ScenarioInput, 'pcap' | 'pcapng', boolean]> = [
    ['loss, jitter, reordering, duplicates', { groups: [{ count: 3, concurrent: 3, durationMs: 5000,
      forward: { loss: { kind: 'bernoulli', p: 0.05 }, jitter: { kind: 'normal', meanMs: 15, sigmaMs: 10 }, reorder: true, duplicates: 0.02 },
      backward: { loss: { kind: 'pattern', bursts: [[20, 7], [100, 3]] }, jitter: { kind: 'uniform', maxMs: 40 } } }] }, 'pcap', true],
    ['DTMF telephone-events and DSCP', { groups: [{ count: 2, durationMs: 4000,
      forward: { dtmf: [{ atMs: 500, durationMs: 300, event: 5 }, { atMs: 2000, durationMs: 200, event: 11 }], dscp: 0 },
      backward: { dscp: 34 } }] }, 'pcap', true],
    ['VLAN tags, pcapng, nanoseconds, big-endian', { link: { type: 'ethernet', vlans: [100, 200] }, nanosecond: true, byteOrder: 'be',
      groups: [{ count: 2, durationMs: 3000 }] }, 'pcapng', true],
    ['pcapng, microseconds, little-endian', { groups: [{ count: 3, concurrent: 3, durationMs: 3000,
      forward: { loss: { kind: 'periodic', every: 11 }, jitter: { kind: 'uniform', maxMs: 20 } } }] }, 'pcapng', true],
    ['classic pcap, nanoseconds, big-endian (the run walker in both byte orders)', { nanosecond: true, byteOrder: 'be',
      groups: [{ count: 2, durationMs: 3000, forward: { jitter: { kind: 'uniform', maxMs: 25 } } }] }, 'pcap', true],
    ['IPv6 (TypeScript path only)', { ipVersion: 6, groups: [{ count: 2, durationMs: 3000 }] }, 'pcap', false],
    ['Linux cooked capture (TypeScript path only)', { link: { type: 'sll', vlans: [] }, groups: [{ count: 1, durationMs: 3000 }] }, 'pcap', false],
    ['SIP over TCP, fragmented SIP, background traffic', { background: { packets: 300, intervalMs: 10 },
      groups: [{ count: 1, durationMs: 3000, sip: { transport: 'tcp' } }, { count: 1, durationMs: 3000, startMs: 500, sip: { mtu: 400 } }] }, 'pcap', true],
    ['no signalling (heuristic streams)', { groups: [{ count: 2, durationMs: 3000, sip: { enabled: false } }] }, 'pcap', true],
    ['snap length cutting the payload', { snapLen: 60, groups: [{ count: 1, durationMs: 2000 }] }, 'pcap', false],
    // mirrored traffic: the fast path decodes only the outer frame, so tunnelled RTP is never bound and goes to TypeScript
    ['GRE mirror (TypeScript path only)', { mirror: { kind: 'gre', session: 1 }, groups: [{ count: 2, durationMs: 3000, forward: { loss: { kind: 'bernoulli', p: 0.03 } } }] }, 'pcap', false],
    ['ERSPAN II mirror, pcapng (TypeScript path only)', { mirror: { kind: 'erspan2', session: 2 }, groups: [{ count: 2, durationMs: 3000 }] }, 'pcapng', false],
    ['VXLAN mirror (TypeScript path only)', { mirror: { kind: 'vxlan', session: 3 }, groups: [{ count: 2, durationMs: 3000, backward: { jitter: { kind: 'uniform', maxMs: 20 } } }] }, 'pcap', false],
  ];
  for (const [name, s, format, fast] of impaired) {
    it(`same report with the fast path: ${name}`, () => {
      const r = expectSame(synth(name.replace(/[^a-z0-9]+/gi, '-'), s, format));
      if (fast) {
        expect(r.fastPackets).toBeGreaterThan(r.rtpPackets * 0.5);
        // pcap records and pcapng blocks alike are taken in runs, not one push() each
        expect(r.recordsInRuns).toBeGreaterThan(r.rtpPackets * 0.5);
      } else {
        expect(r.fastPackets).toBe(0);
      }
    });
  }

  it('same link utilisation (per-second windows) when the fast path takes runs of records', () => {
    const file = synth('link', { background: { packets: 200, intervalMs: 20 }, groups: [{ count: 6, concurrent: 6, durationMs: 5000 }] });
    const r = expectSame(file, undefined, '2M');
    const report = JSON.parse(r.json) as { link: { peakPercent: number; meanPercent: number } };
    expect(report.link.peakPercent).toBeGreaterThan(10);
    expect(r.fastPackets).toBeGreaterThan(r.rtpPackets * 0.9);
  });

  it('same report with more bound flows than the first flow table holds (it grows)', () => {
    const file = synth('many', { groups: [{ count: 400, concurrent: 400, durationMs: 1500, staggerMs: 2, rtcp: false }] });
    const r = expectSame(file);
    const report = JSON.parse(r.json) as { streams: unknown[] };
    expect(report.streams.length).toBe(800);
    expect(r.fastPackets).toBeGreaterThan(r.rtpPackets * 0.9);
  });

  it('same report from a pipe (stdin): the pieces are copied into the fast path memory', async () => {
    const file = synth('pipe', { groups: [{ count: 3, concurrent: 3, durationMs: 3000, forward: { jitter: { kind: 'uniform', maxMs: 30 } } }] });
    const slow = analyse(file, false);
    const a = new Analyzer({ file, settings: loadSettings({}), fastPath: true });
    // a pipe delivers small pieces: records straddle them
    const summary = await readCaptureStream(createReadStream(file, { highWaterMark: 3000 }), file, (r) => a.push(r), a.readOptions());
    expect(toJson(a.end(summary), { series: false })).toBe(slow.json);
    expect(a.fastPackets).toBeGreaterThan(slow.rtpPackets * 0.5);
  });

  it('same report when records straddle small reader chunks', () => {
    const file = synth('chunks', { groups: [{ count: 3, concurrent: 3, durationMs: 3000, forward: { loss: { kind: 'periodic', every: 9 } } }] });
    const r = expectSame(file, 4096);
    expect(r.fastPackets).toBeGreaterThan(0);
    expect(r.fastPackets).toBeLessThan(r.rtpPackets);
  });

  it('gives a flow back to the TypeScript path when an SDP names it later, and for packets it does not decode', () => {
    // a heuristic stream (no SDP yet, PT 96: no clock rate, no jitter) that an INVITE then describes as opus/48000
    const frames: UdpFrame[] = [];
    const t0 = 1700000000;
    const media = (i: number, extra?: (b: Buffer) => Buffer): void => {
      let payload: Buffer = rtpPacket({ seq: 1000 + i, ts: 5000 + i * 960, ssrc: 0x11223344, pt: 96 });
      if (extra) payload = extra(payload);
      // 20 ms apart with a few ms of jitter, so that jitter appears once the clock rate is known
      frames.push({ time: t0 + i * 0.02 + (i % 3) * 0.003, src: '10.0.0.1', dst: '10.0.0.2', sport: 40000, dport: 40002, dscp: 46, payload });
    };
    for (let i = 0; i < 50; i++) media(i);
    const sdp = 'v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio 40002 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2\r\n';
    const invite = `INVITE sip:b@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK1\r\nFrom: <sip:a@10.0.0.9>;tag=1\r\nTo: <sip:b@10.0.0.2>\r\nCall-ID: fast-path-1\r\nCSeq: 1 INVITE\r\nContact: <sip:a@10.0.0.9>\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`;
    frames.push({ time: t0 + 50 * 0.02, src: '10.0.0.9', dst: '10.0.0.2', sport: 5060, dport: 5060, dscp: 26, payload: Buffer.from(invite, 'latin1') });
    for (let i = 50; i < 100; i++) media(i);
    // packets the fast path leaves alone: a CSRC, a header extension, padding, an RTCP-looking type
    media(100, (b) => { const c = Buffer.alloc(b.length + 4); b.copy(c, 0, 0, 12); c.writeUInt32BE(7, 12); b.copy(c, 16, 12); c[0] = 0x81; return c; });
    media(101, (b) => { const c = Buffer.alloc(b.length + 8); b.copy(c, 0, 0, 12); c.writeUInt16BE(0xbede, 12); c.writeUInt16BE(1, 14); b.copy(c, 20, 12); c[0] = 0x90; return c; });
    media(102, (b) => { const c = Buffer.concat([b, Buffer.from([0, 0, 0, 4])]); c[0] = 0xa0; return c; });
    media(103, (b) => { b[1] = 0x80 | 72; return b; });
    for (let i = 104; i < 150; i++) media(i);
    const file = join(dir, 'rebind.pcap');
    writeFileSync(file, pcapFile(frames));
    const r = expectSame(file);
    expect(r.fastPackets).toBeGreaterThan(80);
    const report = JSON.parse(r.json) as { streams: Array<{ clockRate: number; jitterMaxMs: number; packets: number }> };
    // the SDP took effect: the signalled stream has opus' clock and a jitter figure
    expect(report.streams.some((s) => s.clockRate === 48000 && s.jitterMaxMs > 0)).toBe(true);
  });

  it('same report on every bundled fixture', () => {
    const fx = join(import.meta.dirname, '../../../fixtures/captures');
    const files = readdirSync(fx).filter((f) => /\.pcap(ng)?$/.test(f));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) expectSame(join(fx, f));
  });

  const shared = join(import.meta.dirname, '../../../../shared/pcaps/public');
  it.skipIf(!existsSync(shared))('same report on every public capture in ../shared/pcaps/public (skipped when ../shared is absent)', () => {
    const files = readdirSync(shared).filter((f) => /\.(pcap|pcapng|cap)$/.test(f));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) expectSame(join(shared, f));
  });
});

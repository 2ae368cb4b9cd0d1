/**
 * Retirement: streams idle past their TTL and calls over for good are finalised with the figures
 * and verdicts they would have had in a run that kept everything, their memory is reused, and the
 * report keeps the newest in full and counts the rest (its verdict still covers them).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../../src/capture/file-source.js';
import { loadSettings } from '../../../src/config/load-settings.js';
import type { AnalysisReport } from '../../../src/model/report.js';
import { Analyzer } from '../../../src/pipeline/analyzer.js';
import { renderText } from '../../../src/outputs/text-report.js';
import { runLiveCalls } from '../../helpers/live-calls.js';

const T0 = 1_800_000_000_000;
const FIXTURES = join(import.meta.dirname, '../../../fixtures/captures');

function live(retention: ConstructorParameters<typeof Analyzer>[0]['retention'], calls: number, dscp: number | null = 46): { a: Analyzer; report: AnalysisReport } {
  const settings = loadSettings();
  const a = new Analyzer({ file: 'live', settings, ...(retention ? { retention } : {}) });
  runLiveCalls(a, { calls, perSecond: 20, packetsPerCall: 30, startMs: T0, dscp, tailSeconds: retention ? 20 : 0 });
  return { a, report: a.finish('live') };
}

describe('retirement', () => {
  it('retired streams and calls are reported exactly as a run that kept everything reports them', () => {
    const kept = live(undefined, 200).report;
    const { a, report } = live({ streamIdleSeconds: 3, callGraceSeconds: 1 }, 200);
    expect(a.held().retiredStreams).toBe(400);
    expect(report.retention.streamsRetired).toBe(400);
    // the same figures, verdicts and findings; only the input's time span (the tail) differs
    expect(report.streams).toEqual(kept.streams);
    expect(report.calls).toEqual(kept.calls);
    expect(report.findings).toEqual(kept.findings);
    expect(report.verdict).toBe(kept.verdict);
  });

  it('WebAssembly records are reused: 2,000 streams one after another never need more than the busiest second', () => {
    const { a } = live({ streamIdleSeconds: 2, callGraceSeconds: 1 }, 1000);
    const h = a.held();
    expect(h.retiredStreams).toBe(2000);
    expect(h.records).toBe(0);
    // 20 calls a second, each ~0.9 s of media, held 2 s after its last packet: ~4 s of streams at most
    expect(h.recordsAllocated).toBeLessThan(250);
    expect(h.signalledEndpoints).toBe(0);
  });

  it('beyond keepStreams/keepCalls the report lists the newest and counts the rest; the verdict covers them', () => {
    const settings = loadSettings();
    const a = new Analyzer({ file: 'live', settings, retention: { streamIdleSeconds: 2, callGraceSeconds: 1, keepStreams: 10, keepCalls: 4 } });
    // the first 30 calls arrive with DSCP 0 (RTP fails), the next 30 marked EF
    runLiveCalls(a, { calls: 30, perSecond: 10, packetsPerCall: 10, startMs: T0, dscp: 0, tailSeconds: 10 });
    runLiveCalls(a, { calls: 30, perSecond: 10, packetsPerCall: 10, startMs: T0 + 60_000, dscp: 46, tailSeconds: 10 });
    const r = a.finish('live');
    expect(r.streams.length).toBe(10);
    expect(r.streams.every((s) => s.verdict === 'pass')).toBe(true);
    expect(r.calls.length).toBe(4);
    expect(r.retention).toMatchObject({ streamsRetired: 120, callsRetired: 60, streamsNotListed: 110, callsNotListed: 56 });
    expect(r.retention.notListedStreamVerdicts).toEqual({ pass: 50, warn: 0, fail: 60 });
    const f = r.findings.find((x) => x.code === 'EARLIER_NOT_LISTED');
    expect(f?.severity).toBe('fail');
    expect(f?.message).toMatch(/110 earlier stream\(s\) \(60 fail/);
    // the failures no longer listed still fail the run
    expect(r.verdict).toBe('fail');
    // and the terminal report says what it does not list
    expect(renderText(r, { color: false })).toMatch(/long run: 120 streams and 60 calls finalised as it went; the oldest 110 streams and 56 calls are counted, not listed/);
  });

  it('a stream that pauses longer than the TTL comes back as a new stream, measured from its new first packet', () => {
    const settings = loadSettings();
    const a = new Analyzer({ file: 'live', settings, retention: { streamIdleSeconds: 5 } });
    const rtp = (seq: number): Buffer => {
      const b = Buffer.alloc(172);
      b[0] = 0x80;
      b[1] = 0;
      b.writeUInt16BE(seq, 2);
      b.writeUInt32BE(seq * 160, 4);
      b.writeUInt32BE(0xabcdef01, 8);
      return b;
    };
    const push = (ms: number, seq: number): void => {
      a.pushDatagram({ src: '198.51.100.1', srcPort: 30000, dst: '198.51.100.2', dstPort: 30002, transport: 'udp', tsSec: Math.floor(ms / 1000), tsNsec: (ms % 1000) * 1e6, dscp: 46, payload: rtp(seq), source: 't' });
    };
    for (let i = 0; i < 20; i++) push(T0 + i * 20, i);
    for (let s = 1; s <= 8; s++) a.tickTo(T0 + s * 1000);
    expect(a.held().retiredStreams).toBe(1);
    for (let i = 0; i < 20; i++) push(T0 + 10_000 + i * 20, 500 + i);
    const r = a.finish('live');
    expect(r.streams.map((s) => [s.id, s.packets, s.lost])).toEqual([['s1', 20, 0], ['s2', 20, 0]]);
  });

  const PUBLIC = join(import.meta.dirname, '../../../../shared/pcaps/public/lab-sipp-queueing.pcapng');
  const sameReportWhenRetiring = (file: string, ttl: number): void => {
    const run = (retention: { streamIdleSeconds: number; callGraceSeconds: number }): AnalysisReport => {
      const a = new Analyzer({ file, settings: loadSettings(), retention });
      return a.end(readCaptureFile(file, (rec) => a.push(rec), a.readOptions()));
    };
    const whole = run({ streamIdleSeconds: 1e9, callGraceSeconds: 1e9 });
    const retiring = run({ streamIdleSeconds: ttl, callGraceSeconds: ttl });
    expect(retiring.retention.streamsRetired).toBeGreaterThan(0);
    expect(retiring.streams).toEqual(whole.streams);
    expect(retiring.calls).toEqual(whole.calls);
    expect(retiring.findings).toEqual(whole.findings);
  };

  it('a file whose streams retire along the way (capture time) gives the report it gave before', () => {
    sameReportWhenRetiring(join(FIXTURES, 'many-streams.pcap'), 0.3);
  });

  // a real capture whose streams end seconds apart; reads ../shared, so it is skipped (and says so) without it
  it.skipIf(!existsSync(PUBLIC))('the same on lab-sipp-queueing from ../shared/pcaps/public (skipped when ../shared is absent)', () => {
    sameReportWhenRetiring(PUBLIC, 1);
  });
});

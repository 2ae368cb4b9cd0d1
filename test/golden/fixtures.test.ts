/**
 * The project's own fixtures (fixtures/captures/, made by src/synth from fixtures/synthetic/*.json)
 * analysed by the real CLI and compared with the generator's truth: streams (packets, lost, jitter,
 * DSCP), calls (setup and ring time, final status, duration) and the verdicts each fixture was built
 * to provoke. These run everywhere, without ../shared or tshark.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeJson, ROOT, runCli } from '../helpers/cli.js';
import { compareStreams } from '../helpers/reference.js';

const DIR = join(ROOT, 'fixtures', 'captures');
const captures = readdirSync(DIR).filter((f) => /\.pcap(ng)?$/.test(f)).sort();

function truthOf(capture: string): any {
  return JSON.parse(readFileSync(join(DIR, capture.replace(/\.pcap(ng)?$/, '.truth.json')), 'utf8'));
}

describe('fixtures agree with the generator truth', () => {
  it('has the fixtures', () => {
    expect(captures.length).toBeGreaterThanOrEqual(10);
  });

  for (const capture of captures) {
    it(`${capture}: streams and calls equal the truth`, () => {
      const truth = truthOf(capture);
      const { report } = analyzeJson(join(DIR, capture));
      const ref = truth.streams.map((s: any) => ({ ...s, packets: s.received }));
      expect(compareStreams(report.streams, ref)).toEqual([]);
      expect(report.streams.length).toBe(truth.streams.length);
      expect(report.input.packets).toBe(truth.frames);
      for (const c of truth.calls) {
        const ours = report.calls.find((x: any) => x.callId === c.callId);
        expect(ours, c.callId).toBeDefined();
        expect(ours.finalStatus).toBe(c.finalStatus);
        if (c.setupMs !== null) expect(ours.setupMs).toBeCloseTo(c.setupMs, 3);
        if (c.ringMs !== null) expect(ours.ringMs).toBeCloseTo(c.ringMs, 3);
        // counted per SIP message (the DSCP of the packet that completed it); the truth counts packets
        expect(Object.keys(ours.sipDscp).sort()).toEqual(Object.keys(c.sipDscp).sort());
        expect(Object.values(ours.sipDscp as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(c.messages);
        expect(ours.messages).toBe(c.messages);
        expect(ours.transport).toBe(c.transport);
      }
      expect(report.calls.length).toBe(truth.calls.length);
    });
  }
});

describe('verdicts the fixtures were built to provoke', () => {
  it('clean-call passes with exit code 0', () => {
    const { report, result } = analyzeJson(join(DIR, 'clean-call.pcap'));
    expect(report.verdict).toBe('pass');
    expect(result.status).toBe(0);
  });

  it('sample-call fails on loss, jitter and DSCP, naming the streams', () => {
    const { report, result } = analyzeJson(join(DIR, 'sample-call.pcapng'));
    expect(report.verdict).toBe('fail');
    expect(result.status).toBe(1);
    const codes = new Set(report.findings.map((f: any) => f.code));
    for (const c of ['LOSS_HIGH', 'JITTER_HIGH', 'DSCP_RTP_NOT_EF']) expect(codes).toContain(c);
    const loss = report.findings.find((f: any) => f.code === 'LOSS_HIGH');
    const lossy = report.streams.find((s: any) => s.id === loss.streamId);
    expect(lossy.lost).toBe(7);
    expect(loss.message).toContain(lossy.src);
    expect(report.calls.map((c: any) => c.verdict).sort()).toEqual(['fail', 'pass']);
  });

  it('port-violation passes by default and fails with --profile starface', () => {
    const capture = join(DIR, 'port-violation.pcap');
    expect(analyzeJson(capture).report.findings.map((f: any) => f.code)).not.toContain('PORT_OUT_OF_RANGE');
    const { report, result } = analyzeJson(capture, ['--profile', 'starface']);
    expect(report.findings.map((f: any) => f.code)).toContain('PORT_OUT_OF_RANGE');
    expect(report.profile).toBe('starface');
    expect(result.status).toBe(1);
  });

  it('only-sip: a call without RTP warns (exit 0, or 2 with --strict)', () => {
    const capture = join(DIR, 'only-sip.pcap');
    const { report, result } = analyzeJson(capture);
    expect(report.verdict).toBe('warn');
    expect(report.findings.map((f: any) => f.code)).toContain('NO_RTP_FOR_CALL');
    expect(result.status).toBe(0);
    expect(runCli(['analyze', capture, '--strict']).status).toBe(2);
  });

  it('no-calls: nothing to measure is said, not passed', () => {
    const { report } = analyzeJson(join(DIR, 'no-calls.pcap'));
    expect(report.streams).toEqual([]);
    expect(report.verdict).toBe('warn');
    expect(report.reason).toMatch(/no RTP stream/);
  });

  it('no-signalling: RTP without SIP is found by the heuristic', () => {
    const { report } = analyzeJson(join(DIR, 'no-signalling.pcap'));
    expect(report.streams.map((s: any) => s.detection)).toEqual(['heuristic', 'heuristic']);
    expect(report.streams.every((s: any) => s.callId === null)).toBe(true);
  });

  it('stdin gives the same report as the file', () => {
    const file = join(DIR, 'sip-tcp-vlan.pcap');
    const viaFile = analyzeJson(file).report;
    const viaStdin = JSON.parse(runCli(['analyze', '-', '--json'], { input: readFileSync(file) }).stdout);
    expect(viaStdin.streams).toEqual(viaFile.streams);
    expect(viaStdin.calls).toEqual(viaFile.calls);
    expect(viaStdin.input.file).toBe('(stdin)');
  });
});

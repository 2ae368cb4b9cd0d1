/**
 * Mirrored traffic and registrations, from the generator (src/synth: mirror.ts, register-source.ts):
 * the same calls wrapped in GRE (0x6558, key + sequence), ERSPAN type II and VXLAN as a collector
 * captures them, and UAs registering with 401 challenges (success, authentication failure, 403).
 * Checked three ways: the generator's truth equals tshark's (-z rtp,streams; the REGISTER transactions
 * and their answers), and `voipready analyze` (the real CLI, WebAssembly fast path on) equals both.
 * Without tshark the truth checks still run against our analysis.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defineScenario, generateCapture, type ScenarioInput, type Truth } from '../../src/synth/index.js';
import { analyzeJson, runCli } from '../helpers/cli.js';
import { compareStreams } from '../helpers/reference.js';
import { expectTruthMatchesTshark } from '../unit/synth/checks.js';
import { hasTshark, tshark } from '../unit/synth/tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'voipready-decap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** two calls with loss and jitter, VLAN-tagged inside the mirror, DNS/HTTP background */
const CALLS: ScenarioInput = {
  seed: 515, link: { type: 'ethernet', vlans: [42] }, background: { packets: 40, intervalMs: 50 },
  groups: [{
    count: 2, concurrent: 2, durationMs: 3000, rtcp: true, rtcpIntervalMs: 1000,
    forward: { loss: { kind: 'bernoulli', p: 0.04 }, jitter: { kind: 'uniform', maxMs: 25 } },
    backward: { jitter: { kind: 'normal', meanMs: 5, sigmaMs: 3 }, reorder: true },
  }],
};

function generate(name: string, input: ScenarioInput, format: 'pcap' | 'pcapng' = 'pcap'): { path: string; truth: Truth } {
  const path = join(dir, `${name}.${format}`);
  return { path, truth: generateCapture(defineScenario({ name, ...input }), path, format) };
}

function expectReportMatchesTruth(report: any, truth: Truth): void {
  const ref = truth.streams.map((s) => ({ ...s, packets: s.received }));
  expect(compareStreams(report.streams, ref)).toEqual([]);
  expect(report.streams.length).toBe(truth.streams.length);
  expect(report.calls.map((c: any) => c.callId).sort()).toEqual(truth.calls.map((c) => c.callId).sort());
  for (const s of report.streams) expect(s.detection).toBe('sdp');
}

describe('mirrored captures: GRE, ERSPAN II and III, VXLAN; MPLS and PPPoE links', () => {
  const plain = generate('plain', CALLS);
  for (const kind of ['gre', 'erspan2', 'erspan3', 'vxlan', 'mpls', 'pppoe'] as const) {
    it(`${kind}: streams and calls equal the unwrapped capture's truth${hasTshark ? ' and tshark' : ''}`, () => {
      const { path, truth } = generate(kind, { ...CALLS, mirror: { kind, session: 77 } });
      // same traffic inside: the truth of the inner frames does not depend on the wrapping
      expect(truth.streams.map((s) => [s.ssrc, s.received, s.lost])).toEqual(plain.truth.streams.map((s) => [s.ssrc, s.received, s.lost]));
      expect(truth.mirror).toBe(kind);
      if (hasTshark) expectTruthMatchesTshark(path, truth);
      const { report } = analyzeJson(path);
      expectReportMatchesTruth(report, truth);
      expect(report.input.packets).toBe(truth.frames);
      expect(report.input.tunnelled).toBe(truth.frames);
      expect(report.input.decodeErrors).toBe(0);
      // the background is named, not silently skipped: DNS over UDP and HTTP over TCP
      expect(report.input.undecoded.map((u: any) => [u.what, u.packets])).toEqual([['UDP port 53 (DNS)', 20], ['TCP port 80 (HTTP)', 20]]);
      // the innermost header's DSCP (EF for RTP, CS3/AF31 for SIP), and the VLAN inside the mirror
      for (const s of report.streams) expect(Object.keys(s.dscp)).toEqual(['46']);
    });
  }

  it('the unwrapped and the plain capture give the same figures', () => {
    const a = analyzeJson(plain.path).report;
    const b = analyzeJson(generate('gre-again', { ...CALLS, mirror: { kind: 'gre', session: 3 } }).path).report;
    const strip = (r: any) => r.streams.map((s: any) => [s.ssrc, s.packets, s.lost, s.jitterMeanMs, s.jitterMaxMs, s.maxDeltaMs, s.verdict]);
    expect(strip(b)).toEqual(strip(a));
    expect(a.input.tunnelled).toBe(0);
  });
});

/** tshark's REGISTER transactions: [Call-ID, request count, statuses of the answers in order] */
function tsharkRegisters(path: string): Map<string, { requests: number; statuses: number[] }> {
  const out = tshark(['-r', path, '-Y', 'sip.CSeq.method == "REGISTER"', '-T', 'fields', '-e', 'sip.Call-ID', '-e', 'sip.Method', '-e', 'sip.Status-Code']);
  const m = new Map<string, { requests: number; statuses: number[] }>();
  for (const line of out.split('\n').filter((l) => l.trim() !== '')) {
    const [id = '', method = '', status = ''] = line.split('\t');
    const e = m.get(id) ?? { requests: 0, statuses: [] };
    if (method === 'REGISTER') e.requests++;
    else if (status !== '') e.statuses.push(Number(status));
    m.set(id, e);
  }
  return m;
}

describe('REGISTER with 401 challenges', () => {
  const input: ScenarioInput = {
    seed: 616, groups: [{ count: 0 }],
    registrations: [
      { user: 'alice', answers: [401, 200], expires: 600 },
      { user: 'bob', atMs: 400, answers: [401, 401, 401] },
      { user: 'carol', atMs: 800, answers: [403] },
      { user: 'dave', atMs: 1200, answers: [401, 200], expires: 0 },
    ],
  };

  it(`registrations equal the generator's truth${hasTshark ? ' and tshark\'s transactions' : ''}; only-REGISTER is SIP`, () => {
    const { path, truth } = generate('register', input);
    const regs = truth.registrations ?? [];
    expect(regs.map((r) => r.outcome)).toEqual(['registered', 'auth-failed', 'failed', 'unregistered']);
    if (hasTshark) {
      expectTruthMatchesTshark(path, truth);
      const seen = tsharkRegisters(path);
      expect([...seen.values()].map((v) => [v.requests, v.statuses])).toEqual([[2, [401, 200]], [3, [401, 401, 401]], [1, [403]], [2, [401, 200]]]);
    }
    const { report } = analyzeJson(path);
    expect(report.registrations.map((r: any) => [r.aor, r.contact, r.ua, r.registrar, r.outcome, r.finalStatus, r.requests, r.challenges, r.expiresSeconds]))
      .toEqual(regs.map((r) => [r.aor, r.contact, r.ua, r.registrar, r.outcome, r.finalStatus, r.requests, r.challenges, r.expiresSeconds]));
    const codes = report.findings.map((f: any) => [f.code, report.registrations.find((r: any) => r.callId === f.callId)?.aor]);
    expect(codes).toEqual(expect.arrayContaining([['REGISTER_AUTH_FAILED', regs[1]!.aor], ['REGISTER_FAILED', regs[2]!.aor]]));
    expect(codes.filter((c: any) => String(c[0]).startsWith('REGISTER_'))).toHaveLength(2);
    expect(report.calls).toEqual([]);
    // the failed registrations set the verdict and say so
    expect([report.verdict, report.reason]).toEqual(['warn', expect.stringMatching(/^registration of sip:/)]);
    expect(report.reason).not.toMatch(/no SIP/i);
  });

  it('a capture of one successful registration and nothing else: the reason says SIP was there', () => {
    const { path } = generate('register-only', { seed: 617, groups: [{ count: 0 }], registrations: [{ user: 'erin', answers: [401, 200] }] });
    const { report } = analyzeJson(path);
    expect(report.findings.filter((f: any) => String(f.code).startsWith('REGISTER_'))).toEqual([]);
    expect(report.reason).toBe('no RTP stream in the capture: nothing to measure; SIP: 1 registration(s) (1 registered), no call.');
  });

  it('the text report lists the registrations and does not say "no SIP signalling"', () => {
    const { path } = generate('register-text', input);
    const text = runCli(['analyze', path, '--no-color']).stdout;
    expect(text).toMatch(/Registrations \(4\)/);
    expect(text).toMatch(/Calls: none \(SIP signalling: 4 registration\(s\), no INVITE\)/);
    expect(text).not.toMatch(/no SIP signalling in the capture/);
    expect(text).toMatch(/REGISTER_AUTH_FAILED/);
  });
});

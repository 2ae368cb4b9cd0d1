import { describe, expect, it } from 'vitest';
import { algCheckReport, type AlgCheckRun } from '../../../src/alg-test/check-report.js';
import { loadSettings } from '../../../src/config/load-settings.js';
import type { CheckResult } from '../../../src/detect/alg-active/analyse.js';

const clean: CheckResult = { exchanges: [], algPresent: false, outboundFields: [], inboundFields: [], fingerprint: null, verdict: 'no rewriting seen' };
const rewritten = {
  exchanges: [{ method: 'INVITE', outbound: [{ field: 'c=', before: 'c=IN IP4 10.0.0.2', after: 'c=IN IP4 198.51.100.1' }], inbound: [] }],
  algPresent: true, outboundFields: ['c='], inboundFields: [], verdict: 'SIP ALG present: rewrote c= (outbound)',
  fingerprint: { box: 'Linux nf_nat_sip', evidence: ['From rewritten with an explicit port'], text: 'fingerprint: likely Linux nf_nat_sip' },
} as unknown as CheckResult;

function run(result: CheckResult, natAwareness: string | null = null): AlgCheckRun {
  return { server: '203.0.113.5:5060', transport: 'udp', local: '10.0.0.2:5060', startTime: '2026-12-03T00:00:00.000Z', durationSeconds: 0.25, result, natAwareness };
}

describe('alg-check as an analysis report', () => {
  it('no rewriting: pass, no findings, the test\'s own summary row (not "nothing measured")', () => {
    const r = algCheckReport(run(clean), loadSettings({}));
    expect(r.verdict).toBe('pass');
    expect(r.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    expect(r.summary).toEqual([{ criterion: 'sipAlg', label: 'SIP ALG (active test)', limit: 'no rewriting', measured: 'no rewriting seen', verdict: 'pass' }]);
    expect(r.input.file).toBe('alg-check://203.0.113.5:5060/udp');
  });
  it('rewritten: fail, SIP_ALG_REWRITE with the changed lines and the fingerprint as evidence', () => {
    const r = algCheckReport(run(rewritten), loadSettings({}));
    expect(r.verdict).toBe('fail');
    const f = r.findings.find((x) => x.code === 'SIP_ALG_REWRITE')!;
    expect(f.message).toBe('SIP ALG present: rewrote c= (outbound) (active test against 203.0.113.5:5060 over udp); fingerprint: likely Linux nf_nat_sip');
    expect(f.evidence).toEqual(['INVITE outbound (as sent -, as alg-echo received it +):', '  - c=IN IP4 10.0.0.2', '  + c=IN IP4 198.51.100.1', 'fingerprint: likely Linux nf_nat_sip', 'From rewritten with an explicit port']);
  });
  it('plain NAT with a NAT-unaware endpoint: warn, NAT_PRIVATE_ADDRESS_IN_SIP', () => {
    const r = algCheckReport(run(clean, 'endpoint not NAT-aware: SIP carries the private 10.0.0.2 while STUN maps it to 198.51.100.1'), loadSettings({}));
    expect(r.verdict).toBe('warn');
    expect(r.findings.map((f) => f.code)).toEqual(['NAT_PRIVATE_ADDRESS_IN_SIP']);
  });
});

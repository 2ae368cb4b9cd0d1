/**
 * The active ALG test as an analysis report: the same AnalysisReport `analyze` writes, so `alg-check
 * --report`/`--html` land in the same JSON, the same HTML (with its "what to do" advice per finding
 * code) and the same codes the passive detector raises (SIP_ALG_REWRITE, NAT_PRIVATE_ADDRESS_IN_SIP),
 * with the rewritten lines as evidence. No streams, no calls: the test sends no media.
 */
import type { Settings } from '../config/settings.js';
import type { CheckResult } from '../detect/alg-active/analyse.js';
import { formatChanges } from '../detect/alg-active/sip-text.js';
import type { AnalysisReport, Finding } from '../model/report.js';
import { buildReport } from '../pipeline/build-report.js';

export interface AlgCheckRun {
  server: string;
  transport: 'udp' | 'tcp';
  /** this end of the socket, "ip:port" */
  local: string;
  startTime: string;
  durationSeconds: number;
  result: CheckResult;
  /** the NAT-awareness sentence, null when nothing was learnt */
  natAwareness: string | null;
}

function rewriteFinding(run: AlgCheckRun): Finding {
  const r = run.result;
  const lines = r.exchanges.flatMap((x) => [
    ...(x.outbound.length > 0 ? [`${x.method} outbound (as sent -, as alg-echo received it +):`, ...formatChanges(x.outbound).map((l) => `  ${l}`)] : []),
    ...(x.inbound.length > 0 ? [`${x.method} inbound (as alg-echo sent it -, as received +):`, ...formatChanges(x.inbound).map((l) => `  ${l}`)] : []),
  ]);
  const fp = r.fingerprint;
  return {
    severity: 'fail', code: 'SIP_ALG_REWRITE',
    message: `${r.verdict} (active test against ${run.server} over ${run.transport})${fp !== null ? `; ${fp.text}` : ''}`,
    evidence: [...lines, ...(fp !== null ? [fp.text, ...fp.evidence] : [])],
  };
}

function natFinding(run: AlgCheckRun): Finding | null {
  const n = run.natAwareness;
  if (n === null || !n.startsWith('endpoint not NAT-aware')) return null;
  return { severity: 'warn', code: 'NAT_PRIVATE_ADDRESS_IN_SIP', message: n, evidence: [`alg-check from ${run.local} to ${run.server} over ${run.transport}`] };
}

export function algCheckReport(run: AlgCheckRun, settings: Settings): AnalysisReport {
  const findings = [run.result.algPresent ? rewriteFinding(run) : null, natFinding(run)].filter((f): f is Finding => f !== null);
  const packets = run.result.exchanges.length * 2;
  const r = buildReport({
    settings,
    input: {
      file: `alg-check://${run.server}/${run.transport}`, format: 'live', packets, bytes: 0, durationSeconds: run.durationSeconds,
      startTime: run.startTime, endTime: new Date(Date.parse(run.startTime) + run.durationSeconds * 1000).toISOString(), linkTypes: [], decodeErrors: 0, error: null,
    },
    streams: [], calls: [], link: null, findings,
  });
  // the verdict is the test's own: no media was sent, so "nothing measured" is not a warning here
  const worst = findings.find((f) => f.severity === 'fail') ?? findings.find((f) => f.severity === 'warn') ?? null;
  const summary = [{ criterion: 'sipAlg', label: 'SIP ALG (active test)', limit: 'no rewriting', measured: run.result.verdict, verdict: run.result.algPresent ? 'fail' as const : 'pass' as const }];
  return {
    ...r, findings: r.findings.filter((f) => f.severity === 'info' || findings.some((x) => x.code === f.code)), summary,
    verdict: worst === null ? 'pass' : worst.severity === 'fail' ? 'fail' : 'warn',
    reason: worst === null ? `alg-check against ${run.server} over ${run.transport}: ${run.result.verdict}.` : `${worst.message}.`,
  };
}

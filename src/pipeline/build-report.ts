/** Assembles the final AnalysisReport from measured streams and calls via the verdict engine. */
import type { AnalysisReport, CallReport, Finding, InputSummary, LinkUtilisation, ProbeReport, RegistrationReport, RetentionSummary, StreamReport } from '../model/report.js';
import { evaluate } from '../verdict/evaluate.js';
import type { AnalysisSettings } from '../config/settings.js';
import { VERSION } from '../version.js';
import { contentsSentence } from '../model/undecoded-text.js';

export interface ReportParts {
  settings: AnalysisSettings;
  input: InputSummary;
  streams: Array<Omit<StreamReport, 'verdict'>>;
  calls: Array<Omit<CallReport, 'verdict' | 'mos'>>;
  link: Omit<LinkUtilisation, 'verdict'> | null;
  findings: Finding[];
  /** what a long run finalised and no longer lists (default: nothing) */
  retention?: RetentionSummary;
  /** the active probe's figures (default: none) */
  probe?: ProbeReport | null;
  /** REGISTER bindings (default: none listed) */
  registrations?: RegistrationReport[];
}

export const NO_RETENTION: RetentionSummary = {
  streamsRetired: 0, callsRetired: 0, streamsNotListed: 0, callsNotListed: 0,
  notListedStreamVerdicts: { pass: 0, warn: 0, fail: 0 }, notListedCallVerdicts: { pass: 0, warn: 0, fail: 0 },
};

export function buildReport(parts: ReportParts): AnalysisReport {
  const r = parts.retention ?? NO_RETENTION;
  const e = evaluate({
    thresholds: parts.settings.thresholds, streams: parts.streams, calls: parts.calls, link: parts.link, findings: parts.findings,
    unlisted: { streams: r.streamsNotListed, calls: r.callsNotListed, streamVerdicts: r.notListedStreamVerdicts, callVerdicts: r.notListedCallVerdicts },
  });
  return {
    tool: { name: 'voipready', version: VERSION },
    verdict: e.verdict,
    reason: withContents(e.reason, parts),
    profile: parts.settings.profile,
    thresholds: parts.settings.thresholds,
    input: parts.input,
    calls: e.calls,
    ...(parts.registrations !== undefined ? { registrations: parts.registrations } : {}),
    streams: e.streams,
    findings: e.findings,
    link: e.link,
    summary: e.summary,
    retention: r,
    twoPoint: null,
    probe: parts.probe ?? null,
  };
}

/** nothing to measure: say what the capture did hold instead (never a silent "nothing to measure") */
function withContents(reason: string, parts: ReportParts): string {
  if (parts.streams.length > 0 || parts.calls.length > 0) return reason;
  const regs = parts.registrations ?? [];
  const sip = regs.length > 0 ? `SIP: ${regs.length} registration(s) (${outcomes(regs)}), no call` : null;
  const held = contentsSentence(parts.input.undecoded ?? []);
  const extra = [sip, held].filter((x) => x !== null);
  // a finding that sets the verdict already says the worst; the reason of an empty capture says what it holds
  if (extra.length === 0 || !/nothing to measure/.test(reason)) return reason;
  return `${reason.replace(/\.$/, '')}; ${extra.join('; ')}.`;
}

/** "2 registered, 1 auth-failed" */
function outcomes(regs: RegistrationReport[]): string {
  const n = new Map<string, number>();
  for (const r of regs) n.set(r.outcome, (n.get(r.outcome) ?? 0) + 1);
  return [...n].map(([o, k]) => `${k} ${o}`).join(', ');
}

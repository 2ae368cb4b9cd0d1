/**
 * Turns measured streams and calls into verdicts, findings, the limits-vs-measured summary and the
 * one-sentence reason. Pure: the same inputs give the same report.
 */
import type {
  CallReport, Finding, LimitCheck, LinkUtilisation, StreamReport, Thresholds, Verdict,
} from '../model/report.js';
import { checkCall } from './call-checks.js';
import { grade, rank, verdictOf, worst } from './severity.js';
import { dscpName, findingsOf, fmt, partsOf, reportFigures } from './stream-checks.js';
import { gradeStream, portOutOfRange, verdictOfChecks, type StreamCheck, type StreamCriterion } from './stream-grade.js';
import { isoTime } from '../model/iso-time.js';
import { jitterKnown } from '../model/stream-figures.js';
import { foldDtmfFindings } from './dtmf-fold.js';

export interface EvaluationInput {
  thresholds: Thresholds;
  streams: Array<Omit<StreamReport, 'verdict'>>;
  calls: Array<Omit<CallReport, 'verdict' | 'mos'>>;
  link: Omit<LinkUtilisation, 'verdict'> | null;
  /** capture-level findings already known (decode errors, truncation) */
  findings: Finding[];
  /** finalised streams and calls the report no longer lists, by verdict (a long run) */
  unlisted?: { streams: number; calls: number; streamVerdicts: Record<Verdict, number>; callVerdicts: Record<Verdict, number> };
}

export interface Evaluation {
  verdict: Verdict;
  reason: string;
  streams: StreamReport[];
  calls: CallReport[];
  findings: Finding[];
  link: LinkUtilisation | null;
  summary: LimitCheck[];
}

/** a stream with its verdict and the grader's checks it was given from */
interface Graded {
  stream: StreamReport;
  checks: StreamCheck[];
}

/** one stream's verdict and findings: the report's, and a retiring stream's final one */
export function streamOutcome(s: Omit<StreamReport, 'verdict'>, t: Thresholds): { verdict: Verdict; findings: Finding[]; checks: StreamCheck[] } {
  const checks = gradeStream(reportFigures(s), t);
  return { verdict: verdictOfChecks(checks), findings: findingsOf(s, checks, t), checks };
}

/** one call's verdict and findings: its own findings and the verdicts of its streams */
export function callOutcome(c: Omit<CallReport, 'verdict' | 'mos'>, own: StreamReport[], t: Thresholds): { verdict: Verdict; findings: Finding[] } {
  const findings = checkCall(c, own, t);
  let verdict = findings.reduce<Verdict>((acc, x) => worst(acc, verdictOf(x.severity)), 'pass');
  for (const s of own) verdict = worst(verdict, s.verdict);
  return { verdict, findings };
}

export function evaluate(input: EvaluationInput): Evaluation {
  const t = input.thresholds;
  const findings: Finding[] = [...input.findings];
  const streamFindings: Finding[] = [];
  const graded = input.streams.map((s): Graded => {
    const o = streamOutcome(s, t);
    streamFindings.push(...o.findings);
    return { stream: { ...s, verdict: o.verdict }, checks: o.checks };
  });
  findings.push(...foldDtmfFindings(streamFindings, input.streams));
  const streams = graded.map((g) => g.stream);
  const byId = new Map(streams.map((s) => [s.id, s]));
  const calls = input.calls.map((c) => {
    const own = c.streams.map((id) => byId.get(id)).filter((s): s is StreamReport => s !== undefined);
    const o = callOutcome(c, own, t);
    findings.push(...o.findings);
    return { ...c, verdict: o.verdict, mos: worstMos(own) };
  });
  const link = input.link === null ? null : checkLink(input.link, t, findings);
  const unlisted = input.unlisted === undefined ? null : unlistedFinding(input.unlisted);
  if (unlisted !== null) findings.push(unlisted);
  findings.sort((a, b) => rank(verdictOf(b.severity)) - rank(verdictOf(a.severity)) || (a.packet ?? 0) - (b.packet ?? 0));
  let verdict = findings.reduce<Verdict>((v, f) => worst(v, verdictOf(f.severity)), 'pass');
  if (streams.length === 0 && (input.unlisted?.streams ?? 0) === 0) verdict = worst(verdict, 'warn');
  return { verdict, reason: reasonFor(verdict, findings, streams, calls), streams, calls, findings, link, summary: summarise(t, graded, link) };
}

/** the lowest MOS of the streams (null when none has one) */
export function worstMos(streams: ReadonlyArray<Pick<StreamReport, 'mos'>>): number | null {
  let m: number | null = null;
  for (const s of streams) {
    const v = s.mos?.mos;
    if (v !== undefined && (m === null || v < m)) m = v;
  }
  return m;
}

/** the streams and calls a long run no longer lists still count: their worst verdict, in one finding */
function unlistedFinding(u: NonNullable<EvaluationInput['unlisted']>): Finding | null {
  if (u.streams === 0 && u.calls === 0) return null;
  const v = u.streamVerdicts;
  const c = u.callVerdicts;
  const severity = v.fail + c.fail > 0 ? 'fail' : v.warn + c.warn > 0 ? 'warn' : 'info';
  return {
    severity, code: 'EARLIER_NOT_LISTED', measured: u.streams,
    message: `${u.streams} earlier stream(s) (${v.fail} fail, ${v.warn} warn, ${v.pass} pass) and ${u.calls} earlier call(s) (${c.fail} fail, ${c.warn} warn) were finalised during the run and are counted but not listed; their findings were counted in voipready_findings_total when they ended`,
  };
}

function checkLink(l: Omit<LinkUtilisation, 'verdict'>, t: Thresholds, findings: Finding[]): LinkUtilisation {
  const verdict = grade(l.peakPercent, t.linkUtilisationPercent, t.warnFraction);
  if (verdict !== 'pass') {
    findings.push({
      severity: verdict, code: 'LINK_UTILISATION_HIGH', measured: l.peakPercent, limit: t.linkUtilisationPercent, unit: '%',
      message: `link utilisation peaks at ${fmt(l.peakPercent)} % of ${l.linkSpeedBitsPerSecond / 1e6} Mbit/s at ${isoTime(l.peakAt * 1000)} (limit ${t.linkUtilisationPercent} %)`,
    });
  }
  return { ...l, verdict };
}

function reasonFor(verdict: Verdict, findings: Finding[], streams: StreamReport[], calls: CallReport[]): string {
  const top = findings.find((f) => verdictOf(f.severity) === verdict && verdict !== 'pass');
  if (top !== undefined) {
    const more = findings.filter((f) => f.severity === top.severity).length - 1;
    return `${top.message}${more > 0 ? ` (and ${more} more ${top.severity === 'fail' ? 'failures' : 'warnings'})` : ''}.`;
  }
  if (streams.length === 0) {
    return calls.length > 0
      ? `${calls.length} call(s) but no RTP in the capture: nothing to measure the network with.`
      : 'no RTP stream in the capture: nothing to measure.';
  }
  return `all ${streams.length} RTP stream(s) within the VoIP-Ready limits.`;
}

/**
 * The limits side by side with the worst measured value. The stream rows follow the grader's checks:
 * a row's verdict is the worst of that criterion's checks over the streams it covers, so it never
 * says pass next to a failing stream (or fail next to streams that all pass).
 */
function summarise(t: Thresholds, graded: Graded[], link: LinkUtilisation | null): LimitCheck[] {
  const streams = graded.map((g) => g.stream);
  const lossS = worstFor(graded, 'loss', (s) => s.lossPercent);
  // jitter is measured only with a known clock rate (not on DTMF-only streams): others are not "0.00"
  const jitS = worstFor(graded.filter((g) => jitterKnown(g.stream)), 'jitter', (s) => s.jitterMeanMs);
  const rtt = streams.map((s) => s.rtcp?.rttMaxMs ?? null).filter((v): v is number => v !== null);
  const owd = rtt.length > 0 ? Math.max(...rtt) / 2 : null;
  const rows: LimitCheck[] = [
    row('loss', 'Packet loss', `<= ${t.lossPercent} %`, lossS && `${fmt(lossS.stream.lossPercent)} % (${lossS.stream.id})`, lossS && lossS.verdict),
    row('jitter', 'Jitter (mean, RFC 3550)', `<= ${t.jitterMs} ms`, jitS && `${fmt(jitS.stream.jitterMeanMs)} ms (max ${fmt(jitS.stream.jitterMaxMs)} ms, ${jitS.stream.id})`, jitS && jitS.verdict),
    row('oneWayDelay', 'One-way delay', `<= ${t.oneWayDelayMs} ms`, owd === null ? null : `~${fmt(owd)} ms (RTCP round trip / 2)`, owd === null ? null : grade(owd, t.oneWayDelayMs, t.warnFraction)),
    totalDelayRow(t, graded),
    dscpRow(t, graded),
    portRow(t, graded),
    row('linkUtilisation', 'Link utilisation', `<= ${t.linkUtilisationPercent} %`, link && `${fmt(link.peakPercent)} % peak`, link && link.verdict),
  ];
  return rows.sort((a, b) => vr(b.verdict) - vr(a.verdict));
}

/** the worst of one criterion's checks of a stream */
function verdictFor(g: Graded, criterion: StreamCriterion): Verdict {
  return verdictOfChecks(g.checks.filter((c) => c.criterion === criterion));
}

/** the stream with the worst verdict on the criterion, the highest value among equals; null without streams */
function worstFor(graded: Graded[], criterion: StreamCriterion, value: (s: StreamReport) => number): { stream: StreamReport; verdict: Verdict } | null {
  let best: { stream: StreamReport; verdict: Verdict } | null = null;
  for (const g of graded) {
    const v = verdictFor(g, criterion);
    if (best === null || rank(v) > rank(best.verdict) || (rank(v) === rank(best.verdict) && value(g.stream) > value(best.stream))) best = { stream: g.stream, verdict: v };
  }
  return best;
}

/**
 * The mouth-to-ear row: the worst stream whose network delay is measured (graded by its checks), else
 * the highest figure with an assumed network delay, shown but not graded.
 */
function totalDelayRow(t: Thresholds, graded: Graded[]): LimitCheck {
  const label = 'Total delay (mouth to ear)';
  const limit = `<= ${t.totalDelayMs} ms`;
  const withM2e = graded.filter((g) => g.stream.mouthToEar !== null && g.stream.mouthToEar !== undefined);
  const measured = withM2e.filter((g) => g.stream.mouthToEar!.networkMeasured);
  if (measured.length > 0) {
    const w = worstFor(measured, 'totalDelay', (s) => s.mouthToEar!.totalMs)!;
    const m = w.stream.mouthToEar!;
    return row('totalDelay', label, limit, `${fmt(m.totalMs)} ms (${w.stream.id}: ${fmt(m.networkMs)} network + ${fmt(m.packetisationMs)} frame + ${fmt(m.lookAheadMs)} codec + ${fmt(m.jitterBufferMs)} buffer)`, w.verdict);
  }
  if (withM2e.length === 0) return row('totalDelay', label, limit, null, null);
  const top = withM2e.reduce((a, b) => (b.stream.mouthToEar!.totalMs > a.stream.mouthToEar!.totalMs ? b : a));
  const m = top.stream.mouthToEar!;
  return { criterion: 'totalDelay', label, limit, measured: `>= ${fmt(m.totalMs)} ms (${partsOf(m)}: network delay not measured, not graded, ${top.stream.id})`, verdict: 'n/a' };
}

function dscpRow(t: Thresholds, graded: Graded[]): LimitCheck {
  const limit = t.rtpDscp.length === 0 ? 'any' : t.rtpDscp.map(dscpName).join('/');
  if (graded.length === 0) return row('dscp', 'DSCP marking (RTP)', limit, null, null);
  const wrong = graded.filter((g) => g.checks.some((c) => c.code === 'DSCP_RTP_NOT_EF')).length;
  const changed = graded.filter((g) => g.checks.some((c) => c.code === 'DSCP_CHANGED')).length;
  const seen = [...new Set(graded.flatMap((g) => Object.keys(g.stream.dscp).map(Number)))].sort((a, b) => a - b);
  const notes = [wrong > 0 ? `${wrong} stream(s) wrong` : '', changed > 0 ? `${changed} stream(s) re-marked` : ''].filter((n) => n !== '');
  const verdict = graded.reduce<Verdict>((v, g) => worst(v, verdictFor(g, 'dscp')), 'pass');
  return row('dscp', 'DSCP marking (RTP)', limit, `${seen.map(dscpName).join(', ')}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`, verdict);
}

function portRow(t: Thresholds, graded: Graded[]): LimitCheck {
  const n = graded.length;
  if (t.rtpPorts === null) return row('ports', 'RTP port range', 'any', n ? `${n} stream(s)` : null, null);
  const r = t.rtpPorts;
  const bad = graded.filter((g) => portOutOfRange(t, g.stream.srcPort, g.stream.dstPort)).length;
  const verdict = graded.reduce<Verdict>((v, g) => worst(v, verdictFor(g, 'ports')), 'pass');
  return row('ports', 'RTP port range', `UDP ${r.min}-${r.max}`, n ? `${bad} of ${n} stream(s) outside` : null, n ? verdict : null);
}

function row(criterion: string, label: string, limit: string, measured: string | null, verdict: Verdict | null): LimitCheck {
  return { criterion, label, limit, measured, verdict: measured === null || verdict === null ? 'n/a' : verdict };
}

function vr(v: Verdict | 'n/a'): number {
  return v === 'n/a' ? -1 : rank(v);
}

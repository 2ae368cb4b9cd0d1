/**
 * Turns measured streams and calls into verdicts, findings, the limits-vs-measured summary and the
 * one-sentence reason. Pure: the same inputs give the same report.
 */
import type {
  CallReport, Finding, LimitCheck, LinkUtilisation, StreamReport, Thresholds, Verdict,
} from '../model/report.js';
import { checkCall } from './call-checks.js';
import { rank, verdictOf, worst } from './severity.js';
import { checkStream, dscpName, fmt } from './stream-checks.js';
import { isoTime } from '../model/iso-time.js';

export interface EvaluationInput {
  thresholds: Thresholds;
  streams: Array<Omit<StreamReport, 'verdict'>>;
  calls: Array<Omit<CallReport, 'verdict'>>;
  link: Omit<LinkUtilisation, 'verdict'> | null;
  /** capture-level findings already known (decode errors, truncation) */
  findings: Finding[];
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

export function evaluate(input: EvaluationInput): Evaluation {
  const t = input.thresholds;
  const findings: Finding[] = [...input.findings];
  const streams = input.streams.map((s) => {
    const f = checkStream(s, t);
    findings.push(...f);
    return { ...s, verdict: f.reduce<Verdict>((v, x) => worst(v, verdictOf(x.severity)), 'pass') };
  });
  const byId = new Map(streams.map((s) => [s.id, s]));
  const calls = input.calls.map((c) => {
    const own = c.streams.map((id) => byId.get(id)).filter((s): s is StreamReport => s !== undefined);
    const f = checkCall(c, own, t);
    findings.push(...f);
    let v = f.reduce<Verdict>((acc, x) => worst(acc, verdictOf(x.severity)), 'pass');
    for (const s of own) v = worst(v, s.verdict);
    return { ...c, verdict: v };
  });
  const link = input.link === null ? null : checkLink(input.link, t, findings);
  findings.sort((a, b) => rank(verdictOf(b.severity)) - rank(verdictOf(a.severity)) || (a.packet ?? 0) - (b.packet ?? 0));
  let verdict = findings.reduce<Verdict>((v, f) => worst(v, verdictOf(f.severity)), 'pass');
  if (streams.length === 0) verdict = worst(verdict, 'warn');
  return { verdict, reason: reasonFor(verdict, findings, streams, calls), streams, calls, findings, link, summary: summarise(t, streams, link) };
}

function checkLink(l: Omit<LinkUtilisation, 'verdict'>, t: Thresholds, findings: Finding[]): LinkUtilisation {
  const verdict: Verdict = l.peakPercent > t.linkUtilisationPercent ? 'fail' : l.peakPercent > t.linkUtilisationPercent * t.warnFraction ? 'warn' : 'pass';
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

function summarise(t: Thresholds, streams: StreamReport[], link: LinkUtilisation | null): LimitCheck[] {
  const voice = streams.filter((s) => s.clockRate > 0);
  const maxBy = (f: (s: StreamReport) => number) => voice.reduce<StreamReport | null>((m, s) => (m === null || f(s) > f(m) ? s : m), null);
  const lossS = maxBy((s) => s.lossPercent);
  const jitS = maxBy((s) => s.jitterMeanMs);
  const rtt = streams.map((s) => s.rtcp?.rttMaxMs ?? null).filter((v): v is number => v !== null);
  const owd = rtt.length > 0 ? Math.max(...rtt) / 2 : null;
  const rows: LimitCheck[] = [
    row('loss', 'Packet loss', `<= ${t.lossPercent} %`, lossS && `${fmt(lossS.lossPercent)} % (${lossS.id})`, lossS && gradeV(lossS.lossPercent, t.lossPercent, t)),
    row('jitter', 'Jitter (mean, RFC 3550)', `<= ${t.jitterMs} ms`, jitS && `${fmt(jitS.jitterMeanMs)} ms (max ${fmt(jitS.jitterMaxMs)} ms, ${jitS.id})`, jitS && gradeV(jitS.jitterMeanMs, t.jitterMs, t)),
    row('oneWayDelay', 'One-way delay', `<= ${t.oneWayDelayMs} ms`, owd === null ? null : `~${fmt(owd)} ms (RTCP round trip / 2)`, owd === null ? null : gradeV(owd, t.oneWayDelayMs, t)),
    row('totalDelay', 'Total delay (mouth to ear)', `<= ${t.totalDelayMs} ms`, null, null),
    dscpRow(t, streams),
    portRow(t, streams),
    row('linkUtilisation', 'Link utilisation', `<= ${t.linkUtilisationPercent} %`, link && `${fmt(link.peakPercent)} % peak`, link && link.verdict),
  ];
  return rows.sort((a, b) => vr(b.verdict) - vr(a.verdict));
}

function dscpRow(t: Thresholds, streams: StreamReport[]): LimitCheck {
  if (streams.length === 0) return row('dscp', 'DSCP marking (RTP)', t.rtpDscp.map(dscpName).join('/'), null, null);
  const bad = streams.filter((s) => Object.keys(s.dscp).some((d) => !t.rtpDscp.includes(Number(d))));
  const seen = [...new Set(streams.flatMap((s) => Object.keys(s.dscp).map(Number)))].sort((a, b) => a - b);
  return row('dscp', 'DSCP marking (RTP)', t.rtpDscp.map(dscpName).join('/'), `${seen.map(dscpName).join(', ')}${bad.length ? ` (${bad.length} stream(s) wrong)` : ''}`, bad.length ? 'fail' : 'pass');
}

function portRow(t: Thresholds, streams: StreamReport[]): LimitCheck {
  if (t.rtpPorts === null) return row('ports', 'RTP port range', 'any', streams.length ? `${streams.length} stream(s)` : null, null);
  const r = t.rtpPorts;
  const bad = streams.filter((s) => !(s.srcPort >= r.min && s.srcPort <= r.max) && !(s.dstPort >= r.min && s.dstPort <= r.max));
  return row('ports', 'RTP port range', `UDP ${r.min}-${r.max}`, streams.length ? `${bad.length} of ${streams.length} stream(s) outside` : null, streams.length ? (bad.length ? 'fail' : 'pass') : null);
}

function gradeV(v: number, limit: number, t: Thresholds): Verdict {
  return v > limit ? 'fail' : v > limit * t.warnFraction ? 'warn' : 'pass';
}

function row(criterion: string, label: string, limit: string, measured: string | null, verdict: Verdict | null): LimitCheck {
  return { criterion, label, limit, measured, verdict: measured === null || verdict === null ? 'n/a' : verdict };
}

function vr(v: Verdict | 'n/a'): number {
  return v === 'n/a' ? -1 : rank(v);
}

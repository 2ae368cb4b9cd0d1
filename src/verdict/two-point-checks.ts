/**
 * Findings and the one-way-delay summary row from two-point matching (--peer). The delay graded is
 * the p95 of the per-packet one-way delays of each stream: the median hides the delay that one
 * packet in ten or twenty sees (what a jitter buffer must wait for), the maximum is one packet's
 * bad luck. Loss between the points is graded like the stream loss (lossPercent), DSCP re-marking
 * between the points warns (any re-marked packet: a device between the taps rewrites the mark).
 */
import { dscpName } from '../model/dscp-name.js';
import type { AnalysisReport, Finding, LimitCheck, Thresholds, TwoPointReport } from '../model/report.js';
import { grade, rank, verdictOf, worst } from './severity.js';
import { fmt } from './stream-checks.js';

export function twoPointFindings(tp: TwoPointReport, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  for (const s of tp.streams) {
    const where = `${s.ssrc} ${s.direction}${s.streamIdA !== null ? ` (${s.streamIdA})` : ''}`;
    const ids = s.streamIdA !== null ? { streamId: s.streamIdA } : {};
    if (s.delayMs !== null) {
      const v = grade(s.delayMs.p95, t.oneWayDelayMs, t.warnFraction);
      if (v !== 'pass') {
        out.push({
          severity: v, code: 'ONE_WAY_DELAY_HIGH', ...ids, measured: s.delayMs.p95, limit: t.oneWayDelayMs, unit: 'ms',
          message: `one-way delay between the two capture points ${where}: p95 ${fmt(s.delayMs.p95)} ms (median ${fmt(s.delayMs.p50)}, max ${fmt(s.delayMs.max)}; limit ${t.oneWayDelayMs} ms)`,
          evidence: [tp.clockNote],
        });
      }
    }
    if (s.lostBetween > 0) {
      const v = grade(s.lostBetweenPercent, t.lossPercent, t.warnFraction);
      out.push({
        severity: v === 'pass' ? 'info' : v, code: 'LOSS_BETWEEN_POINTS', ...ids, measured: s.lostBetweenPercent, limit: t.lossPercent, unit: '%',
        message: `${s.lostBetween} packet(s) (${fmt(s.lostBetweenPercent)} %) of ${where} lost between the two capture points (${s.lostBefore} lost before the upstream point)`,
      });
    }
    if (s.remarked > 0) {
      out.push({
        severity: 'warn', code: 'DSCP_REMARKED_BETWEEN_POINTS', ...ids, measured: s.remarked, unit: 'packets',
        message: `${s.remarked} of ${s.matched} packet(s) of ${where} re-marked between the capture points (DSCP at A ${dscpText(s.dscpA)}, at B ${dscpText(s.dscpB)})`,
      });
    }
  }
  return out;
}

function dscpText(d: Record<string, number>): string {
  return Object.entries(d).map(([k, n]) => `${/^\d+$/.test(k) ? dscpName(Number(k)) : k}: ${n}`).join(', ');
}

/** the summary row: the worst p95 over the streams, labelled as measured with two captures */
export function twoPointDelayRow(tp: TwoPointReport, t: Thresholds, current: LimitCheck): LimitCheck {
  const with_ = tp.streams.filter((s) => s.delayMs !== null);
  if (with_.length === 0) {
    if (tp.clock !== 'not-synchronised') return current;
    return { ...current, measured: current.measured ?? 'not measurable: the two captures\' clocks are not synchronised (see twoPoint.clockNote)' };
  }
  const top = with_.reduce((a, b) => (b.delayMs!.p95 > a.delayMs!.p95 ? b : a));
  const p95 = top.delayMs!.p95;
  return {
    ...current,
    measured: `${fmt(p95)} ms p95 (two captures; ${top.ssrc} ${top.direction})`,
    verdict: grade(p95, t.oneWayDelayMs, t.warnFraction),
  };
}

/** the report with the two-point result, its findings, the delay row and the verdict they give */
export function withTwoPoint(r: AnalysisReport, tp: TwoPointReport): AnalysisReport {
  const t = r.thresholds;
  const added = twoPointFindings(tp, t);
  const findings = [...r.findings, ...added].sort((a, b) => rank(verdictOf(b.severity)) - rank(verdictOf(a.severity)) || (a.packet ?? 0) - (b.packet ?? 0));
  const summary = r.summary.map((row) => (row.criterion === 'oneWayDelay' ? twoPointDelayRow(tp, t, row) : row))
    .sort((a, b) => vr(b.verdict) - vr(a.verdict));
  const verdict = added.reduce((v, f) => worst(v, verdictOf(f.severity)), r.verdict);
  const top = added.find((f) => verdictOf(f.severity) === verdict && verdict !== 'pass');
  const reason = verdict !== r.verdict && top !== undefined ? `${top.message}.` : r.reason;
  return { ...r, twoPoint: tp, findings, summary, verdict, reason };
}

function vr(v: LimitCheck['verdict']): number {
  return v === 'n/a' ? -1 : rank(v);
}

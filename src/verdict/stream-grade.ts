/**
 * The one stream grader: a stream's figures against the thresholds, as structured checks (code,
 * severity, measured, limit). The report (checkStream turns the checks into findings with messages,
 * evaluate's stream verdict and summary rows) and the live view (StreamLive.verdict, read by
 * `/metrics` on every scrape) both grade here, so they cannot disagree on the same figures.
 *
 * The rules, in the order the findings are listed:
 * - loss: the counted loss in % (src/measure/counted-loss.ts: duplicates counted once, runs between
 *   sequence restarts added up, never negative): fail above the limit, warn above warnFraction of it;
 * - jitter, only with a known clock rate: the *mean* RFC 3550 jitter is held to the limit the same way
 *   (it is what a jitter buffer must absorb); a *maximum* above the limit with a good mean is a spike
 *   and warns;
 * - DSCP: a packet marked with a value rtpDscp does not list fails; an empty rtpDscp accepts any
 *   value; more than one value within the stream warns (something on the path re-marks);
 * - ports: with an RTP port range, a stream with neither port inside it fails;
 * - total delay, only when the network part is measured (an assumed network delay is not graded):
 *   the mouth-to-ear delay against totalDelayMs, fail above, warn above warnFraction of it;
 * - MOS (G.107 E-model): below 3.6 (R < 70, G.109 "many users dissatisfied") warns, below 3.1
 *   (R < 60, "nearly all users dissatisfied") fails.
 *
 * Verdict-only grading (streamVerdict) allocates nothing and reads the DSCP counts only when the
 * figures cannot say cheaply that every packet carried one value.
 */
import type { Thresholds, Verdict } from '../model/report.js';
import { grade as gradeValue, worst } from './severity.js';

export type StreamCheckCode = 'LOSS_HIGH' | 'JITTER_HIGH' | 'JITTER_SPIKE' | 'DSCP_RTP_NOT_EF' | 'DSCP_CHANGED' | 'PORT_OUT_OF_RANGE' | 'TOTAL_DELAY_HIGH' | 'MOS_LOW';

/** the summary row a check belongs to (LimitCheck.criterion) */
export type StreamCriterion = 'loss' | 'jitter' | 'dscp' | 'ports' | 'totalDelay' | 'mos';

/** G.109 categories on the MOS scale (G.107 Annex B of R 70 and R 60) */
export const MOS_WARN_BELOW = 3.6;
export const MOS_FAIL_BELOW = 3.1;

export interface StreamCheck {
  code: StreamCheckCode;
  criterion: StreamCriterion;
  severity: 'warn' | 'fail';
  /** loss %, jitter ms, the lowest DSCP value not allowed, the destination port; absent for DSCP_CHANGED */
  measured?: number;
  limit?: number;
  unit?: '%' | 'ms' | 'dscp' | 'port' | 'MOS';
}

/** what the grader reads of a stream (a StreamReport through reportFigures(), or a live stream) */
export interface StreamFigures {
  /** counted lost / expected * 100, never negative (0 before any packet is expected) */
  readonly lossPercent: number;
  readonly jitterMeanMs: number;
  readonly jitterMaxMs: number;
  /** 0 when unknown (telephone-event only, unknown payload type): jitter is not graded */
  readonly clockRate: number;
  readonly srcPort: number;
  readonly dstPort: number;
  /**
   * the DSCP value every packet so far carried, when the figures know it cheaply; -1 otherwise (several
   * values, no packet, or not known): then the grader reads dscpCount
   */
  readonly onlyDscp: number;
  /** packets with this DSCP value (0-63) */
  dscpCount(dscp: number): number;
  /** mouth-to-ear delay, ms, when its network part is measured (else null: not graded) */
  readonly measuredTotalDelayMs: number | null;
  /** the E-model MOS, null when the stream has none */
  readonly mos: number | null;
}

/** the DSCP values there are (6 bits) */
export const DSCP_VALUES = 64;

/** is RTP marked dscp acceptable? An empty list accepts every value (no marking is required) */
export function acceptsDscp(allowed: readonly number[], dscp: number): boolean {
  return allowed.length === 0 || allowed.includes(dscp);
}

/** true when a port range is configured and neither port of the stream is inside it */
export function portOutOfRange(t: Pick<Thresholds, 'rtpPorts'>, srcPort: number, dstPort: number): boolean {
  const r = t.rtpPorts;
  return r !== null && !(srcPort >= r.min && srcPort <= r.max) && !(dstPort >= r.min && dstPort <= r.max);
}

/** every check the stream does not pass, in finding order (an empty list: the stream passes) */
export function gradeStream(f: StreamFigures, t: Thresholds): StreamCheck[] {
  const out: StreamCheck[] = [];
  grade(f, t, out);
  return out;
}

/** the stream's verdict: the worst of gradeStream's severities, without building the checks */
export function streamVerdict(f: StreamFigures, t: Thresholds): Verdict {
  return grade(f, t, null);
}

/** the worst of the checks (pass for none) */
export function verdictOfChecks(checks: readonly StreamCheck[]): Verdict {
  let v: Verdict = 'pass';
  for (const c of checks) {
    if (c.severity === 'fail') return 'fail';
    v = 'warn';
  }
  return v;
}

/** grades into out (null: verdict only, stops at the first fail); answers the worst verdict */
function grade(f: StreamFigures, t: Thresholds, out: StreamCheck[] | null): Verdict {
  let v: Verdict = 'pass';
  const loss = gradeValue(f.lossPercent, t.lossPercent, t.warnFraction);
  if (loss !== 'pass') {
    if (out === null && loss === 'fail') return 'fail';
    out?.push({ code: 'LOSS_HIGH', criterion: 'loss', severity: loss, measured: round(f.lossPercent), limit: t.lossPercent, unit: '%' });
    v = loss;
  }
  v = worst(v, gradeJitter(f, t, out));
  if (out === null && v === 'fail') return v;
  v = worst(v, gradeDscp(f, t, out));
  if (out === null && v === 'fail') return v;
  if (portOutOfRange(t, f.srcPort, f.dstPort)) {
    out?.push({ code: 'PORT_OUT_OF_RANGE', criterion: 'ports', severity: 'fail', measured: f.dstPort, unit: 'port' });
    v = 'fail';
    if (out === null) return v;
  }
  return worst(v, gradeQuality(f, t, out));
}

function gradeQuality(f: StreamFigures, t: Thresholds, out: StreamCheck[] | null): Verdict {
  let v: Verdict = 'pass';
  const total = f.measuredTotalDelayMs;
  if (total !== null) {
    const d = gradeValue(total, t.totalDelayMs, t.warnFraction);
    if (d !== 'pass') {
      out?.push({ code: 'TOTAL_DELAY_HIGH', criterion: 'totalDelay', severity: d, measured: round(total), limit: t.totalDelayMs, unit: 'ms' });
      v = d;
    }
  }
  const mos = f.mos;
  if (mos !== null && mos < MOS_WARN_BELOW) {
    const severity = mos < MOS_FAIL_BELOW ? 'fail' : 'warn';
    out?.push({ code: 'MOS_LOW', criterion: 'mos', severity, measured: round(mos), limit: severity === 'fail' ? MOS_FAIL_BELOW : MOS_WARN_BELOW, unit: 'MOS' });
    v = worst(v, severity);
  }
  return v;
}

function gradeJitter(f: StreamFigures, t: Thresholds, out: StreamCheck[] | null): Verdict {
  if (f.clockRate === 0) return 'pass';
  const mean = gradeValue(f.jitterMeanMs, t.jitterMs, t.warnFraction);
  if (mean !== 'pass') {
    out?.push({ code: 'JITTER_HIGH', criterion: 'jitter', severity: mean, measured: round(f.jitterMeanMs), limit: t.jitterMs, unit: 'ms' });
    return mean;
  }
  if (f.jitterMaxMs > t.jitterMs) {
    out?.push({ code: 'JITTER_SPIKE', criterion: 'jitter', severity: 'warn', measured: round(f.jitterMaxMs), limit: t.jitterMs, unit: 'ms' });
    return 'warn';
  }
  return 'pass';
}

function gradeDscp(f: StreamFigures, t: Thresholds, out: StreamCheck[] | null): Verdict {
  const allowed = t.rtpDscp;
  const only = f.onlyDscp;
  if (only >= 0) {
    if (acceptsDscp(allowed, only)) return 'pass';
    out?.push({ code: 'DSCP_RTP_NOT_EF', criterion: 'dscp', severity: 'fail', measured: only, unit: 'dscp' });
    return 'fail';
  }
  let firstWrong = -1;
  let values = 0;
  for (let d = 0; d < DSCP_VALUES; d++) {
    if (f.dscpCount(d) === 0) continue;
    values++;
    if (firstWrong < 0 && !acceptsDscp(allowed, d)) {
      firstWrong = d;
      if (out === null) return 'fail';
    }
    // verdict only: with any value accepted, a second value is all there is to know
    if (out === null && values > 1 && allowed.length === 0) return 'warn';
  }
  let v: Verdict = 'pass';
  if (firstWrong >= 0) {
    out?.push({ code: 'DSCP_RTP_NOT_EF', criterion: 'dscp', severity: 'fail', measured: firstWrong, unit: 'dscp' });
    v = 'fail';
  }
  if (values > 1) {
    out?.push({ code: 'DSCP_CHANGED', criterion: 'dscp', severity: 'warn' });
    if (v === 'pass') v = 'warn';
  }
  return v;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

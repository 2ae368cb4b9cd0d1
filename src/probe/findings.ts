/**
 * Findings of the active probe against the VoIP-Ready limits: one-way delay per direction (method
 * stamp; RTT/2 when the clocks are not synchronised), loss and jitter per direction, and a DSCP that
 * did not arrive unchanged in a direction. Same severities as the capture analysis: above the limit
 * fails, above warnFraction of it warns.
 */
import { dscpName } from '../model/dscp-name.js';
import type { Finding, LimitCheck, ProbeDirection, ProbeReport, Thresholds } from '../model/report.js';

type Dir = 'forward' | 'backward';
const DIRECTION_TEXT: Record<Dir, string> = { forward: 'sender to reflector', backward: 'reflector to sender' };

function grade(value: number, limit: number, warnFraction: number): 'fail' | 'warn' | null {
  if (value > limit) return 'fail';
  if (value > limit * warnFraction) return 'warn';
  return null;
}

function directionFindings(p: ProbeReport, dir: Dir, d: ProbeDirection, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const where = `${dir} (${DIRECTION_TEXT[dir]}) to ${p.target}`;
  const delay = d.oneWayMs !== null ? d.oneWayMs.p95 : null;
  const delaySev = delay === null ? null : grade(delay, t.oneWayDelayMs, t.warnFraction);
  if (delay !== null && delaySev !== null) {
    out.push({ severity: delaySev, code: 'ONE_WAY_DELAY_HIGH', message: `one-way delay ${where} (method stamp, p95) is ${delay.toFixed(1)} ms, limit ${t.oneWayDelayMs} ms`, measured: delay, limit: t.oneWayDelayMs, unit: 'ms', evidence: ['method: stamp'] });
  }
  const lossSev = grade(d.lossPercent, t.lossPercent, t.warnFraction);
  if (lossSev !== null) {
    out.push({ severity: lossSev, code: 'PROBE_LOSS_HIGH', message: `probe loss ${where} is ${d.lossPercent.toFixed(2)} % (${d.lost} packets), limit ${t.lossPercent} %`, measured: d.lossPercent, limit: t.lossPercent, unit: '%' });
  }
  const jitterSev = d.jitterMs === null ? null : grade(d.jitterMs, t.jitterMs, t.warnFraction);
  if (d.jitterMs !== null && jitterSev !== null) {
    out.push({ severity: jitterSev, code: 'PROBE_JITTER_HIGH', message: `probe jitter ${where} is ${d.jitterMs.toFixed(2)} ms (mean), limit ${t.jitterMs} ms`, measured: d.jitterMs, limit: t.jitterMs, unit: 'ms' });
  }
  if (d.remarked === true) {
    out.push({
      severity: 'fail', code: 'PROBE_DSCP_REMARKED',
      message: `DSCP re-marked ${where}: sent ${d.dscpSent === null ? 'unknown' : dscpName(d.dscpSent)}, arrived ${d.dscpReceived === null ? 'unknown' : dscpName(d.dscpReceived)} (${d.remarkedPackets} packets)`,
      measured: d.dscpReceived ?? undefined, evidence: Object.entries(d.dscpReceivedCounts).map(([k, n]) => `DSCP ${k}: ${n} packets`),
    } as Finding);
  }
  return out;
}

export function probeFindings(p: ProbeReport, t: Thresholds): Finding[] {
  if (p.packetsSent > 0 && p.packetsReceived === 0) {
    return [{ severity: 'fail', code: 'PROBE_NO_REPLY', message: `no reflected STAMP packet from ${p.target} (${p.packetsSent} sent): no reflector there, a firewall, or a wrong mode or key` }];
  }
  const out = [...directionFindings(p, 'forward', p.forward, t), ...directionFindings(p, 'backward', p.backward, t)];
  if (!p.clockSynchronised && p.rttMs !== null) {
    out.push({ severity: 'info', code: 'PROBE_CLOCKS_NOT_SYNCHRONISED', message: p.clockNote });
    const est = p.rttMs.p95 / 2;
    const sev = grade(est, t.oneWayDelayMs, t.warnFraction);
    if (sev !== null) {
      out.push({ severity: sev, code: 'ONE_WAY_DELAY_HIGH', message: `one-way delay to ${p.target} estimated as RTT/2 (method stamp, p95 RTT ${p.rttMs.p95.toFixed(1)} ms) is ${est.toFixed(1)} ms, limit ${t.oneWayDelayMs} ms`, measured: est, limit: t.oneWayDelayMs, unit: 'ms', evidence: ['method: stamp, RTT/2'] });
    }
  }
  if (p.dscpNote !== null) out.push({ severity: 'info', code: 'PROBE_DSCP_UNKNOWN', message: p.dscpNote });
  return out.map((f) => (f.measured === undefined ? (({ measured: _m, ...rest }) => rest)(f) : f));
}

const RANK = { pass: 0, info: 0, warn: 1, fail: 2 } as const;

/** the probe run's verdict, reason and limit rows (the capture's rows say "nothing to measure") */
export function probeVerdict(p: ProbeReport, t: Thresholds, findings: Finding[]): { verdict: 'pass' | 'warn' | 'fail'; reason: string; summary: LimitCheck[] } {
  let worst: Finding | null = null;
  for (const f of findings) if (RANK[f.severity] > (worst === null ? 0 : RANK[worst.severity])) worst = f;
  const verdict = worst === null ? 'pass' : worst.severity === 'fail' ? 'fail' : 'warn';
  const reason = worst !== null ? `${worst.message}.` : `probe to ${p.target}: delay, loss, jitter and DSCP within the VoIP-Ready limits in both directions.`;
  const rowVerdict = (codes: string[]): LimitCheck['verdict'] => {
    const fs = findings.filter((f) => codes.includes(f.code));
    return fs.some((f) => f.severity === 'fail') ? 'fail' : fs.some((f) => f.severity === 'warn') ? 'warn' : 'pass';
  };
  const both = (f: (d: ProbeDirection) => string): string => `forward ${f(p.forward)}, backward ${f(p.backward)}`;
  const oneWay = p.clockSynchronised
    ? both((d) => (d.oneWayMs === null ? '-' : `${d.oneWayMs.p95.toFixed(1)} ms`)) + ' (p95, stamp)'
    : p.rttMs === null ? null : `${(p.rttMs.p95 / 2).toFixed(1)} ms (RTT/2, clocks not synchronised)`;
  const summary: LimitCheck[] = [
    { criterion: 'oneWayDelay', label: 'One-way delay (probe)', limit: `<= ${t.oneWayDelayMs} ms`, measured: oneWay, verdict: oneWay === null ? 'n/a' : rowVerdict(['ONE_WAY_DELAY_HIGH']) },
    { criterion: 'loss', label: 'Packet loss (probe)', limit: `<= ${t.lossPercent} %`, measured: both((d) => `${d.lossPercent.toFixed(2)} %`), verdict: rowVerdict(['PROBE_LOSS_HIGH', 'PROBE_NO_REPLY']) },
    { criterion: 'jitter', label: 'Jitter (probe, RFC 3550)', limit: `<= ${t.jitterMs} ms`, measured: both((d) => (d.jitterMs === null ? '-' : `${d.jitterMs.toFixed(2)} ms`)), verdict: rowVerdict(['PROBE_JITTER_HIGH']) },
    { criterion: 'dscp', label: 'DSCP unchanged (probe)', limit: 'as sent', measured: both((d) => (d.remarked === null ? 'unknown' : d.remarked ? `re-marked ${d.dscpSent}->${d.dscpReceived}` : `unchanged ${d.dscpReceived}`)), verdict: rowVerdict(['PROBE_DSCP_REMARKED']) },
  ];
  return { verdict, reason, summary };
}

/**
 * Checks one RTP stream against the thresholds and says what is wrong, by how much and where.
 * Jitter: the mean RFC 3550 jitter is held to the limit (it is what a jitter buffer must absorb);
 * a maximum above the limit with a good mean is a spike, reported as a warning.
 * Loss: lost / expected with tshark's figures (duplicates can make lost negative: then 0 %).
 */
import type { Finding, StreamReport, Thresholds } from '../model/report.js';
import { grade } from './severity.js';

type StreamIn = Omit<StreamReport, 'verdict'>;

export function checkStream(s: StreamIn, t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const where = `stream ${s.id} (${s.src} -> ${s.dst}, SSRC ${s.ssrc}${s.callId ? `, call ${s.callId}` : ''})`;
  const base = { streamId: s.id, packet: s.firstPacket, ...(s.callId ? { callId: s.callId } : {}) };
  const loss = grade(s.lossPercent, t.lossPercent, t.warnFraction);
  if (loss !== 'pass') {
    out.push({
      ...base, severity: loss, code: 'LOSS_HIGH', measured: round(s.lossPercent), limit: t.lossPercent, unit: '%',
      message: `packet loss ${fmt(s.lossPercent)} % (${s.lost} of ${s.expected}) on ${where} ${loss === 'fail' ? 'exceeds' : 'is close to'} the ${t.lossPercent} % limit`,
      evidence: [`longest loss burst ${s.longestLossBurst} packets`, `sequence errors ${s.sequenceErrors}`],
    });
  }
  out.push(...checkJitter(s, t, where, base));
  out.push(...checkDscp(s, t, where, base));
  if (t.rtpPorts !== null && !inRange(s.srcPort, t.rtpPorts) && !inRange(s.dstPort, t.rtpPorts)) {
    out.push({
      ...base, severity: 'fail', code: 'PORT_OUT_OF_RANGE', measured: s.dstPort, unit: 'port',
      message: `RTP on ports ${s.srcPort} -> ${s.dstPort} of ${where} is outside the expected range UDP ${t.rtpPorts.min}-${t.rtpPorts.max}`,
    });
  }
  return out;
}

function checkJitter(s: StreamIn, t: Thresholds, where: string, base: Partial<Finding>): Finding[] {
  if (s.clockRate === 0) return [];
  const mean = grade(s.jitterMeanMs, t.jitterMs, t.warnFraction);
  if (mean !== 'pass') {
    return [{
      ...base, severity: mean, code: 'JITTER_HIGH', measured: round(s.jitterMeanMs), limit: t.jitterMs, unit: 'ms',
      message: `mean jitter ${fmt(s.jitterMeanMs)} ms (max ${fmt(s.jitterMaxMs)} ms) on ${where} ${mean === 'fail' ? 'exceeds' : 'is close to'} the ${t.jitterMs} ms limit`,
    } as Finding];
  }
  if (s.jitterMaxMs > t.jitterMs) {
    return [{
      ...base, severity: 'warn', code: 'JITTER_SPIKE', measured: round(s.jitterMaxMs), limit: t.jitterMs, unit: 'ms',
      message: `jitter peaks at ${fmt(s.jitterMaxMs)} ms on ${where} (mean ${fmt(s.jitterMeanMs)} ms, limit ${t.jitterMs} ms)`,
    } as Finding];
  }
  return [];
}

function checkDscp(s: StreamIn, t: Thresholds, where: string, base: Partial<Finding>): Finding[] {
  const values = Object.keys(s.dscp).map(Number);
  const wrong = values.filter((d) => !t.rtpDscp.includes(d));
  const out: Finding[] = [];
  if (wrong.length > 0 && t.rtpDscp.length > 0) {
    const wrongPackets = wrong.reduce((n, d) => n + (s.dscp[String(d)] ?? 0), 0);
    out.push({
      ...base, severity: 'fail', code: 'DSCP_RTP_NOT_EF', measured: wrong[0], unit: 'dscp',
      message: `${wrongPackets} of ${s.packets} RTP packets of ${where} carry DSCP ${wrong.map(dscpName).join(', ')} instead of ${t.rtpDscp.map(dscpName).join('/')}`,
      evidence: values.map((d) => `DSCP ${dscpName(d)}: ${s.dscp[String(d)]} packets`),
    } as Finding);
  }
  if (values.length > 1) {
    out.push({
      ...base, severity: 'warn', code: 'DSCP_CHANGED',
      message: `the DSCP of ${where} changes within the stream (${values.map(dscpName).join(', ')}): something on the path re-marks some packets`,
    } as Finding);
  }
  return out;
}

export function dscpName(d: number): string {
  const names: Record<number, string> = { 0: 'CS0', 8: 'CS1', 10: 'AF11', 16: 'CS2', 18: 'AF21', 24: 'CS3', 26: 'AF31', 32: 'CS4', 34: 'AF41', 40: 'CS5', 46: 'EF', 48: 'CS6', 56: 'CS7' };
  const n = names[d];
  return n === undefined ? String(d) : `${n} (${d})`;
}

function inRange(port: number, r: { min: number; max: number }): boolean {
  return port >= r.min && port <= r.max;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export function fmt(v: number): string {
  return v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/**
 * The findings of one RTP stream: the grader's checks (src/verdict/stream-grade.ts, which holds the
 * rules) with what is wrong, by how much and where, in words.
 */
import type { Finding, StreamReport, Thresholds } from '../model/report.js';
import { acceptsDscp, gradeStream, type StreamCheck, type StreamFigures } from './stream-grade.js';
import { streamNotes } from './stream-notes.js';
import { dscpName } from '../model/dscp-name.js';

type StreamIn = Omit<StreamReport, 'verdict'>;

export function checkStream(s: StreamIn, t: Thresholds): Finding[] {
  return findingsOf(s, gradeStream(reportFigures(s), t), t);
}

/** a report row as the grader reads it */
export function reportFigures(s: StreamIn): StreamFigures {
  return {
    lossPercent: s.lossPercent, jitterMeanMs: s.jitterMeanMs, jitterMaxMs: s.jitterMaxMs, clockRate: s.clockRate,
    srcPort: s.srcPort, dstPort: s.dstPort, onlyDscp: -1, dscpCount: (d) => s.dscp[String(d)] ?? 0,
    measuredTotalDelayMs: s.mouthToEar !== null && s.mouthToEar !== undefined && s.mouthToEar.networkMeasured ? s.mouthToEar.totalMs : null,
    mos: s.mos?.mos ?? null,
  };
}

/** the checks of stream s as findings, in the checks' order */
export function findingsOf(s: StreamIn, checks: readonly StreamCheck[], t: Thresholds): Finding[] {
  const where = streamWhere(s);
  const base = { streamId: s.id, packet: s.firstPacket, ...(s.callId ? { callId: s.callId } : {}) };
  const graded = checks.map((c): Finding => ({ ...base, ...packetOf(c, s), severity: c.severity, code: c.code, ...measuredOf(c), ...detail(c, s, t, where) }));
  return [...graded, ...streamNotes(s, where)];
}

/** "stream s1 (a -> b, SSRC 0x.., call c)" */
export function streamWhere(s: Pick<StreamIn, 'id' | 'src' | 'dst' | 'ssrc' | 'callId'>): string {
  return `stream ${s.id} (${s.src} -> ${s.dst}, SSRC ${s.ssrc}${s.callId ? `, call ${s.callId}` : ''})`;
}

/** a jitter spike is shown at the packet where the jitter peaked, not at the stream's first */
function packetOf(c: StreamCheck, s: StreamIn): Pick<Finding, 'packet'> {
  return c.code === 'JITTER_SPIKE' && s.jitterMaxPacket !== null && s.jitterMaxPacket !== undefined ? { packet: s.jitterMaxPacket } : {};
}

function measuredOf(c: StreamCheck): Pick<Finding, 'measured' | 'limit' | 'unit'> {
  return {
    ...(c.measured !== undefined ? { measured: c.measured } : {}),
    ...(c.limit !== undefined ? { limit: c.limit } : {}),
    ...(c.unit !== undefined ? { unit: c.unit } : {}),
  };
}

function detail(c: StreamCheck, s: StreamIn, t: Thresholds, where: string): Pick<Finding, 'message' | 'evidence'> {
  const near = c.severity === 'fail' ? 'exceeds' : 'is close to';
  switch (c.code) {
    case 'LOSS_HIGH':
      return {
        message: `packet loss ${fmt(s.lossPercent)} % (${s.lostCounted} of ${s.expectedCounted}) on ${where} ${near} the ${t.lossPercent} % limit`,
        evidence: [`longest loss burst ${s.longestLossBurst} packets`, `sequence errors ${s.sequenceErrors}`, ...(s.lostCounted !== s.lost ? [`tshark counts ${s.lost} lost of ${s.expected} expected`] : [])],
      };
    case 'JITTER_HIGH':
      return { message: `mean jitter ${fmt(s.jitterMeanMs)} ms (max ${fmt(s.jitterMaxMs)} ms) on ${where} ${near} the ${t.jitterMs} ms limit` };
    case 'JITTER_SPIKE':
      return { message: `jitter peaks at ${fmt(s.jitterMaxMs)} ms on ${where}${s.jitterMaxPacket ? ` at packet ${s.jitterMaxPacket}` : ''} (mean ${fmt(s.jitterMeanMs)} ms, limit ${t.jitterMs} ms)` };
    case 'DSCP_RTP_NOT_EF': {
      const values = dscpValues(s);
      const wrong = values.filter((d) => !acceptsDscp(t.rtpDscp, d));
      const wrongPackets = wrong.reduce((n, d) => n + (s.dscp[String(d)] ?? 0), 0);
      return {
        message: `${wrongPackets} of ${s.packets} RTP packets of ${where} carry DSCP ${wrong.map(dscpName).join(', ')} instead of ${t.rtpDscp.map(dscpName).join('/')}`,
        evidence: values.map((d) => `DSCP ${dscpName(d)}: ${s.dscp[String(d)]} packets`),
      };
    }
    case 'DSCP_CHANGED':
      return { message: `the DSCP of ${where} changes within the stream (${dscpValues(s).map(dscpName).join(', ')}): something on the path re-marks some packets` };
    case 'TOTAL_DELAY_HIGH': {
      const m = s.mouthToEar!;
      return {
        message: `mouth-to-ear delay ${fmt(m.totalMs)} ms of ${where} ${near} the ${t.totalDelayMs} ms limit`,
        evidence: [partsOf(m), `network delay: ${s.delay?.method ?? 'assumed'} (${s.delay?.reliability ?? 'not measured'})`],
      };
    }
    case 'MOS_LOW': {
      const q = s.mos!;
      return {
        message: `estimated MOS ${q.mos.toFixed(2)} (E-model R ${fmt(q.r)}${q.provisional ? ', provisional' : ''}) of ${where} is below ${c.limit}`,
        evidence: [`codec ${q.codec}: Ie,eff ${fmt(q.ieEff)} (loss ${fmt(s.lossPercent)} %), delay impairment Idd ${fmt(q.idd)}`, ...q.assumptions],
      };
    }
    case 'PORT_OUT_OF_RANGE':
      return { message: `RTP on ports ${s.srcPort} -> ${s.dstPort} of ${where} is outside the expected range UDP ${t.rtpPorts?.min}-${t.rtpPorts?.max}` };
  }
}

/** "network 40 + packetisation 20 + look-ahead 0 + jitter buffer 40 ms" */
export function partsOf(m: NonNullable<StreamIn['mouthToEar']>): string {
  return `network ${fmt(m.networkMs)}${m.networkMeasured ? '' : ' (assumed)'} + packetisation ${fmt(m.packetisationMs)} + look-ahead ${fmt(m.lookAheadMs)} + jitter buffer ${fmt(m.jitterBufferMs)} ms`;
}

/** the DSCP values of the stream's packets, lowest first */
function dscpValues(s: StreamIn): number[] {
  return Object.keys(s.dscp).map(Number).filter((d) => (s.dscp[String(d)] ?? 0) > 0).sort((a, b) => a - b);
}

export { dscpName } from '../model/dscp-name.js';

export function fmt(v: number): string {
  return v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/**
 * Checks one call's signalling: how it ended, whether media flowed both ways, and how SIP is marked.
 * A busy or declined call is the callee's choice, not the network's: reported as info only.
 */
import type { CallReport, Finding, StreamReport, Thresholds } from '../model/report.js';
import { dscpName } from './stream-checks.js';
import { audioPeriods, periodEnd } from './sdp-direction.js';

type CallIn = Omit<CallReport, 'verdict' | 'mos'>;
type StreamIn = Pick<StreamReport, 'id' | 'src' | 'dst' | 'packets'> & Partial<Pick<StreamReport, 'firstPacket' | 'lastPacket' | 'payloadType' | 'codec' | 'telephoneEventPackets'>>;

/**
 * How a call ended, graded as the README says: a 5xx (a server failed) and 408 (no answer in time:
 * lost requests or a dead next hop) warn; every other final error (3xx redirection, 4xx such as 403
 * or 404, 6xx) is the far end's answer about the call, not the network's: info. 401/407 are
 * challenges, answered by the caller with credentials (a call that stays challenged is still info).
 */
export function callFailureSeverity(status: number): 'info' | 'warn' {
  return (status >= 500 && status < 600) || status === 408 ? 'warn' : 'info';
}

const USER_CHOICE = new Set([486, 487, 600, 603]);

export function checkCall(c: CallIn, streams: StreamIn[], t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const base = { callId: c.callId, packet: c.firstPacket };
  const who = `call ${c.callId} (${c.from} -> ${c.to})`;
  if (c.finalStatus !== null && c.finalStatus >= 300) {
    const userChoice = USER_CHOICE.has(c.finalStatus);
    const severity = callFailureSeverity(c.finalStatus);
    const why = userChoice ? ' (busy/declined/cancelled: not a network problem)' : severity === 'info' ? ' (the far end refused the call: not a network problem)' : '';
    out.push({ ...base, severity, code: 'CALL_FAILED', measured: c.finalStatus, message: `${who} ended with ${c.finalStatus}${why}` });
  }
  if (c.state === 'answered' || c.state === 'ended') {
    out.push(...checkMedia(c, streams, who, base), ...checkCodecs(c, streams, who, base));
  }
  if (c.state === 'answered' && c.byeSeen === false && streams.some((s) => s.packets > 0)) {
    out.push({
      ...base, severity: 'info', code: 'CALL_NO_BYE', measured: c.durationSeconds ?? undefined, unit: 's',
      message: `${who} was answered and has RTP, but no BYE in the capture: the call was still up when the capture ended, or its BYE was not captured; its duration (${(c.durationSeconds ?? 0).toFixed(1)} s) runs from the answer to the media's last packet`,
    } as Finding);
  }
  const wrongSip = Object.keys(c.sipDscp).map(Number).filter((d) => !t.sipDscp.includes(d));
  if (wrongSip.length > 0 && t.sipDscp.length > 0) {
    out.push({
      ...base, severity: 'warn', code: 'DSCP_SIP_NOT_CS3_AF31', measured: wrongSip[0], unit: 'dscp',
      message: `SIP of ${who} carries DSCP ${wrongSip.map(dscpName).join(', ')} instead of ${t.sipDscp.map(dscpName).join(' or ')}`,
    });
  }
  const sipPort = Number(c.sipDst.slice(c.sipDst.lastIndexOf(':') + 1));
  if (t.sipPorts.length > 0 && Number.isInteger(sipPort) && !t.sipPorts.includes(sipPort)) {
    out.push({
      ...base, severity: 'warn', code: 'SIP_PORT_UNEXPECTED', measured: sipPort, unit: 'port',
      message: `SIP of ${who} goes to port ${sipPort}, not to ${t.sipPorts.join('/')}`,
    });
  }
  return out;
}

function checkMedia(c: CallIn, streams: StreamIn[], who: string, base: Partial<Finding>): Finding[] {
  const periods = audioPeriods(c.sdp ?? []);
  const flowing = streams.filter((s) => s.packets > 0);
  if (flowing.length === 0) {
    // a call held or inactive (or switched to fax) all along expects no RTP
    if (!periods.some((p) => p.callerSends || p.calleeSends)) return [];
    return [{
      ...base, severity: 'warn', code: 'NO_RTP_FOR_CALL',
      message: `${who} was answered but no RTP of it is in the capture: media blocked, or captured elsewhere`,
    } as Finding];
  }
  for (let i = 0; i < periods.length; i++) {
    const p = periods[i]!;
    // hold, music on hold, announcements, early media: one-way RTP is what the SDP asked for
    if (!p.callerSends || !p.calleeSends) continue;
    const end = periodEnd(periods, i);
    const during = flowing.filter((s) => s.firstPacket === undefined || s.lastPacket === undefined || (s.lastPacket >= p.fromPacket && s.firstPacket < end));
    if (during.length === 0) continue;
    const hosts = new Set(during.map((s) => s.src));
    const backwards = during.some((s) => during.some((o) => o.src === s.dst || o.dst === s.src));
    if (hosts.size === 1 && !backwards) {
      const when = p.answerPacket === null ? '' : ` while the SDP (answer at packet ${p.answerPacket}) expected audio both ways`;
      return [{
        ...base, ...(p.answerPacket !== null ? { packet: p.answerPacket } : {}), severity: 'warn', code: 'ONE_WAY_AUDIO',
        message: `${who}: RTP flows only from ${during[0]?.src}${when}: one-way audio (firewall, NAT or SDP address problem)`,
      } as Finding];
    }
  }
  return [];
}

/**
 * The codec that flows against the one the answer accepted (RFC 3264 6.1: media is sent with a
 * payload type the answer lists): PT 8 flowing where the answer said PT 0 only is a mismatch the far
 * end may not decode. One finding per call, naming its streams; DTMF and comfort noise are not codecs.
 */
function checkCodecs(c: CallIn, streams: StreamIn[], who: string, base: Partial<Finding>): Finding[] {
  const periods = audioPeriods(c.sdp ?? []);
  const off: Array<{ s: StreamIn; answered: number[]; at: number }> = [];
  for (const s of streams) {
    if (s.packets === 0 || s.payloadType === undefined || s.payloadType === 13 || s.payloadType === 19) continue;
    if ((s.telephoneEventPackets ?? 0) >= s.packets || /^telephone-event/i.test(s.codec ?? '')) continue;
    // the answer in force when the stream began
    const p = [...periods].reverse().find((x) => x.fromPacket <= (s.firstPacket ?? 0)) ?? periods[0];
    if (p === undefined || p.answered === null || p.answered.length === 0 || p.answerPacket === null) continue;
    if (!p.answered.includes(s.payloadType)) off.push({ s, answered: p.answered, at: p.answerPacket });
  }
  const first = off[0];
  if (first === undefined) return [];
  const flows = [...new Set(off.map((o) => `PT ${o.s.payloadType} (${o.s.codec ?? '?'})`))].join(', ');
  return [{
    ...base, packet: first.at, severity: 'warn', code: 'CODEC_NOT_NEGOTIATED', measured: first.s.payloadType,
    message: `${who}: RTP carries ${flows} in ${off.map((o) => o.s.id).join(', ')} while the answer (packet ${first.at}) accepted PT ${first.answered.join(', ')} only: the far end may not decode it (no audio or noise)`,
  } as Finding];
}
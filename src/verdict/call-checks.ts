/**
 * Checks one call's signalling: how it ended, whether media flowed both ways, and how SIP is marked.
 * A busy or declined call is the callee's choice, not the network's: reported as info only.
 */
import type { CallReport, Finding, StreamReport, Thresholds } from '../model/report.js';
import { dscpName } from './stream-checks.js';

type CallIn = Omit<CallReport, 'verdict' | 'mos'>;
type StreamIn = Pick<StreamReport, 'id' | 'src' | 'dst' | 'packets'>;

const USER_CHOICE = new Set([486, 487, 600, 603]);

export function checkCall(c: CallIn, streams: StreamIn[], t: Thresholds): Finding[] {
  const out: Finding[] = [];
  const base = { callId: c.callId, packet: c.firstPacket };
  const who = `call ${c.callId} (${c.from} -> ${c.to})`;
  if (c.finalStatus !== null && c.finalStatus >= 300) {
    const userChoice = USER_CHOICE.has(c.finalStatus);
    out.push({
      ...base, severity: userChoice ? 'info' : 'warn', code: 'CALL_FAILED', measured: c.finalStatus,
      message: `${who} ended with ${c.finalStatus}${userChoice ? ' (busy/declined/cancelled: not a network problem)' : ''}`,
    });
  }
  if (c.state === 'answered' || c.state === 'ended') {
    out.push(...checkMedia(c, streams, who, base));
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
  const flowing = streams.filter((s) => s.packets > 0);
  if (flowing.length === 0) {
    return [{
      ...base, severity: 'warn', code: 'NO_RTP_FOR_CALL',
      message: `${who} was answered but no RTP of it is in the capture: media blocked, or captured elsewhere`,
    } as Finding];
  }
  const hosts = new Set(flowing.map((s) => s.src));
  const backwards = flowing.some((s) => flowing.some((o) => o.src === s.dst || o.dst === s.src));
  if (hosts.size === 1 && !backwards) {
    return [{
      ...base, severity: 'warn', code: 'ONE_WAY_AUDIO',
      message: `${who}: RTP flows only from ${flowing[0]?.src}: one-way audio (firewall, NAT or SDP address problem)`,
    } as Finding];
  }
  return [];
}

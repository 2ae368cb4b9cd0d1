/**
 * Everything fixed about one call before its packets are made: hosts, ports, SSRCs, the SIP
 * dialog, and the times of its phases. All draws come from the call's own forked PRNG.
 */
import { addressPlus, formatAddress, parseAddress } from './frames.js';
import type { Rng } from './prng.js';
import type { CallGroup, Scenario } from './scenario.js';
import { callStartMs } from './scenario.js';
import type { SipDialog } from './sip.js';
import { msToNs } from './source.js';

export interface CallPlan {
  index: number;
  group: CallGroup;
  callerAddr: Uint8Array;
  calleeAddr: Uint8Array;
  callerRtpPort: number;
  calleeRtpPort: number;
  callerSipPort: number;
  calleeSipPort: number;
  dialog: SipDialog;
  /** capture-time ns from the start: INVITE sent, answer sent, media start / end, BYE sent */
  inviteNs: number;
  answerNs: number;
  mediaStartNs: number;
  mediaEndNs: number;
  byeNs: number;
  answered: boolean;
}

function hex(rng: Rng, digits: number): string {
  let s = '';
  while (s.length < digits) s += rng.u32().toString(16).padStart(8, '0');
  return s.slice(0, digits);
}

/** an even port in the range (RFC 3550 section 11: RTP on even, RTCP on the next odd port) */
function rtpPort(rng: Rng, min: number, max: number): number {
  const lo = min + (min % 2);
  const slots = Math.max(1, Math.floor((max - 1 - lo) / 2) + 1);
  return lo + 2 * rng.int(slots);
}

export function planCall(s: Scenario, g: CallGroup, groupIndex: number, index: number, rng: Rng): CallPlan {
  const callerAddr = addressPlus(parseAddress(s.callerBase), index);
  const calleeAddr = addressPlus(parseAddress(s.calleeBase), index);
  const callerRtpPort = rtpPort(rng, s.rtpPorts.min, s.rtpPorts.max);
  const calleeRtpPort = rtpPort(rng, s.rtpPorts.min, s.rtpPorts.max);
  const callerSipPort = g.sip.transport === 'tcp' ? 40000 + (index % 20000) : 5060;
  const inviteNs = msToNs(callStartMs(g, groupIndex));
  const answered = g.sip.finalStatus === 200;
  const answerNs = inviteNs + msToNs(g.sip.answerMs);
  const mediaStartNs = answerNs + msToNs(30);
  const mediaEndNs = mediaStartNs + msToNs(g.durationMs);
  const party = (addr: Uint8Array, user: string, sipPort: number, rtp: number) => ({
    user, addr: formatAddress(addr), ipVersion: s.ipVersion, sipPort, rtpPort: rtp,
  });
  const dialog: SipDialog = {
    callId: `${hex(rng, 16)}@${formatAddress(callerAddr)}`,
    fromTag: hex(rng, 8),
    toTag: hex(rng, 8),
    branch: `z9hG4bK${hex(rng, 12)}`,
    transport: g.sip.transport === 'tcp' ? 'TCP' : 'UDP',
    caller: party(callerAddr, `${1000 + index}`, callerSipPort, callerRtpPort),
    callee: party(calleeAddr, `${2000 + index}`, 5060, calleeRtpPort),
    codec: g.forward.codec === 'PCMU' ? 'PCMU' : 'PCMA',
    sessionId: 1000 + rng.int(1e6),
  };
  return {
    index, group: g, callerAddr, calleeAddr, callerRtpPort, calleeRtpPort, callerSipPort,
    calleeSipPort: 5060, dialog, inviteNs, answerNs, mediaStartNs, mediaEndNs,
    byeNs: answered ? mediaEndNs + msToNs(20) : answerNs, answered,
  };
}

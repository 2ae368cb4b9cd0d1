/**
 * SIP messages (RFC 3261) with an SDP offer/answer (RFC 4566 / RFC 3264) for one dialog:
 * INVITE, 100, 180, 200, ACK, BYE, 200. Content-Length counts BYTES: the SDP session name
 * carries a non-ASCII character on purpose, so a parser that counts characters is caught.
 * The message bytes are written by src/encode/sip-serialise.ts.
 */
import { serialiseSip } from '../encode/sip-serialise.js';

export interface SipParty {
  user: string;
  /** address text as written in SIP/SDP (IPv6 without brackets) */
  addr: string;
  ipVersion: 4 | 6;
  sipPort: number;
  rtpPort: number;
}

export interface SipDialog {
  callId: string;
  fromTag: string;
  toTag: string;
  /** branch of the INVITE transaction; BYE gets its own */
  branch: string;
  transport: 'UDP' | 'TCP';
  caller: SipParty;
  callee: SipParty;
  codec: 'PCMA' | 'PCMU';
  sessionId: number;
}

const CRLF = '\r\n';

function hostPort(p: SipParty): string {
  return p.ipVersion === 6 ? `[${p.addr}]:${p.sipPort}` : `${p.addr}:${p.sipPort}`;
}

function uri(p: SipParty): string {
  return `sip:${p.user}@${hostPort(p)}`;
}

export function sdpBody(d: SipDialog, side: SipParty): string {
  const ipv = side.ipVersion === 6 ? 'IP6' : 'IP4';
  const pt = d.codec === 'PCMA' ? 8 : 0;
  return [
    'v=0',
    `o=${side.user} ${d.sessionId} ${d.sessionId + 1} IN ${ipv} ${side.addr}`,
    's=voipready synth Gespräch',
    `c=IN ${ipv} ${side.addr}`,
    't=0 0',
    `m=audio ${side.rtpPort} RTP/AVP ${pt} 101`,
    `a=rtpmap:${pt} ${d.codec}/8000`,
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join(CRLF);
}

/** Content-Length (in bytes) goes last, after Content-Type */
function message(startLine: string, headers: string[], body: string, contentType: boolean): Buffer {
  return serialiseSip({ startLine, headers: contentType ? [...headers, 'Content-Type: application/sdp'] : headers, body });
}

function commonHeaders(d: SipDialog, via: SipParty, branch: string, toTag: boolean, cseq: string): string[] {
  return [
    `Via: SIP/2.0/${d.transport} ${hostPort(via)};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: "${d.caller.user}" <sip:${d.caller.user}@${hostPort(d.caller)}>;tag=${d.fromTag}`,
    `To: <sip:${d.callee.user}@${hostPort(d.callee)}>${toTag ? `;tag=${d.toTag}` : ''}`,
    `Call-ID: ${d.callId}`,
    `CSeq: ${cseq}`,
  ];
}

export function sipInvite(d: SipDialog): Buffer {
  const h = commonHeaders(d, d.caller, d.branch, false, '1 INVITE');
  h.push(`Contact: <${uri(d.caller)};transport=${d.transport.toLowerCase()}>`);
  h.push('Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO');
  h.push('User-Agent: voipready-synth/1');
  return message(`INVITE sip:${d.callee.user}@${hostPort(d.callee)} SIP/2.0`, h, sdpBody(d, d.caller), true);
}

const REASONS: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 200: 'OK', 486: 'Busy Here', 603: 'Decline', 404: 'Not Found',
};

/** a response to the INVITE (`method` INVITE) or to the BYE */
export function sipResponse(d: SipDialog, status: number, method: 'INVITE' | 'BYE'): Buffer {
  const inviteSide = method === 'INVITE';
  const branch = inviteSide ? d.branch : `${d.branch}b`;
  const h = commonHeaders(d, d.caller, branch, status !== 100, inviteSide ? '1 INVITE' : '2 BYE');
  const withSdp = inviteSide && status === 200;
  if (inviteSide && status >= 180) h.push(`Contact: <${uri(d.callee)};transport=${d.transport.toLowerCase()}>`);
  h.push('Server: voipready-synth/1');
  return message(`SIP/2.0 ${status} ${REASONS[status] ?? 'Unknown'}`, h, withSdp ? sdpBody(d, d.callee) : '', withSdp);
}

export function sipAck(d: SipDialog): Buffer {
  const h = commonHeaders(d, d.caller, `${d.branch}a`, true, '1 ACK');
  return message(`ACK ${uri(d.callee)} SIP/2.0`, h, '', false);
}

export function sipBye(d: SipDialog): Buffer {
  const h = commonHeaders(d, d.caller, `${d.branch}b`, true, '2 BYE');
  return message(`BYE ${uri(d.callee)} SIP/2.0`, h, '', false);
}

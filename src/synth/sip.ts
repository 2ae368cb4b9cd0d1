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

/** what an SDP says beyond the dialog: its version (o= line), direction, and T.38 instead of audio */
export interface SdpOptions {
  version?: number;
  direction?: string;
  t38?: boolean;
}

export function sdpBody(d: SipDialog, side: SipParty, o: SdpOptions = {}): string {
  const ipv = side.ipVersion === 6 ? 'IP6' : 'IP4';
  const pt = d.codec === 'PCMA' ? 8 : 0;
  const media = o.t38 === true
    // ITU-T T.38 Annex D: fax over UDPTL on the same port
    ? [`m=image ${side.rtpPort} udptl t38`, 'a=T38FaxVersion:0', 'a=T38MaxBitRate:14400', 'a=T38FaxRateManagement:transferredTCF', 'a=T38FaxUdpEC:t38UDPRedundancy']
    : [`m=audio ${side.rtpPort} RTP/AVP ${pt} 101`, `a=rtpmap:${pt} ${d.codec}/8000`, 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=ptime:20', `a=${o.direction ?? 'sendrecv'}`];
  return [
    'v=0',
    `o=${side.user} ${d.sessionId} ${d.sessionId + (o.version ?? 1)} IN ${ipv} ${side.addr}`,
    's=voipready synth Gespräch',
    `c=IN ${ipv} ${side.addr}`,
    't=0 0',
    ...media,
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

export function sipInvite(d: SipDialog, sdp: SdpOptions = {}): Buffer {
  const h = commonHeaders(d, d.caller, d.branch, false, '1 INVITE');
  h.push(`Contact: <${uri(d.caller)};transport=${d.transport.toLowerCase()}>`);
  h.push('Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO');
  h.push('User-Agent: voipready-synth/1');
  return message(`INVITE sip:${d.callee.user}@${hostPort(d.callee)} SIP/2.0`, h, sdpBody(d, d.caller, sdp), true);
}

/** the caller's re-INVITE number `cseq` (in the dialog: To tag, own branch) with its offer */
export function sipReInvite(d: SipDialog, cseq: number, sdp: SdpOptions): Buffer {
  const h = commonHeaders(d, d.caller, `${d.branch}r${cseq}`, true, `${cseq} INVITE`);
  h.push(`Contact: <${uri(d.caller)};transport=${d.transport.toLowerCase()}>`);
  h.push('User-Agent: voipready-synth/1');
  return message(`INVITE ${uri(d.callee)} SIP/2.0`, h, sdpBody(d, d.caller, sdp), true);
}

/** the callee's answer to re-INVITE `cseq`: 200 with its SDP answer, or a refusal (488 Not Acceptable Here) */
export function sipReInviteResponse(d: SipDialog, cseq: number, status: number, sdp: SdpOptions): Buffer {
  const h = commonHeaders(d, d.caller, `${d.branch}r${cseq}`, true, `${cseq} INVITE`);
  const withSdp = status === 200;
  if (withSdp) h.push(`Contact: <${uri(d.callee)};transport=${d.transport.toLowerCase()}>`);
  h.push('Server: voipready-synth/1');
  return message(`SIP/2.0 ${status} ${REASONS[status] ?? 'Unknown'}`, h, withSdp ? sdpBody(d, d.callee, sdp) : '', withSdp);
}

/** ACK of re-INVITE `cseq` (a 2xx's ACK is its own transaction; a refusal's reuses the INVITE's branch) */
export function sipReInviteAck(d: SipDialog, cseq: number, status: number): Buffer {
  const h = commonHeaders(d, d.caller, status === 200 ? `${d.branch}r${cseq}a` : `${d.branch}r${cseq}`, true, `${cseq} ACK`);
  return message(`ACK ${uri(d.callee)} SIP/2.0`, h, '', false);
}

const REASONS: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 200: 'OK', 486: 'Busy Here', 603: 'Decline', 404: 'Not Found', 488: 'Not Acceptable Here',
};

/** a response to the INVITE (`method` INVITE) or to the BYE */
export function sipResponse(d: SipDialog, status: number, method: 'INVITE' | 'BYE', sdp: SdpOptions = {}, byeSeq = 2): Buffer {
  const inviteSide = method === 'INVITE';
  const branch = inviteSide ? d.branch : `${d.branch}b`;
  const h = commonHeaders(d, d.caller, branch, status !== 100, inviteSide ? '1 INVITE' : `${byeSeq} BYE`);
  const withSdp = inviteSide && status === 200;
  if (inviteSide && status >= 180) h.push(`Contact: <${uri(d.callee)};transport=${d.transport.toLowerCase()}>`);
  h.push('Server: voipready-synth/1');
  return message(`SIP/2.0 ${status} ${REASONS[status] ?? 'Unknown'}`, h, withSdp ? sdpBody(d, d.callee, sdp) : '', withSdp);
}

export function sipAck(d: SipDialog): Buffer {
  const h = commonHeaders(d, d.caller, `${d.branch}a`, true, '1 ACK');
  return message(`ACK ${uri(d.callee)} SIP/2.0`, h, '', false);
}

export function sipBye(d: SipDialog, cseq = 2): Buffer {
  const h = commonHeaders(d, d.caller, `${d.branch}b`, true, `${cseq} BYE`);
  return message(`BYE ${uri(d.callee)} SIP/2.0`, h, '', false);
}

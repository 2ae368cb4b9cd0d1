/**
 * REGISTER transactions (RFC 3261 section 10) with digest challenges (section 22, RFC 2617 syntax):
 * the first REGISTER goes without credentials, every later one answers the last challenge with an
 * Authorization header. The digest response is a fixed-length hex string, not a real MD5: nothing in
 * the analysis (or in tshark) verifies it. Written by src/encode/sip-serialise.ts.
 */
import { serialiseSip } from '../encode/sip-serialise.js';

export interface RegisterParty {
  user: string;
  /** the UA's address text and SIP port (Contact, Via) */
  uaAddr: string;
  uaPort: number;
  /** the registrar's address text and port (Request-URI, AOR domain) */
  registrarAddr: string;
  registrarPort: number;
  callId: string;
  fromTag: string;
  expires: number;
}

const REASONS: Record<number, string> = { 200: 'OK', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 407: 'Proxy Authentication Required', 503: 'Service Unavailable' };

function host(addr: string, port: number): string {
  return addr.includes(':') ? `[${addr}]:${port}` : `${addr}:${port}`;
}

export function aorOf(p: RegisterParty): string {
  return `sip:${p.user}@${p.registrarAddr.includes(':') ? `[${p.registrarAddr}]` : p.registrarAddr}`;
}

export function contactOf(p: RegisterParty): string {
  return `sip:${p.user}@${host(p.uaAddr, p.uaPort)}`;
}

function common(p: RegisterParty, seq: number, toTag: string | null): string[] {
  return [
    `Via: SIP/2.0/UDP ${host(p.uaAddr, p.uaPort)};branch=z9hG4bK${p.fromTag}r${seq};rport`,
    'Max-Forwards: 70',
    `From: <${aorOf(p)}>;tag=${p.fromTag}`,
    `To: <${aorOf(p)}>${toTag === null ? '' : `;tag=${toTag}`}`,
    `Call-ID: ${p.callId}`,
    `CSeq: ${seq} REGISTER`,
  ];
}

/** REGISTER number `seq` (1-based); `nonce`: the challenge it answers (null for the first) */
export function sipRegister(p: RegisterParty, seq: number, nonce: string | null): Buffer {
  const h = common(p, seq, null);
  h.push(`Contact: <${contactOf(p)}>`);
  h.push(`Expires: ${p.expires}`);
  if (nonce !== null) {
    const response = `${p.user}${nonce}`.split('').map((c) => c.charCodeAt(0).toString(16)).join('').padEnd(32, '0').slice(0, 32);
    h.push(`Authorization: Digest username="${p.user}", realm="synth", nonce="${nonce}", uri="sip:${host(p.registrarAddr, p.registrarPort)}", response="${response}", algorithm=MD5`);
  }
  h.push('User-Agent: voipready-synth/1');
  return serialiseSip({ startLine: `REGISTER sip:${host(p.registrarAddr, p.registrarPort)} SIP/2.0`, headers: h, body: '' });
}

/** the registrar's answer to REGISTER `seq`; a 401 carries a fresh nonce, a 2xx the granted expiry */
export function sipRegisterResponse(p: RegisterParty, seq: number, status: number, nonce: string): Buffer {
  const h = common(p, seq, `reg${seq}`);
  if (status === 401) h.push(`WWW-Authenticate: Digest realm="synth", nonce="${nonce}", algorithm=MD5, qop="auth"`);
  if (status === 407) h.push(`Proxy-Authenticate: Digest realm="synth", nonce="${nonce}", algorithm=MD5`);
  if (status >= 200 && status < 300) h.push(`Contact: <${contactOf(p)}>;expires=${p.expires}`);
  h.push('Server: voipready-synth-registrar/1');
  return serialiseSip({ startLine: `SIP/2.0 ${status} ${REASONS[status] ?? 'Unknown'}`, headers: h, body: '' });
}

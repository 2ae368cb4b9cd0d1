/**
 * The requests alg-check sends: a REGISTER and an INVITE with SDP as a phone behind NAT writes them,
 * its private address in Via, Contact, From, o= and c= (RFC 3261 8.1.1, RFC 4566 5.2/5.7), plus the
 * test's own headers: the HMAC key for the echo's signature and padding so that the echo's reply is
 * never larger than the request (see echo-protocol.ts). Pure: the caller supplies addresses and randomness.
 */
import { PAD_HEADER, TEST_HEADER } from './echo-protocol.js';

export interface RequestParams {
  transport: 'udp' | 'tcp';
  /** the address the phone believes it has (private, behind NAT) */
  localAddress: string;
  localPort: number;
  /** the echo server as host[:port] for the Request-URI and To */
  server: string;
  serverPort: number;
  /** 32 hex digits: the HMAC key the echo signs with */
  key: string;
  /** random tokens: branch, tag, Call-ID (hex) */
  token: string;
  /** the RTP port the INVITE offers (even) */
  rtpPort: number;
  /** bytes of padding (the echo elides them from its reply) */
  pad: number;
}

export const USER = '2001';

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function commonHeaders(p: RequestParams, method: string, cseq: number, branch: string): string[] {
  const t = p.transport.toUpperCase();
  return [
    `Via: SIP/2.0/${t} ${hostPort(p.localAddress, p.localPort)};branch=z9hG4bK${branch};rport`,
    'Max-Forwards: 70',
    `From: "Phone ${USER}" <sip:${USER}@${p.localAddress}>;tag=${p.token.slice(0, 10)}`,
    `To: <sip:${USER}@${p.server}>`,
    `Call-ID: ${p.token}@${p.localAddress}`,
    `CSeq: ${cseq} ${method}`,
    `Contact: <sip:${USER}@${hostPort(p.localAddress, p.localPort)};transport=${p.transport}>`,
    'User-Agent: voipready-alg-check',
  ];
}

function finish(start: string, headers: string[], body: string, p: RequestParams): string {
  const all = [
    start,
    ...headers,
    `${TEST_HEADER}: key=${p.key}`,
    `${PAD_HEADER}: ${'.'.repeat(p.pad)}`,
  ];
  if (body.length > 0) all.push('Content-Type: application/sdp');
  all.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
  return `${all.join('\r\n')}\r\n\r\n${body}`;
}

export function buildRegister(p: RequestParams): string {
  const headers = [...commonHeaders(p, 'REGISTER', 1, `${p.token.slice(0, 8)}r`), 'Expires: 60', 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS'];
  headers[3] = `To: <sip:${USER}@${p.server}>`;
  return finish(`REGISTER sip:${p.server} SIP/2.0`, headers, '', p);
}

export function buildInvite(p: RequestParams): string {
  const headers = [...commonHeaders(p, 'INVITE', 2, `${p.token.slice(0, 8)}i`), 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS'];
  headers[3] = `To: <sip:echo@${p.server}>`;
  const ip = p.localAddress.includes(':') ? 'IP6' : 'IP4';
  const sdp = [
    'v=0',
    `o=${USER} 8000 8000 IN ${ip} ${p.localAddress}`,
    's=voipready',
    `c=IN ${ip} ${p.localAddress}`,
    't=0 0',
    `m=audio ${p.rtpPort} RTP/AVP 8 0 101`,
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=sendrecv',
    '',
  ].join('\r\n');
  return finish(`INVITE sip:echo@${hostPort(p.server, p.serverPort)} SIP/2.0`, headers, sdp, p);
}

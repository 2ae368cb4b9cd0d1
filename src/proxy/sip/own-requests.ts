/**
 * Requests the proxy sends on its own toward an upstream, pure (facts in, bytes out):
 * - the OPTIONS keepalive that tells whether an upstream is up (RFC 3261 11: OPTIONS asks a server
 *   for its capabilities; any answer but 503 shows it processes SIP, as Kamailio's dispatcher and
 *   OpenSIPS's load balancer probe their destinations);
 * - the ACK of a non-2xx final answer the proxy keeps to itself (a 503 it fails over on): RFC 3261
 *   17.1.1.3, the ACK of a non-2xx is hop by hop, part of the INVITE's client transaction, so the
 *   proxy that ends that transaction sends it (the upstream retransmits its 503 until then).
 */
import type { SipRequest, SipResponse } from '../../decode/sip/types.js';

const AGENT = 'voipready proxy';

function message(lines: string[]): Buffer {
  return Buffer.from([...lines, `User-Agent: ${AGENT}`, 'Content-Length: 0', '', ''].join('\r\n'), 'utf8');
}

export interface ProbeFacts {
  /** the upstream as a URI host:port, e.g. "192.0.2.5:5060" or "[2001:db8::5]:5060" */
  target: string;
  transport: 'udp' | 'tcp';
  /** the proxy's Via value (fresh branch of its own: the answer ends at the proxy) */
  via: string;
  /** the proxy's address as a URI host (From) */
  self: string;
  callId: string;
  tag: string;
  cseq: number;
}

export function optionsProbe(p: ProbeFacts): Buffer {
  const transport = p.transport === 'tcp' ? ';transport=tcp' : '';
  return message([
    `OPTIONS sip:${p.target}${transport} SIP/2.0`,
    `Via: ${p.via}`,
    'Max-Forwards: 70',
    `From: <sip:voipready@${p.self}>;tag=${p.tag}`,
    `To: <sip:${p.target}>`,
    `Call-ID: ${p.callId}`,
    `CSeq: ${p.cseq} OPTIONS`,
    'Accept: application/sdp',
  ]);
}

/**
 * The ACK of `res` (a non-2xx final answer to `invite`, the INVITE as the proxy forwarded it):
 * Request-URI, Call-ID, From and CSeq number of the INVITE, To of the answer (with the upstream's
 * tag), only the proxy's own top Via (same branch, or `branch`), the INVITE's Route headers.
 */
export function ackOfFailure(invite: SipRequest, res: SipResponse, branch?: string): Buffer {
  const value = (key: string, from: SipRequest | SipResponse): string | undefined => from.headers.find((h) => h.key === key)?.value;
  const topVia = invite.headers.find((h) => h.key === 'via');
  // the proxy's Via is the first entry of the first Via line (it is never folded with the others);
  // `branch`: the one of the attempt answered, when it is not the INVITE's own (an earlier attempt)
  const first = topVia === undefined ? '' : firstEntry(topVia.value);
  const ownVia = branch === undefined ? first : first.replace(/branch=[^;,\s]+/, `branch=${branch}`);
  const routes = invite.headers.filter((h) => h.key === 'route').map((h) => `Route: ${h.value}`);
  return message([
    `ACK ${invite.requestUri} SIP/2.0`,
    `Via: ${ownVia}`,
    'Max-Forwards: 70',
    ...routes,
    `From: ${value('from', invite) ?? ''}`,
    `To: ${value('to', res) ?? value('to', invite) ?? ''}`,
    `Call-ID: ${invite.callId ?? ''}`,
    `CSeq: ${invite.cseq?.seq ?? 0} ACK`,
  ]);
}

/** the first entry of a comma list that has no quoted commas (a Via line) */
function firstEntry(value: string): string {
  const i = value.indexOf(',');
  return (i < 0 ? value : value.slice(0, i)).trim();
}

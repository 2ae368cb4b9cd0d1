/**
 * What the proxy needs to end a call it relays when it shuts down (RFC 3261 15, 9.1, 16.10): a BYE to
 * each leg of an answered call, written as the other party would (From and To swapped accordingly,
 * the party's Contact as Request-URI, the route set of that side, a CSeq above the other party's
 * last), and a CANCEL for an INVITE still ringing (the forwarded INVITE's branch, Request-URI,
 * From, To, Call-ID and CSeq number). Pure: the dialog's facts in, the bytes out.
 */
import type { Flow } from './transport.js';

/** one party of a dialog, as the proxy saw it */
export interface DialogParty {
  /** where the party's messages come from and go to (its first hop as seen by the proxy) */
  flow: Flow;
  /** the party's own From/To header value, with its tag */
  nameAddr: string;
  /** the URI of its Contact (the remote target), or null when it sent none */
  contact: string | null;
  /** Route values toward it, nearest to the proxy first (the proxies between the proxy and the party) */
  routes: string[];
  /** the highest CSeq number the party used in the dialog (0: none seen) */
  cseq: number;
}

/** the INVITE as the proxy forwarded it: what a CANCEL must repeat */
export interface ForwardedInvite {
  requestUri: string;
  /** the proxy's own Via value on it */
  via: string;
  from: string;
  to: string;
  cseq: number;
  /** Route values the forwarded INVITE carried (the proxy's own removed) */
  routes: string[];
}

export interface DialogFacts {
  callId: string;
  caller: DialogParty;
  /** null until a 2xx named the callee's tag and contact */
  callee: DialogParty | null;
  invite: ForwardedInvite;
}

const AGENT = 'voipready proxy';

function message(lines: string[]): Buffer {
  return Buffer.from([...lines, `User-Agent: ${AGENT}`, 'Content-Length: 0', '', ''].join('\r\n'), 'utf8');
}

/**
 * The BYE toward `to`, sent in the name of `from` (the other party). `via` is the proxy's Via value
 * with a fresh branch of its own: the answer comes back to the proxy and goes no further.
 */
export function byeToward(d: DialogFacts, to: DialogParty, from: DialogParty, via: string): Buffer {
  const target = to.contact ?? `sip:${to.flow.address.includes(':') ? `[${to.flow.address}]` : to.flow.address}:${to.flow.port}`;
  return message([
    `BYE ${target} SIP/2.0`,
    `Via: ${via}`,
    'Max-Forwards: 70',
    ...to.routes.map((r) => `Route: ${r}`),
    `From: ${from.nameAddr}`,
    `To: ${to.nameAddr}`,
    `Call-ID: ${d.callId}`,
    // above the sender's last: the receiver rejects a BYE whose CSeq is lower than one it saw (RFC 3261 12.2.2)
    `CSeq: ${from.cseq + 1} BYE`,
    'Reason: SIP;cause=200;text="voipready proxy shutting down"',
  ]);
}

/** the CANCEL of the forwarded INVITE (RFC 3261 9.1: the same Via branch, Request-URI, From, To, Call-ID, CSeq number, Route) */
export function cancelOf(d: DialogFacts): Buffer {
  const i = d.invite;
  return message([
    `CANCEL ${i.requestUri} SIP/2.0`,
    `Via: ${i.via}`,
    'Max-Forwards: 70',
    ...i.routes.map((r) => `Route: ${r}`),
    `From: ${i.from}`,
    `To: ${i.to}`,
    `Call-ID: ${d.callId}`,
    `CSeq: ${i.cseq} CANCEL`,
    'Reason: SIP;cause=503;text="voipready proxy shutting down"',
  ]);
}

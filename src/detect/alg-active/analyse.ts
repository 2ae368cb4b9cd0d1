/**
 * alg-check's reading of one exchange: what changed on the way out (sent request vs the echo's copy),
 * on the way back (intended head vs the head received), whether the echo verified, and which kind of
 * box the rewrite pattern points to. Pure.
 */
import { hmacHex, parseEchoBody } from './echo-protocol.js';
import { fingerprint, type Fingerprint } from './fingerprint.js';
import { compareSip, splitSip, type LineChange, type SipText } from './sip-text.js';
import { intendedHead } from './echo-protocol.js';

export interface ExchangeResult {
  method: string;
  /** the echo answered with a verifiable body */
  verified: boolean;
  problem: string | null;
  outbound: LineChange[];
  inbound: LineChange[];
  /** Content-Length disagrees with the body bytes as the echo received them */
  contentLengthBroken: boolean;
  /** the address:port the echo saw */
  source: string | null;
  sent: string;
  received: string | null;
  responseStatus: string | null;
}

export function analyseExchange(method: string, sent: string, response: string | null, key: string): ExchangeResult {
  const base: ExchangeResult = { method, verified: false, problem: null, outbound: [], inbound: [], contentLengthBroken: false, source: null, sent, received: null, responseStatus: null };
  if (response === null) return { ...base, problem: 'no answer from the echo' };
  const resp = splitSip(response);
  if (resp === null) return { ...base, problem: 'the answer is not a SIP message' };
  base.responseStatus = resp.startLine;
  if (!resp.startLine.startsWith('SIP/2.0 200')) return { ...base, problem: `the echo answered "${resp.startLine}"` };
  const echo = parseEchoBody(resp.body);
  if (!echo.ok) return { ...base, problem: `the echo body cannot be read: ${echo.reason}` };
  const e = echo.value;
  base.source = e.source;
  base.received = e.received;
  if (hmacHex(key, e.received) !== e.receivedHmac) return { ...base, problem: 'the echoed request does not verify (HMAC): the body was changed on the way back' };
  const got = splitSip(e.received);
  const mine = splitSip(sent);
  if (got === null || mine === null) return { ...base, problem: 'the echoed request has no header end' };
  const head = intendedHead(got.headers, '200 OK', Buffer.byteLength(resp.body, 'latin1'));
  if (hmacHex(key, head) !== e.headHmac) return { ...base, problem: 'the echo head signature does not verify' };
  const inboundHead = splitSip(head);
  const receivedHead = splitSip(`${response.slice(0, response.length - resp.body.length)}`);
  return {
    ...base,
    verified: true,
    outbound: compareSip(mine, got),
    inbound: inboundHead !== null && receivedHead !== null ? compareSip(inboundHead, { ...receivedHead, body: '', bodyLines: [] }) : [],
    contentLengthBroken: contentLengthBroken(mine, got),
  };
}

/**
 * Content-Length wrong on arrival: over UDP it disagrees with the body bytes; over TCP the echo
 * frames by it, so a wrong one shows as a body cut short (or run long) against the one sent: the
 * sent body ended with a line end, the received one does not.
 */
function contentLengthBroken(sent: SipText, got: SipText): boolean {
  if (got.contentLength !== null && got.contentLength !== Buffer.byteLength(got.body, 'latin1')) return true;
  return sent.body.endsWith('\n') && got.body.length > 0 && !got.body.endsWith('\n');
}

export interface CheckResult {
  exchanges: ExchangeResult[];
  algPresent: boolean;
  /** fields rewritten, in the order of the verdict line */
  outboundFields: string[];
  inboundFields: string[];
  fingerprint: Fingerprint | null;
  verdict: string;
}

const ORDER = ['Request-URI', 'Via', 'Contact', 'From', 'To', 'Call-ID', 'CSeq', 'Record-Route', 'Route', 'User-Agent', 'Server', 'header', 'o=', 'c=', 'm= port', 'm=', 'i=', 'a=', 'SDP', 'Content-Length', 'status line'];

function fieldsOf(changes: LineChange[], extra: string[] = []): string[] {
  const set = new Set<string>([...changes.map((c) => c.field as string), ...extra]);
  return ORDER.filter((f) => set.has(f));
}

export function summarise(exchanges: ExchangeResult[]): CheckResult {
  const outbound = exchanges.flatMap((x) => x.outbound);
  const inbound = exchanges.flatMap((x) => x.inbound);
  const clBroken = exchanges.some((x) => x.contentLengthBroken);
  const outboundFields = fieldsOf(outbound.filter((c) => c.field !== 'Content-Length' || clBroken));
  if (clBroken && !outboundFields.includes('Content-Length')) outboundFields.push('Content-Length');
  const inboundFields = fieldsOf(inbound.filter((c) => c.field !== 'Content-Length'));
  const algPresent = outboundFields.length > 0 || inboundFields.length > 0;
  const fp = algPresent ? fingerprint(exchanges) : null;
  let verdict: string;
  if (!algPresent) {
    verdict = 'no rewriting seen';
  } else {
    const parts: string[] = [];
    if (outboundFields.length > 0) parts.push(`${outboundFields.map((f) => (f === 'Content-Length' && clBroken ? 'Content-Length (wrong)' : f)).join(', ')} (outbound)`);
    if (inboundFields.length > 0) parts.push(`${inboundFields.join(', ')} (inbound)`);
    verdict = `SIP ALG present: rewrote ${parts.join('; ')}`;
  }
  return { exchanges, algPresent, outboundFields, inboundFields, fingerprint: fp, verdict };
}

export type { SipText };

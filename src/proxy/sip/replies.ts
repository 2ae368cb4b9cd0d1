/**
 * Responses the proxy answers itself (RFC 3261 8.2.6 / 16.3): 403 to a request for a domain it does
 * not serve (never an open relay), 404 when it knows no way to the target, 483 when Max-Forwards
 * ran out, 503 when no RTP ports are left, 200 to an OPTIONS ping addressed to it. Via, From,
 * Call-ID and CSeq are copied as received; To gets a tag when it has none.
 */
import { createHash } from 'node:crypto';
import type { SipRequest } from '../../decode/sip/types.js';

const COPIED = new Set(['via', 'from', 'call-id', 'cseq']);

export function replyTo(req: SipRequest, status: number, reason: string, extra: readonly string[] = []): Buffer {
  const lines = [`SIP/2.0 ${status} ${reason}`];
  for (const h of req.headers) {
    if (COPIED.has(h.key)) lines.push(`${h.name}: ${h.value}`);
    else if (h.key === 'to') lines.push(`To: ${req.to?.tag == null ? `${h.value};tag=${tagOf(req)}` : h.value}`);
  }
  lines.push(...extra, 'Server: voipready proxy', 'Content-Length: 0', '', '');
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** the same tag for retransmissions of one request (a stateless answer must be repeatable) */
function tagOf(req: SipRequest): string {
  return createHash('sha1').update(`${req.callId ?? ''}|${req.topViaBranch ?? ''}|${req.cseq?.seq ?? ''}`).digest('hex').slice(0, 12);
}

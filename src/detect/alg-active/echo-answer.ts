/**
 * What alg-echo answers to one message: pure, so the bounds are tested without sockets. Anything
 * that is not a SIP request is dropped unanswered; a SIP request that is not the test's gets a
 * minimal 400; a test request gets the signed echo (echo-protocol.ts), or a minimal 413 when the
 * echo would be more than REPLY_OVERHEAD_MAX bytes larger than the request (never amplify).
 */
import { buildEchoBody, intendedHead, MAX_MESSAGE_BYTES, REPLY_OVERHEAD_MAX, testKey } from './echo-protocol.js';
import { headerName, splitSip } from './sip-text.js';

export type EchoOutcome = 'echoed' | 'oversized' | 'malformed' | 'not-test' | 'response-ignored' | 'too-large-reply';

export interface EchoAnswer {
  outcome: EchoOutcome;
  /** latin1 text to send back, or null for no answer */
  reply: string | null;
}

const REQUEST_LINE = /^([A-Z]{3,16}) (sips?:\S{1,512}) SIP\/2\.0$/;

export function answer(bytes: Buffer, source: string, transport: 'udp' | 'tcp'): EchoAnswer {
  if (bytes.length > MAX_MESSAGE_BYTES) return { outcome: 'oversized', reply: null };
  const text = bytes.toString('latin1');
  const msg = splitSip(text);
  if (msg === null) return { outcome: 'malformed', reply: null };
  if (msg.startLine.startsWith('SIP/2.0 ')) return { outcome: 'response-ignored', reply: null };
  if (!REQUEST_LINE.test(msg.startLine)) return { outcome: 'malformed', reply: null };
  if (!['via', 'cseq', 'call-id'].every((n) => msg.headers.some((h) => headerName(h) === n))) return { outcome: 'malformed', reply: null };
  const key = testKey(msg.headers);
  if (key === null) return { outcome: 'not-test', reply: bounded(minimal(msg.headers, '400 Not a voipready alg-check request'), bytes.length) };
  const { body, head } = buildEchoBody({ transport, source, received: text, key, head: (n) => intendedHead(msg.headers, '200 OK', n) });
  const reply = head + body;
  if (reply.length > bytes.length + REPLY_OVERHEAD_MAX) {
    return { outcome: 'too-large-reply', reply: bounded(minimal(msg.headers, '413 Pad the request (X-Voipready-Pad)'), bytes.length) };
  }
  return { outcome: 'echoed', reply };
}

/** a response with only the Via/From/To/Call-ID/CSeq lines copied and no body */
function minimal(headers: string[], status: string): string {
  return intendedHead(headers, status, 0).replace(/Content-Type: [^\r]*\r\n/, '');
}

/** the minimal replies copy request lines, so they are within the bound; checked all the same */
function bounded(reply: string, requestBytes: number): string | null {
  return reply.length <= requestBytes + REPLY_OVERHEAD_MAX ? reply : null;
}

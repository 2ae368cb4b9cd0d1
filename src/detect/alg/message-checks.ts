/**
 * Per-message checks beside the addresses: Content-Length against the bytes of the body (an ALG
 * that lengthens an address without fixing Content-Length, a classic bug), and a response's top Via
 * received=/rport (RFC 3261 18.2.2, RFC 3581 4) against where the packet actually goes.
 */
import type { SipMessage } from '../../decode/sip/types.js';
import type { SipEvent } from '../../pipeline/events.js';
import { sameAddress } from './addresses.js';
import { ipLine } from './address-check.js';
import type { Observation } from './observation.js';

function leadingBreaks(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x0d || bytes[i] === 0x0a)) i++;
  return i;
}

/** padding some stacks append after a message: line breaks, spaces, NULs */
function onlyPadding(b: Buffer): boolean {
  for (const x of b) if (x !== 0x0d && x !== 0x0a && x !== 0x20 && x !== 0x00) return false;
  return true;
}

/**
 * UDP only: the datagram holds the whole message, so bytes after the announced body are body the
 * Content-Length does not count. (More announced than present fails the parse as SIP_TRUNCATED and is
 * reported as a decode error; over TCP the framing follows Content-Length and cannot tell.)
 */
export function checkContentLength(e: SipEvent): Observation[] {
  const msg = e.message;
  if (e.transport !== 'udp' || msg.contentLength === null) return [];
  const used = leadingBreaks(e.bytes) + (msg.bodyOffset + msg.body.length - msg.startOffset);
  const tail = e.bytes.subarray(Math.min(used, e.bytes.length));
  if (tail.length === 0 || onlyPadding(tail)) return [];
  const h = msg.headers.find((x) => x.key === 'content-length');
  const actual = msg.body.length + tail.length;
  return [{
    code: 'SIP_CONTENT_LENGTH_MISMATCH', severity: 'warn', confidence: 'high', packet: e.packet, callId: msg.callId,
    reason: 'the datagram carries more body bytes than Content-Length announces: something rewrote the body without fixing the length (a classic ALG bug); the receiver cuts the SDP short',
    message: `Content-Length says ${msg.contentLength} bytes but the body has ${actual}`,
    evidence: [ipLine(e), h?.raw ?? `Content-Length: ${msg.contentLength}`, `body bytes in the datagram: ${actual} (${tail.length} after the announced end)`],
  }];
}

export function checkReceived(e: SipEvent): Observation[] {
  const msg: SipMessage = e.message;
  if (msg.kind !== 'response' || e.transport !== 'udp') return [];
  const v = msg.via[0];
  const h = msg.headers.find((x) => x.key === 'via');
  if (v === undefined || h === undefined) return [];
  const target = v.received ?? v.host;
  let problem: string | null = null;
  if (v.received !== null && !sameAddress(v.received, e.dst) && !sameAddress(v.host, e.dst)) {
    problem = `the response goes to ${e.dst}, but the top Via says sent-by ${v.host} and received=${v.received}`;
  } else if (typeof v.rport === 'number' && sameAddress(target, e.dst) && v.rport !== e.dstPort && (v.port ?? 5060) !== e.dstPort) {
    problem = `the response goes to port ${e.dstPort}, but the top Via says rport=${v.rport} (sent-by port ${v.port ?? 5060})`;
  }
  if (problem === null) return [];
  return [{
    code: 'SIP_VIA_RECEIVED_MISMATCH', severity: 'warn', confidence: 'medium', packet: e.packet, callId: msg.callId,
    reason: 'RFC 3581: a response goes to received:rport; a different destination means the header or the packet was rewritten on the way (an ALG or a NAT that changed its mapping)',
    message: problem,
    evidence: [ipLine(e), h.raw],
  }];
}

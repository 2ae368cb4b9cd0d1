/**
 * The alg-echo protocol: a SIP request carrying `X-Voipready-Alg: key=<32 hex>` is answered with a
 * SIP response whose body holds exactly the bytes the echo received, and HMAC-SHA256 signatures (with
 * that key) over those bytes and over the response head the echo intended. The client compares what
 * it sent with what arrived (rewrites on the way out) and the intended head with the head it got
 * (rewrites on the way back); the signature tells a body tampered with on the way back.
 *
 * Why the body is quoted: a SIP ALG scans the whole datagram for header names and SDP lines at the
 * start of a line (Linux nf_conntrack_sip ct_sip_get_header / ct_sip_get_sdp_header search to the
 * end of the message), so echoed text would be rewritten on the way back. Every echoed line starts
 * with ">" (quote: ">" at the start and after every LF; unquote removes them), which no ALG matches.
 *
 * Why the padding: no amplification. The reply must never be larger than the request beyond
 * REPLY_OVERHEAD_MAX bytes. The client pads its request with `X-Voipready-Pad: .....` and the echo
 * leaves the pad's dots out of the echo (it says where and how many); the client puts them back
 * before checking the signature. The intended head is not repeated either: it is a fixed function
 * of the received request (intendedHead below) that both ends compute, and it is signed.
 */
import { createHmac } from 'node:crypto';
import { headerName } from './sip-text.js';

export const TEST_HEADER = 'X-Voipready-Alg';
export const PAD_HEADER = 'X-Voipready-Pad';
export const ECHO_CONTENT_TYPE = 'application/x-voipready-alg-echo';
export const PROTOCOL_LINE = 'voipready-alg-echo 1';
/** the largest request the echo reads (UDP datagram or one TCP message) */
export const MAX_MESSAGE_BYTES = 4096;
/** a reply is at most the request's size plus this */
export const REPLY_OVERHEAD_MAX = 512;
/** the padding alg-check adds so that the echo's reply fits */
export const DEFAULT_PAD = 480;

/** the header lines the response copies from the request, as RFC 3261 8.2.6.2 asks */
const COPIED = new Set(['via', 'from', 'to', 'call-id', 'cseq']);

export function hmacHex(key: string, data: Buffer | string): string {
  return createHmac('sha256', Buffer.from(key, 'hex')).update(typeof data === 'string' ? Buffer.from(data, 'latin1') : data).digest('hex');
}

export function quote(text: string): string {
  return `>${text.replace(/\n/g, '\n>')}`;
}

export function unquote(text: string): string {
  return text.replace(/^>/, '').replace(/\n>/g, '\n');
}

/** the key of a test request, or null when the request is not ours */
export function testKey(headerLines: string[]): string | null {
  for (const line of headerLines) {
    if (headerName(line) === TEST_HEADER.toLowerCase()) {
      const m = /key=([0-9a-f]{32})\b/i.exec(line);
      return m === null ? null : m[1]!.toLowerCase();
    }
  }
  return null;
}

/** the head of the response the echo sends for `request` (its header lines as received) */
export function intendedHead(requestHeaders: string[], status: string, bodyLength: number): string {
  const lines = [`SIP/2.0 ${status}`];
  for (const h of requestHeaders) if (COPIED.has(headerName(h))) lines.push(h);
  lines.push(`Content-Type: ${ECHO_CONTENT_TYPE}`, `Content-Length: ${bodyLength}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** where the pad's dots are in the request text, to leave out of the echo */
export function padSpan(text: string): { offset: number; length: number } {
  const m = new RegExp(`\\n${PAD_HEADER}: (\\.+)\\r?\\n`, 'i').exec(text);
  if (m === null) return { offset: 0, length: 0 };
  return { offset: m.index + m[0].indexOf(':') + 2, length: m[1]!.length };
}

export interface EchoBody {
  transport: string;
  /** the address:port the echo saw the request come from */
  source: string;
  /** the request bytes as the echo received them (pad restored) */
  received: string;
  receivedHmac: string;
  headHmac: string;
}

export function buildEchoBody(e: { transport: string; source: string; received: string; key: string; head: (bodyLength: number) => string }): { body: string; head: string } {
  const pad = padSpan(e.received);
  const elided = e.received.slice(0, pad.offset) + e.received.slice(pad.offset + pad.length);
  const fixed = [PROTOCOL_LINE, `transport ${e.transport}`, `source ${e.source}`, `received-length ${e.received.length}`,
    `pad-elided ${pad.offset} ${pad.length}`, `received-hmac ${hmacHex(e.key, e.received)}`];
  // the head's Content-Length depends on the body, which holds the head's signature: both are fixed length
  const bodyOf = (headHmac: string): string => `${[...fixed, `head-hmac ${headHmac}`].join('\r\n')}\r\n\r\n${quote(elided)}`;
  const length = bodyOf('0'.repeat(64)).length;
  const head = e.head(length);
  return { body: bodyOf(hmacHex(e.key, head)), head };
}

export type EchoBodyResult = { ok: true; value: EchoBody } | { ok: false; reason: string };

/** reads an echo body (as received by the client) and restores the pad it knows it sent */
export function parseEchoBody(body: string): EchoBodyResult {
  const end = body.indexOf('\r\n\r\n');
  if (end < 0) return { ok: false, reason: 'no blank line after the echo fields' };
  const fields = new Map<string, string>();
  const lines = body.slice(0, end).split('\r\n');
  if (lines[0] !== PROTOCOL_LINE) return { ok: false, reason: `not "${PROTOCOL_LINE}"` };
  for (const l of lines.slice(1)) {
    const sp = l.indexOf(' ');
    if (sp > 0) fields.set(l.slice(0, sp), l.slice(sp + 1));
  }
  const padM = /^(\d+) (\d+)$/.exec(fields.get('pad-elided') ?? '');
  const need = ['transport', 'source', 'received-hmac', 'head-hmac'].filter((k) => !fields.has(k));
  if (need.length > 0 || padM === null) return { ok: false, reason: `missing ${need.length > 0 ? need.join(', ') : 'pad-elided'}` };
  const elided = unquote(body.slice(end + 4));
  const off = Number(padM[1]);
  const len = Number(padM[2]);
  if (off > elided.length) return { ok: false, reason: 'pad-elided offset beyond the echo' };
  const received = elided.slice(0, off) + '.'.repeat(len) + elided.slice(off);
  return {
    ok: true,
    value: { transport: fields.get('transport')!, source: fields.get('source')!, received, receivedHmac: fields.get('received-hmac')!, headHmac: fields.get('head-hmac')! },
  };
}

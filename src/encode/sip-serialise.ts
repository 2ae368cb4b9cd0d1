/**
 * A SIP message from its parts (RFC 3261 section 7): start line, header lines, empty line, body.
 * Content-Length counts the body's BYTES (RFC 3261 20.14), so a UTF-8 body with non-ASCII text is
 * announced right (drachtio counts characters; style.md names that as the mistake to avoid).
 */
import { canonicalHeaderName } from '../decode/sip/header-names.js';
import { assertOneLine } from './byte-edits.js';

/** A header as a whole line ("Via: SIP/2.0/UDP ...") or as a name and a value. */
export type SipHeaderSpec = string | { name: string; value: string };

export interface SipMessageParts {
  /** a request line (requestLine()) or a status line (statusLine()) */
  startLine: string;
  headers: readonly SipHeaderSpec[];
  /** text is written as UTF-8; absent: an empty body */
  body?: Uint8Array | string;
  /**
   * true (default): the Content-Length header (long or compact form) gets the body's byte count in
   * place, or one is added after the last header. false: the headers are written as given.
   */
  contentLength?: boolean;
  /** '\r\n' (default, RFC 3261 7) or '\n' (what some UAs send; for tests of tolerant parsers) */
  lineBreak?: '\r\n' | '\n';
}

/** Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 7.1) */
export function requestLine(method: string, requestUri: string, version = 'SIP/2.0'): string {
  return `${method} ${requestUri} ${version}`;
}

/** Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 7.2) */
export function statusLine(status: number, reason: string, version = 'SIP/2.0'): string {
  return `${version} ${status} ${reason}`;
}

/** the header's line, and its name as written */
function headerLine(h: SipHeaderSpec): { line: string; name: string } {
  const line = typeof h === 'string' ? h : `${h.name}: ${h.value}`;
  assertOneLine(line, 'a SIP header line');
  const colon = line.indexOf(':');
  if (colon <= 0) throw new RangeError(`header line has no "name:": ${JSON.stringify(line)}`);
  return { line, name: line.slice(0, colon).trim() };
}

function isContentLength(name: string): boolean {
  return canonicalHeaderName(name).toLowerCase() === 'content-length';
}

/** The message bytes. Header lines carrying CR or LF (header injection) are a caller's mistake: RangeError. */
export function serialiseSip(parts: SipMessageParts): Buffer {
  assertOneLine(parts.startLine, 'the start line');
  const eol = parts.lineBreak ?? '\r\n';
  const body = typeof parts.body === 'string' ? Buffer.from(parts.body, 'utf8') : parts.body ?? new Uint8Array(0);
  const withLength = parts.contentLength ?? true;
  const lines = [parts.startLine];
  let announced = false;
  for (const h of parts.headers) {
    const { line, name } = headerLine(h);
    if (withLength && isContentLength(name)) {
      lines.push(`${name}: ${body.length}`);
      announced = true;
    } else {
      lines.push(line);
    }
  }
  if (withLength && !announced) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(lines.join(eol) + eol + eol, 'utf8');
  return Buffer.concat([head, body]);
}

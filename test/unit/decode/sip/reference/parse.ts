/**
 * SIP message parser (RFC 3261 section 7): a pure function over (buf, offset, end).
 *
 * Three outcomes are kept apart: SIP_NOT_SIP (the first line is no SIP start line: decided from
 * a few bytes, because this runs on every UDP payload that might be SIP), SIP_TRUNCATED (the bytes
 * stop inside the header block or the announced body: a snap length, or a TCP segment boundary)
 * and SIP_MALFORMED / SIP_BAD_CONTENT_LENGTH (the bytes are there but break the grammar).
 */
import { canonicalHeaderName } from './header-names.js';
import { parseCSeq, parseNameAddr, parseVia, splitCommaList } from './header-values.js';
import {
  HTAB, SP, START_NONE, START_REQUEST, couldStartSip, findLineEnd, isTokenChar, lineContentEnd,
  startLineKind,
} from '../../../../../src/decode/sip/lines.js';
import type { SipErrorCode, SipHeader, SipMessage, SipParseError, SipParseResult } from '../../../../../src/decode/sip/types.js';

export interface SipParseOptions {
  /**
   * true for stream transports (TCP, TLS): a missing Content-Length means an empty body
   * (RFC 3261 18.3 makes it mandatory there). false (default, UDP): the body is the rest.
   */
  stream?: boolean;
}

/** More header lines than this is an attack or garbage, not a SIP message. */
const MAX_HEADERS = 512;

function fail(code: SipErrorCode, offset: number, reason: string): SipParseError {
  return { ok: false, code, offset, reason };
}

export function parseSipMessage(
  buf: Buffer, offset: number, end: number, opts: SipParseOptions = {},
): SipParseResult {
  if (end > buf.length) end = buf.length;
  let pos = offset;
  // RFC 3261 7.5: CRLFs before the start line are ignored (and "\r\n\r\n" alone is a keep-alive)
  while (pos < end && (buf[pos] === 0x0d || buf[pos] === 0x0a)) pos++;
  if (pos >= end) return fail('SIP_NOT_SIP', pos, 'no start line (empty or CRLF keep-alive)');
  const first = buf[pos]!;
  if (!((first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a))) {
    return fail('SIP_NOT_SIP', pos, 'first byte is not a letter');
  }
  const lf = findLineEnd(buf, pos, end);
  if (lf < 0) {
    return couldStartSip(buf, pos, end)
      ? fail('SIP_TRUNCATED', end, 'the start line has no line end')
      : fail('SIP_NOT_SIP', pos, 'no SIP start line');
  }
  const lineEnd = lineContentEnd(buf, pos, lf);
  const kind = startLineKind(buf, pos, lineEnd);
  if (kind === START_NONE) return fail('SIP_NOT_SIP', pos, 'first line is not a SIP request or status line');
  const startLine = buf.toString('utf8', pos, lineEnd);
  const start = kind === START_REQUEST ? parseRequestLine(startLine) : parseStatusLine(startLine);
  if (typeof start === 'string') return fail('SIP_MALFORMED', pos, start);

  const block = parseHeaderBlock(buf, lf + 1, end);
  if ('error' in block) return block.error;
  const headers = block.headers;
  const bodyStart = block.bodyStart;

  const cl = contentLengthOf(headers);
  if (typeof cl !== 'number' && cl !== null) return cl;
  let bodyEnd: number;
  if (cl !== null) {
    bodyEnd = bodyStart + cl;
    if (bodyEnd > end) {
      return fail('SIP_TRUNCATED', end, `Content-Length ${cl} but only ${end - bodyStart} body bytes present`);
    }
  } else {
    bodyEnd = opts.stream === true ? bodyStart : end;
  }
  const message = buildMessage(start, startLine, headers, buf, bodyStart, bodyEnd, cl);
  return { ok: true, message, consumed: bodyEnd - offset };
}

type StartParts =
  | { kind: 'request'; method: string; requestUri: string; version: string }
  | { kind: 'response'; version: string; status: number; reason: string };

/** Request-Line = Method SP Request-URI SP SIP-Version (exactly single spaces, RFC 3261 7.1). */
function parseRequestLine(line: string): StartParts | string {
  const parts = line.split(' ');
  if (parts.length !== 3) return 'request line must be "Method SP Request-URI SP SIP-Version"';
  const [method, uri, version] = parts as [string, string, string];
  for (let i = 0; i < method.length; i++) {
    if (!isTokenChar(method.charCodeAt(i))) return 'method is not a token';
  }
  if (uri.length === 0 || uri.indexOf(':') <= 0) return 'Request-URI has no scheme';
  if (!/^SIP\/\d+\.\d+$/i.test(version)) return 'bad SIP-Version';
  return { kind: 'request', method, requestUri: uri, version };
}

/** Status-Line = SIP-Version SP Status-Code SP Reason-Phrase, Status-Code = 3DIGIT (RFC 3261 7.2). */
function parseStatusLine(line: string): StartParts | string {
  const m = /^(SIP\/\d+\.\d+) (\d{3}) ?(.*)$/is.exec(line);
  if (m === null) return 'status line must be "SIP-Version SP 3DIGIT SP Reason-Phrase"';
  const status = Number(m[2]);
  if (status < 100 || status > 699) return `status code ${status} out of range 100-699`;
  return { kind: 'response', version: m[1]!, status, reason: m[3]! };
}

type HeaderBlock = { headers: SipHeader[]; bodyStart: number } | { error: SipParseError };

/** Header lines until the empty line; continuation lines (SP/HTAB first) fold into the previous one (RFC 3261 7.3.1). */
function parseHeaderBlock(buf: Buffer, pos: number, end: number): HeaderBlock {
  const headers: SipHeader[] = [];
  let name: string | null = null; // the open header, waiting for continuation lines
  let lineStart = 0;
  let valueEnd = 0;
  let parts: string[] = [];
  const finish = (): void => {
    if (name === null) return;
    const canonical = canonicalHeaderName(name);
    headers.push({
      name: canonical, key: canonical.toLowerCase(), value: parts.join(' ').trim(),
      raw: buf.toString('utf8', lineStart, valueEnd), offset: lineStart,
    });
    name = null;
  };
  for (;;) {
    const lf = pos < end ? findLineEnd(buf, pos, end) : -1;
    if (lf < 0) return { error: fail('SIP_TRUNCATED', end, 'the header block has no empty line') };
    const ce = lineContentEnd(buf, pos, lf);
    if (ce === pos) {
      finish();
      return { headers, bodyStart: lf + 1 };
    }
    const b = buf[pos];
    if (b === SP || b === HTAB) {
      if (name === null) return { error: fail('SIP_MALFORMED', pos, 'continuation line before any header') };
      parts.push(buf.toString('utf8', pos, ce).trim());
      valueEnd = ce;
    } else {
      finish();
      if (headers.length >= MAX_HEADERS) return { error: fail('SIP_MALFORMED', pos, `more than ${MAX_HEADERS} headers`) };
      const h = headerNameAt(buf, pos, ce);
      if (typeof h === 'string') return { error: fail('SIP_MALFORMED', pos, h) };
      name = h.name;
      lineStart = pos;
      valueEnd = ce;
      parts = [buf.toString('utf8', h.valueStart, ce)];
    }
    pos = lf + 1;
  }
}

/** header-name HCOLON: a token, optional SP/HTAB, ":" (RFC 3261 7.3.1 and 25.1). */
function headerNameAt(buf: Buffer, pos: number, ce: number): { name: string; valueStart: number } | string {
  let i = pos;
  while (i < ce && isTokenChar(buf[i])) i++;
  if (i === pos) return 'header line does not start with a header name';
  const nameEnd = i;
  while (i < ce && (buf[i] === SP || buf[i] === HTAB)) i++;
  if (buf[i] !== 0x3a || i >= ce) return 'header line has no ":" after the name';
  return { name: buf.toString('latin1', pos, nameEnd), valueStart: i + 1 };
}

/** Content-Length in bytes (RFC 3261 20.14); several headers must agree. null when absent. */
function contentLengthOf(headers: SipHeader[]): number | null | SipParseError {
  let cl: number | null = null;
  for (const h of headers) {
    if (h.key !== 'content-length') continue;
    const v = /^\d{1,10}$/.test(h.value) ? Number(h.value) : -1;
    if (v < 0 || v > 0x7fffffff) {
      return fail('SIP_BAD_CONTENT_LENGTH', h.offset, `Content-Length "${h.value}" is not a byte count`);
    }
    if (cl !== null && cl !== v) {
      return fail('SIP_BAD_CONTENT_LENGTH', h.offset, `conflicting Content-Length ${cl} and ${v}`);
    }
    cl = v;
  }
  return cl;
}

function firstValue(headers: SipHeader[], key: string): string | null {
  for (const h of headers) if (h.key === key) return h.value;
  return null;
}

function buildMessage(
  start: StartParts, startLine: string, headers: SipHeader[], buf: Buffer,
  bodyStart: number, bodyEnd: number, cl: number | null,
): SipMessage {
  const via = [];
  const contact = [];
  let contactStar = false;
  for (const h of headers) {
    if (h.key === 'via') {
      for (const e of splitCommaList(h.value)) {
        const v = parseVia(e);
        if (v !== null) via.push(v);
      }
    } else if (h.key === 'contact') {
      if (h.value === '*') contactStar = true;
      else for (const e of splitCommaList(h.value)) {
        const c = parseNameAddr(e);
        if (c !== null) contact.push(c);
      }
    }
  }
  const fromV = firstValue(headers, 'from');
  const toV = firstValue(headers, 'to');
  const cseqV = firstValue(headers, 'cseq');
  const base = {
    version: start.version,
    startLine,
    headers,
    callId: firstValue(headers, 'call-id'),
    cseq: cseqV === null ? null : parseCSeq(cseqV),
    from: fromV === null ? null : parseNameAddr(fromV),
    to: toV === null ? null : parseNameAddr(toV),
    via,
    contact,
    contactStar,
    userAgent: firstValue(headers, 'user-agent'),
    server: firstValue(headers, 'server'),
    contentType: firstValue(headers, 'content-type'),
    contentLength: cl,
    body: buf.subarray(bodyStart, bodyEnd),
    bodyOffset: bodyStart,
  };
  return start.kind === 'request'
    ? { kind: 'request', method: start.method, requestUri: start.requestUri, ...base }
    : { kind: 'response', status: start.status, reason: start.reason, ...base };
}

/** All values of a header (case-insensitive, compact forms expanded), in order. */
export function headerValues(msg: SipMessage, name: string): string[] {
  const key = canonicalHeaderName(name).toLowerCase();
  const out: string[] = [];
  for (const h of msg.headers) if (h.key === key) out.push(h.value);
  return out;
}

/** The first value of a header, or null. */
export function headerValue(msg: SipMessage, name: string): string | null {
  const key = canonicalHeaderName(name).toLowerCase();
  for (const h of msg.headers) if (h.key === key) return h.value;
  return null;
}

/**
 * SIP message parser (RFC 3261 section 7): a pure function over (buf, offset, end).
 *
 * Three outcomes are kept apart: SIP_NOT_SIP (the first line is no SIP start line: decided from
 * a few bytes, because this runs on every UDP payload that might be SIP), SIP_TRUNCATED (the bytes
 * stop inside the header block or the announced body: a snap length, or a TCP segment boundary)
 * and SIP_MALFORMED / SIP_BAD_CONTENT_LENGTH (the bytes are there but break the grammar).
 */
import { canonicalHeaderName, resolveHeaderName, type HeaderName } from './header-names.js';
import {
  CR, HTAB, SP, START_NONE, START_REQUEST, couldStartSip, findLineEnd, isTokenChar, lineContentEnd,
  startLineKind,
} from './lines.js';
import { ParsedSipRequest, ParsedSipResponse, type ScannedHeaders } from './message.js';
import type { SipErrorCode, SipHeader, SipMessage, SipParseError, SipParseResult } from './types.js';

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

/** RFC 3261 25.1 token characters as a table over latin1 character codes */
const TOKEN = new Uint8Array(256);
for (let c = 0; c < 256; c++) TOKEN[c] = isTokenChar(c) ? 1 : 0;

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * The message bytes decoded once: latin1 maps byte i to character i, so indices into `text` are
 * byte offsets (minus `base`) and the scanner works on the string with native indexOf / slice.
 * Pieces that lie before the first non-ASCII byte are slices of `text` (ASCII decodes the same
 * in latin1 and UTF-8); later pieces are decoded from their bytes as UTF-8, so every string is
 * what a UTF-8 decode of its own bytes gives.
 */
class MessageText {
  readonly text: string;
  /** index of the first byte >= 0x80, or text.length */
  readonly asciiEnd: number;

  constructor(readonly buf: Buffer, readonly base: number, end: number) {
    this.text = buf.toString('latin1', base, end);
    const na = this.text.search(NON_ASCII);
    this.asciiEnd = na < 0 ? this.text.length : na;
  }

  /** the UTF-8 text of [a, b), indices relative to base */
  str(a: number, b: number): string {
    return b <= this.asciiEnd ? this.text.slice(a, b) : this.buf.toString('utf8', this.base + a, this.base + b);
  }
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
  // from here on it claims to be SIP: decode it once
  const t = new MessageText(buf, pos, end);
  const startLine = t.str(0, lineEnd - pos);
  const start = kind === START_REQUEST ? parseRequestLine(startLine) : parseStatusLine(startLine);
  if (typeof start === 'string') return fail('SIP_MALFORMED', pos, start);

  const block = new HeaderBlock();
  const err = scanHeaders(t, lf + 1 - pos, block);
  if (err !== null) return err;
  if (block.clError !== null) return block.clError;
  const bodyStart = block.bodyStart;
  const cl = block.contentLength;
  let bodyEnd: number;
  if (cl !== null) {
    bodyEnd = bodyStart + cl;
    if (bodyEnd > end) {
      return fail('SIP_TRUNCATED', end, `Content-Length ${cl} but only ${end - bodyStart} body bytes present`);
    }
  } else {
    bodyEnd = opts.stream === true ? bodyStart : end;
  }
  const body = buf.subarray(bodyStart, bodyEnd);
  const sl = { text: startLine, offset: pos, end: lineEnd };
  const message = start.kind === 'request'
    ? new ParsedSipRequest(start.method, start.requestUri, start.version, sl, block, body, bodyStart)
    : new ParsedSipResponse(start.status, start.reason, start.version, sl, block, body, bodyStart);
  return { ok: true, message, consumed: bodyEnd - offset };
}

type StartParts =
  | { kind: 'request'; method: string; requestUri: string; version: string }
  | { kind: 'response'; version: string; status: number; reason: string };

const SIP_VERSION = /^SIP\/\d+\.\d+$/i;
const STATUS_LINE = /^(SIP\/\d+\.\d+) (\d{3}) ?(.*)$/is;

/** Request-Line = Method SP Request-URI SP SIP-Version (exactly single spaces, RFC 3261 7.1). */
function parseRequestLine(line: string): StartParts | string {
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) return 'request line must be "Method SP Request-URI SP SIP-Version"';
  for (let i = 0; i < sp1; i++) {
    const c = line.charCodeAt(i);
    if (c > 0xff || TOKEN[c] !== 1) return 'method is not a token';
  }
  const uri = line.slice(sp1 + 1, sp2);
  if (uri.length === 0 || uri.indexOf(':') <= 0) return 'Request-URI has no scheme';
  const version = line.slice(sp2 + 1);
  if (!SIP_VERSION.test(version)) return 'bad SIP-Version';
  return { kind: 'request', method: line.slice(0, sp1), requestUri: uri, version };
}

/** Status-Line = SIP-Version SP Status-Code SP Reason-Phrase, Status-Code = 3DIGIT (RFC 3261 7.2). */
function parseStatusLine(line: string): StartParts | string {
  const m = STATUS_LINE.exec(line);
  if (m === null) return 'status line must be "SIP-Version SP 3DIGIT SP Reason-Phrase"';
  const status = Number(m[2]);
  if (status < 100 || status > 699) return `status code ${status} out of range 100-699`;
  return { kind: 'response', version: m[1]!, status, reason: m[3]! };
}

/** The header lines and the single values the message keeps, filled while scanning. */
class HeaderBlock implements ScannedHeaders {
  headers: SipHeader[] = [];
  callId: string | null = null;
  userAgent: string | null = null;
  server: string | null = null;
  contentType: string | null = null;
  contentLength: number | null = null;
  cseqValue: string | null = null;
  fromValue: string | null = null;
  toValue: string | null = null;
  /** the first Content-Length problem; reported only when the block itself is complete */
  clError: SipParseError | null = null;
  /** byte offset of the body in the input buffer */
  bodyStart = 0;
  /** byte offset of the empty line before the body */
  blockEnd = 0;

  add(h: SipHeader): void {
    this.headers.push(h);
    switch (h.key) {
      case 'call-id': this.callId ??= h.value; break;
      case 'user-agent': this.userAgent ??= h.value; break;
      case 'server': this.server ??= h.value; break;
      case 'content-type': this.contentType ??= h.value; break;
      case 'cseq': this.cseqValue ??= h.value; break;
      case 'from': this.fromValue ??= h.value; break;
      case 'to': this.toValue ??= h.value; break;
      case 'content-length': this.addContentLength(h); break;
      default: break;
    }
  }

  /** Content-Length in bytes (RFC 3261 20.14); several headers must agree. */
  private addContentLength(h: SipHeader): void {
    if (this.clError !== null) return;
    const v = byteCount(h.value);
    if (v < 0) {
      this.clError = fail('SIP_BAD_CONTENT_LENGTH', h.offset, `Content-Length "${h.value}" is not a byte count`);
    } else if (this.contentLength !== null && this.contentLength !== v) {
      this.clError = fail('SIP_BAD_CONTENT_LENGTH', h.offset, `conflicting Content-Length ${this.contentLength} and ${v}`);
    } else {
      this.contentLength = v;
    }
  }
}

/** 1 to 10 ASCII digits below 2^31 as a number, else -1 */
function byteCount(s: string): number {
  if (s.length === 0 || s.length > 10) return -1;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return -1;
  }
  const v = Number(s);
  return v > 0x7fffffff ? -1 : v;
}

/**
 * Header lines from `p` (an index into t.text) until the empty line; continuation lines (SP/HTAB
 * first) fold into the previous one (RFC 3261 7.3.1). Fills `out`, returns a block error or null.
 */
function scanHeaders(t: MessageText, p: number, out: HeaderBlock): SipParseError | null {
  const s = t.text;
  const len = s.length;
  let name: HeaderName | null = null; // the open header, waiting for continuation lines
  let lineStart = 0;
  let valueStart = 0;
  let firstEnd = 0;
  let valueEnd = 0;
  let more: string[] | null = null;
  for (;;) {
    const lf = p < len ? s.indexOf('\n', p) : -1;
    if (lf < 0) return fail('SIP_TRUNCATED', t.base + len, 'the header block has no empty line');
    const ce = lf > p && s.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
    if (ce === p) {
      if (name !== null) out.add(header(t, name, lineStart, valueStart, firstEnd, valueEnd, more));
      out.blockEnd = t.base + p;
      out.bodyStart = t.base + lf + 1;
      return null;
    }
    const b = s.charCodeAt(p);
    if (b === SP || b === HTAB) {
      if (name === null) return fail('SIP_MALFORMED', t.base + p, 'continuation line before any header');
      (more ??= []).push(t.str(p, ce).trim());
      valueEnd = ce;
    } else {
      if (name !== null) out.add(header(t, name, lineStart, valueStart, firstEnd, valueEnd, more));
      if (out.headers.length >= MAX_HEADERS) return fail('SIP_MALFORMED', t.base + p, `more than ${MAX_HEADERS} headers`);
      // header-name HCOLON: a token, optional SP/HTAB, ":" (RFC 3261 7.3.1 and 25.1)
      let i = p;
      while (i < ce && TOKEN[s.charCodeAt(i)] === 1) i++;
      if (i === p) return fail('SIP_MALFORMED', t.base + p, 'header line does not start with a header name');
      const nameEnd = i;
      while (i < ce && (s.charCodeAt(i) === SP || s.charCodeAt(i) === HTAB)) i++;
      if (i >= ce || s.charCodeAt(i) !== 0x3a) return fail('SIP_MALFORMED', t.base + p, 'header line has no ":" after the name');
      name = resolveHeaderName(s.slice(p, nameEnd));
      lineStart = p;
      valueStart = i + 1;
      firstEnd = ce;
      valueEnd = ce;
      more = null;
    }
    p = lf + 1;
  }
}

/**
 * One header line: the value unfolded (continuation lines joined with one space) and trimmed; the
 * line as received (`raw`) is cut from the message text only when someone reads it (rarely: the
 * analysis reads values).
 */
class HeaderLine implements SipHeader {
  readonly name: string;
  readonly key: string;
  readonly value: string;
  readonly offset: number;
  readonly end: number;
  readonly #text: MessageText;
  readonly #start: number;
  readonly #end: number;

  constructor(t: MessageText, name: HeaderName, value: string, lineStart: number, valueEnd: number) {
    this.name = name.name;
    this.key = name.key;
    this.value = value;
    this.offset = t.base + lineStart;
    this.end = t.base + valueEnd;
    this.#text = t;
    this.#start = lineStart;
    this.#end = valueEnd;
  }

  get raw(): string {
    return this.#text.str(this.#start, this.#end);
  }
}

function header(
  t: MessageText, name: HeaderName, lineStart: number, valueStart: number, firstEnd: number,
  valueEnd: number, more: string[] | null,
): SipHeader {
  const first = t.str(valueStart, firstEnd);
  const value = more === null ? first.trim() : `${first} ${more.join(' ')}`.trim();
  return new HeaderLine(t, name, value, lineStart, valueEnd);
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

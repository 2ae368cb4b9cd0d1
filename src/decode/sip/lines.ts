/**
 * Byte-level helpers shared by the SIP parser and the TCP framer: they look at bytes only and
 * build no strings, so the "is this SIP at all?" answer stays cheap on every UDP payload.
 */

export const CR = 0x0d;
export const LF = 0x0a;
export const SP = 0x20;
export const HTAB = 0x09;

/** Index of the next LF in [pos, end), or -1. Bare LF line ends are tolerated (many UAs send them). */
export function findLineEnd(buf: Buffer, pos: number, end: number): number {
  const i = buf.indexOf(LF, pos);
  return i >= 0 && i < end ? i : -1;
}

/** End of the line's content: the LF index, minus a CR before it. */
export function lineContentEnd(buf: Buffer, lineStart: number, lf: number): number {
  return lf > lineStart && buf[lf - 1] === CR ? lf - 1 : lf;
}

function upper(b: number): number {
  return b >= 0x61 && b <= 0x7a ? b - 0x20 : b;
}

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/** RFC 3261 25.1 token characters: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~" */
export function isTokenChar(b: number | undefined): boolean {
  if (b === undefined) return false;
  if ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)) return true;
  return b === 0x2d || b === 0x2e || b === 0x21 || b === 0x25 || b === 0x2a || b === 0x5f ||
    b === 0x2b || b === 0x60 || b === 0x27 || b === 0x7e;
}

/** "SIP/" + DIGIT (case-insensitive, RFC 3261 7.1) at pos, within [pos, end). */
function sipVersionAt(buf: Buffer, pos: number, end: number): boolean {
  return end - pos >= 5 && upper(buf[pos]!) === 0x53 && upper(buf[pos + 1]!) === 0x49 &&
    upper(buf[pos + 2]!) === 0x50 && buf[pos + 3] === 0x2f && isDigit(buf[pos + 4]);
}

export const START_NONE = 0;
export const START_REQUEST = 1;
export const START_RESPONSE = 2;

/**
 * Classifies the line [pos, contentEnd): a Status-Line starts with "SIP/"; a Request-Line is
 * `token SP ... SP SIP/x.y` (RFC 3261 7.1). Anything else is not SIP. Syntax details (single
 * spaces, 3-digit status) are the parser's job: this only answers "does it claim to be SIP".
 */
export function startLineKind(buf: Buffer, pos: number, contentEnd: number): number {
  if (sipVersionAt(buf, pos, contentEnd)) return START_RESPONSE;
  if (!isTokenChar(buf[pos])) return START_NONE;
  const lastSp = buf.lastIndexOf(SP, contentEnd - 1);
  if (lastSp <= pos || lastSp < pos) return START_NONE;
  return sipVersionAt(buf, lastSp + 1, contentEnd) ? START_REQUEST : START_NONE;
}

const KNOWN_METHODS = [
  'INVITE', 'ACK', 'BYE', 'CANCEL', 'REGISTER', 'OPTIONS', 'PRACK', 'SUBSCRIBE', 'NOTIFY',
  'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE',
].map((m) => Buffer.from(`${m} `, 'latin1'));
const SIP_PREFIX = Buffer.from('SIP/', 'latin1');

/**
 * For a first line that has no line end yet: could these bytes be the beginning of a SIP start
 * line? True for "SIP/" or a known method followed by SP (or a prefix of those when short).
 */
export function couldStartSip(buf: Buffer, pos: number, end: number): boolean {
  const n = end - pos;
  if (n <= 0) return false;
  if (prefixMatches(buf, pos, end, SIP_PREFIX, true)) return true;
  for (const m of KNOWN_METHODS) {
    if (prefixMatches(buf, pos, end, m, false)) return true;
  }
  return false;
}

function prefixMatches(buf: Buffer, pos: number, end: number, want: Buffer, ci: boolean): boolean {
  const n = Math.min(end - pos, want.length);
  for (let i = 0; i < n; i++) {
    const b = buf[pos + i]!;
    if ((ci ? upper(b) : b) !== want[i]) return false;
  }
  return true;
}

/**
 * Index just after the empty line that ends the header block starting at `pos` (the start line),
 * or -1 when the block is not complete in [pos, end).
 */
export function findHeaderEnd(buf: Buffer, pos: number, end: number): number {
  let lineStart = pos;
  for (;;) {
    const lf = findLineEnd(buf, lineStart, end);
    if (lf < 0) return -1;
    if (lineContentEnd(buf, lineStart, lf) === lineStart && lineStart !== pos) return lf + 1;
    lineStart = lf + 1;
  }
}

/**
 * Parses a Content-Length value (RFC 3261 20.14: 1*DIGIT, a count of BYTES of the body) from
 * [s, e), ignoring surrounding whitespace. Returns -1 when it is not a number below 2^31.
 */
export function parseContentLength(buf: Buffer, s: number, e: number): number {
  while (s < e && (buf[s] === SP || buf[s] === HTAB)) s++;
  while (e > s && (buf[e - 1] === SP || buf[e - 1] === HTAB || buf[e - 1] === CR)) e--;
  if (s === e || e - s > 10) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const b = buf[i]!;
    if (b < 0x30 || b > 0x39) return -1;
    v = v * 10 + (b - 0x30);
  }
  return v <= 0x7fffffff ? v : -1;
}

/**
 * Edits of a parsed SIP message by the byte offsets its decoder kept (SipHeader.offset/end,
 * startOffset, headerBlockEnd, bodyOffset): replace, insert or remove header lines and replace the
 * body, keeping every other byte as received. What a proxy needs: a Via on top (RFC 3261 16.6 step
 * 8), a Record-Route (16.6 step 4), a rewritten Contact, an SDP body rewritten for its relay.
 *
 * The result is the message alone: [startOffset, bodyOffset + body.length) of the input, edited;
 * leading CRLF keep-alives and bytes after the message are not part of it.
 */
import type { SipHeader, SipMessage } from '../decode/sip/types.js';
import { applyEdits, assertOneLine, lineBreakAt, type ByteEdit } from './byte-edits.js';

export type SipEdit =
  /** the header's line(s), continuation lines included, become `line` */
  | { op: 'replace'; header: SipHeader; line: string }
  /** the header's line(s) and the line break after them go */
  | { op: 'remove'; header: SipHeader }
  | { op: 'insertBefore'; header: SipHeader; line: string }
  | { op: 'insertAfter'; header: SipHeader; line: string }
  /** a new first header line, right after the start line */
  | { op: 'prepend'; line: string }
  /** a new last header line, before the empty line */
  | { op: 'append'; line: string }
  | { op: 'startLine'; line: string };

export interface SipSpliceOptions {
  /**
   * a new body (text as UTF-8): every Content-Length header that no edit touches gets its byte count,
   * written after the name and separator as received ("l: 0" stays compact); without one, one is
   * appended
   */
  body?: Uint8Array | string;
}

/** The line break the message uses, taken from its start line: inserted lines use the same. */
function lineBreakOf(buf: Uint8Array, msg: SipMessage): string {
  return lineBreakAt(buf, msg.startLineEnd) === 2 ? '\r\n' : '\n';
}

/** where the line after the header starts */
function afterHeader(buf: Uint8Array, h: SipHeader): number {
  return h.end + lineBreakAt(buf, h.end);
}

function editOf(buf: Uint8Array, msg: SipMessage, e: SipEdit, eol: string): ByteEdit {
  if (e.op !== 'remove') assertOneLine(e.line, 'a SIP line');
  switch (e.op) {
    case 'replace':
      return { start: e.header.offset, end: e.header.end, bytes: e.line };
    case 'remove':
      return { start: e.header.offset, end: afterHeader(buf, e.header), bytes: '' };
    case 'insertBefore':
      return { start: e.header.offset, end: e.header.offset, bytes: e.line + eol };
    case 'insertAfter': {
      const at = afterHeader(buf, e.header);
      return { start: at, end: at, bytes: e.line + eol };
    }
    case 'prepend': {
      const at = msg.startLineEnd + lineBreakAt(buf, msg.startLineEnd);
      return { start: at, end: at, bytes: e.line + eol };
    }
    case 'append':
      return { start: msg.headerBlockEnd, end: msg.headerBlockEnd, bytes: e.line + eol };
    case 'startLine':
      return { start: msg.startOffset, end: msg.startLineEnd, bytes: e.line };
  }
}

/** "Content-Length : " as received: everything up to the value */
function namePart(raw: string): string {
  const m = /^[^:]*:[ \t]*/.exec(raw);
  return m === null ? raw : m[0];
}

/** The message with the edits applied (and the body replaced when `opts.body` is given). */
export function spliceSip(buf: Uint8Array, msg: SipMessage, edits: readonly SipEdit[], opts: SipSpliceOptions = {}): Buffer {
  const eol = lineBreakOf(buf, msg);
  const out = edits.map((e) => editOf(buf, msg, e, eol));
  const bodyEnd = msg.bodyOffset + msg.body.length;
  if (opts.body !== undefined) {
    const body = typeof opts.body === 'string' ? Buffer.from(opts.body, 'utf8') : opts.body;
    out.push({ start: msg.bodyOffset, end: bodyEnd, bytes: body });
    // only a replaced or removed Content-Length is the caller's; one merely next to an insertion is ours
    const touched = new Set(edits.map((e) => (e.op === 'replace' || e.op === 'remove' ? e.header : null)));
    let announced = false;
    for (const h of msg.headers) {
      if (h.key !== 'content-length') continue;
      announced = true;
      if (!touched.has(h)) out.push({ start: h.offset, end: h.end, bytes: `${namePart(h.raw)}${body.length}` });
    }
    if (!announced) out.push({ start: msg.headerBlockEnd, end: msg.headerBlockEnd, bytes: `Content-Length: ${body.length}${eol}` });
  }
  return applyEdits(buf, out, msg.startOffset, bodyEnd);
}

/** "Name: value" with the name and separator as the header was written ("m: <sip:...>" stays compact). */
export function headerWithValue(h: SipHeader, value: string): string {
  return `${namePart(h.raw)}${value}`;
}

/** RFC 3261 16.6 step 8: the proxy's Via goes before the existing Via values (first Via line, else first header). */
export function topVia(msg: SipMessage, value: string): SipEdit {
  const first = msg.headers.find((h) => h.key === 'via');
  const line = `Via: ${value}`;
  return first === undefined ? { op: 'prepend', line } : { op: 'insertBefore', header: first, line };
}

/** RFC 3261 16.6 step 4: a Record-Route goes before the existing ones (first Record-Route line, else last header). */
export function recordRoute(msg: SipMessage, value: string): SipEdit {
  const first = msg.headers.find((h) => h.key === 'record-route');
  const line = `Record-Route: ${value}`;
  return first === undefined ? { op: 'append', line } : { op: 'insertBefore', header: first, line };
}

/** Every header line with this key (lower-case long name: "contact", "via") rewritten to `value`. */
export function rewriteHeaders(msg: SipMessage, key: string, value: string): SipEdit[] {
  return msg.headers.filter((h) => h.key === key).map((h) => ({ op: 'replace', header: h, line: headerWithValue(h, value) }));
}

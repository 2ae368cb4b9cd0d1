/**
 * The SipMessage the parser returns: the start line, the header lines and the handful of values
 * every consumer reads (Call-ID, Content-Type, Content-Length, User-Agent, Server, the body) are
 * filled in while parsing; the structured headers (CSeq, From, To, Via, Contact) are parsed from
 * their header values the first time a getter asks, and cached. The call tracker reads CSeq,
 * From, To and the top Via of each message and never Contact, so most messages never pay for
 * the rest (style.md habit 5: full decode only for what needs it).
 *
 * The getters work on the header value strings only, never on the input buffer (which the
 * capture reader reuses once the packet is done), so they give the same answer at any time.
 */
import { parseCSeq, parseNameAddr, parseVia, splitCommaList } from './header-values.js';
import type { SipCSeq, SipHeader, SipNameAddr, SipRequest, SipResponse, SipVia } from './types.js';

/** The header block as the parser scanned it: every line, and the single values read while scanning. */
export interface ScannedHeaders {
  headers: SipHeader[];
  callId: string | null;
  userAgent: string | null;
  server: string | null;
  contentType: string | null;
  contentLength: number | null;
  /** byte offset of the empty line that ends the block */
  blockEnd: number;
  /** the first CSeq, From and To values (null when absent) */
  cseqValue: string | null;
  fromValue: string | null;
  toValue: string | null;
}

function parseVias(headers: SipHeader[]): SipVia[] {
  const via: SipVia[] = [];
  for (const h of headers) {
    if (h.key !== 'via') continue;
    for (const e of splitCommaList(h.value)) {
      const v = parseVia(e);
      if (v !== null) via.push(v);
    }
  }
  return via;
}

function parseContacts(headers: SipHeader[]): { list: SipNameAddr[]; star: boolean } {
  const list: SipNameAddr[] = [];
  let star = false;
  for (const h of headers) {
    if (h.key !== 'contact') continue;
    if (h.value === '*') {
      star = true;
      continue;
    }
    for (const e of splitCommaList(h.value)) {
      const c = parseNameAddr(e);
      if (c !== null) list.push(c);
    }
  }
  return { list, star };
}

/** The start line as written and where it sits in the input buffer. */
export interface StartLine {
  text: string;
  offset: number;
  end: number;
}

/** Fields common to requests and responses; the #fields cache the getters (undefined = not parsed yet). */
abstract class SipMessageBase {
  readonly version: string;
  readonly startLine: string;
  readonly startOffset: number;
  readonly startLineEnd: number;
  readonly headerBlockEnd: number;
  readonly headers: SipHeader[];
  readonly callId: string | null;
  readonly userAgent: string | null;
  readonly server: string | null;
  readonly contentType: string | null;
  readonly contentLength: number | null;
  readonly body: Buffer;
  readonly bodyOffset: number;
  readonly #scanned: ScannedHeaders;
  #cseq: SipCSeq | null | undefined;
  #from: SipNameAddr | null | undefined;
  #to: SipNameAddr | null | undefined;
  #via: SipVia[] | undefined;
  #contact: { list: SipNameAddr[]; star: boolean } | undefined;

  constructor(version: string, start: StartLine, h: ScannedHeaders, body: Buffer, bodyOffset: number) {
    this.version = version;
    this.startLine = start.text;
    this.startOffset = start.offset;
    this.startLineEnd = start.end;
    this.headerBlockEnd = h.blockEnd;
    this.headers = h.headers;
    this.callId = h.callId;
    this.userAgent = h.userAgent;
    this.server = h.server;
    this.contentType = h.contentType;
    this.contentLength = h.contentLength;
    this.body = body;
    this.bodyOffset = bodyOffset;
    this.#scanned = h;
  }

  get cseq(): SipCSeq | null {
    if (this.#cseq === undefined) {
      const v = this.#scanned.cseqValue;
      this.#cseq = v === null ? null : parseCSeq(v);
    }
    return this.#cseq;
  }

  get from(): SipNameAddr | null {
    if (this.#from === undefined) {
      const v = this.#scanned.fromValue;
      this.#from = v === null ? null : parseNameAddr(v);
    }
    return this.#from;
  }

  get to(): SipNameAddr | null {
    if (this.#to === undefined) {
      const v = this.#scanned.toValue;
      this.#to = v === null ? null : parseNameAddr(v);
    }
    return this.#to;
  }

  /** every Via entry, top first, comma lists and repeated lines flattened */
  get via(): SipVia[] {
    this.#via ??= parseVias(this.headers);
    return this.#via;
  }

  /** the branch of the top (first well-formed) Via entry, or null: via[0]?.branch without parsing the rest */
  get topViaBranch(): string | null {
    if (this.#via !== undefined) return this.#via[0]?.branch ?? null;
    for (const h of this.headers) {
      if (h.key !== 'via') continue;
      for (const e of splitCommaList(h.value)) {
        const v = parseVia(e);
        if (v !== null) return v.branch;
      }
    }
    return null;
  }

  /** every Contact entry; empty for "Contact: *" (see contactStar) */
  get contact(): SipNameAddr[] {
    this.#contact ??= parseContacts(this.headers);
    return this.#contact.list;
  }

  get contactStar(): boolean {
    this.#contact ??= parseContacts(this.headers);
    return this.#contact.star;
  }
}

export class ParsedSipRequest extends SipMessageBase implements SipRequest {
  readonly kind = 'request' as const;

  constructor(
    readonly method: string, readonly requestUri: string,
    version: string, start: StartLine, h: ScannedHeaders, body: Buffer, bodyOffset: number,
  ) {
    super(version, start, h, body, bodyOffset);
  }
}

export class ParsedSipResponse extends SipMessageBase implements SipResponse {
  readonly kind = 'response' as const;

  constructor(
    readonly status: number, readonly reason: string,
    version: string, start: StartLine, h: ScannedHeaders, body: Buffer, bodyOffset: number,
  ) {
    super(version, start, h, body, bodyOffset);
  }
}

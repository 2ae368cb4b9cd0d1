/**
 * The decoded view of one SIP message (RFC 3261 section 7). Strings are decoded from UTF-8 only
 * for SIP packets (never on the RTP path); the body is a zero-copy view into the input buffer,
 * valid as long as that buffer is.
 *
 * The parser's messages fill the start line, `headers` and the single-valued fields while
 * parsing; cseq, from, to, via, contact, contactStar (and SipUri.params) are getters that parse
 * their header values on first use and cache the result (see message.ts). Their strings are
 * views into one decoded copy of the message: detach what is kept for long (strings.ts).
 */

/** One header line as it appeared, in order: the evidence SIP ALG detection quotes later. */
export interface SipHeader {
  /** canonical long name for compact forms ("v" -> "Via"), otherwise as written */
  name: string;
  /** lower-cased long name ("via", "call-id"): what lookups compare */
  key: string;
  /** unfolded value: continuation lines joined with one space, outer whitespace trimmed */
  value: string;
  /** the line(s) exactly as received, without the final line break */
  raw: string;
  /** byte offset of the line in the input buffer */
  offset: number;
  /**
   * byte offset just past the header's last line (its line break excluded): [offset, end) is `raw`'s
   * bytes, the range a proxy replaces to rewrite the header (src/encode/sip-splice.ts)
   */
  end: number;
}

/** A SIP/SIPS/TEL URI split into the parts the analysis needs (RFC 3261 19.1.1). */
export interface SipUri {
  /** the whole URI as written */
  raw: string;
  scheme: string;
  /** userinfo without the password; null when the URI has no "@" */
  user: string | null;
  /** host as written; IPv6 references keep their brackets */
  host: string;
  port: number | null;
  /** uri-parameters (";transport=udp"), lower-cased names; value "" for flags */
  params: Record<string, string>;
}

/** From, To, Contact, Route ...: [display-name] <uri> *(;param) or addr-spec *(;param). */
export interface SipNameAddr {
  displayName: string | null;
  uri: SipUri;
  /** the ";tag=" header parameter, or null */
  tag: string | null;
  /** header parameters after the URI, lower-cased names */
  params: Record<string, string>;
}

/** One Via entry (RFC 3261 20.42 and 18.2.1; rport from RFC 3581). */
export interface SipVia {
  /** "UDP", "TCP", "TLS", "WS", ... upper-cased */
  transport: string;
  host: string;
  port: number | null;
  branch: string | null;
  received: string | null;
  /** null: absent; true: present without value (request side); a number once filled in */
  rport: number | true | null;
  raw: string;
}

export interface SipCSeq {
  seq: number;
  method: string;
}

interface SipMessageBase {
  /** "SIP/2.0" as written */
  version: string;
  startLine: string;
  /** byte offset of the start line in the input buffer (after any leading CRLFs, RFC 3261 7.5) */
  startOffset: number;
  /** byte offset just past the start line (its line break excluded) */
  startLineEnd: number;
  /** byte offset of the empty line that ends the header block: where a header added last goes */
  headerBlockEnd: number;
  headers: SipHeader[];
  callId: string | null;
  cseq: SipCSeq | null;
  from: SipNameAddr | null;
  to: SipNameAddr | null;
  /** every Via entry, top first, comma lists and repeated lines flattened */
  via: SipVia[];
  /** via[0]?.branch ?? null, without parsing the Via entries after the top one */
  topViaBranch: string | null;
  /** every Contact entry; empty for "Contact: *" (see contactStar) */
  contact: SipNameAddr[];
  contactStar: boolean;
  userAgent: string | null;
  server: string | null;
  contentType: string | null;
  /** the announced Content-Length, null when the header is absent */
  contentLength: number | null;
  /** view of the body bytes: Content-Length bytes, or the rest of the datagram without it */
  body: Buffer;
  /** byte offset of the body in the input buffer */
  bodyOffset: number;
}

export interface SipRequest extends SipMessageBase {
  kind: 'request';
  method: string;
  requestUri: string;
}

export interface SipResponse extends SipMessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

export type SipErrorCode = 'SIP_NOT_SIP' | 'SIP_TRUNCATED' | 'SIP_MALFORMED' | 'SIP_BAD_CONTENT_LENGTH';

export interface SipParseError {
  ok: false;
  code: SipErrorCode;
  /** byte offset (in the input buffer) where the rule broke */
  offset: number;
  reason: string;
}

export type SipParseResult = { ok: true; message: SipMessage; consumed: number } | SipParseError;

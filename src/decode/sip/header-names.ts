/**
 * Header names: compact forms (RFC 3261 7.3.3 and the extensions that registered one) and the
 * canonical spelling of the headers we read. Lookups are case-insensitive (RFC 3261 7.3.1).
 */
import { detachString } from './strings.js';

const COMPACT: Record<string, string> = {
  i: 'Call-ID',
  f: 'From',
  t: 'To',
  v: 'Via',
  m: 'Contact',
  c: 'Content-Type',
  l: 'Content-Length',
  k: 'Supported',
  s: 'Subject',
  e: 'Content-Encoding',
  o: 'Event', // RFC 6665
  r: 'Refer-To', // RFC 3515
  u: 'Allow-Events', // RFC 6665 registers "u" for Allow-Events
  x: 'Session-Expires', // RFC 4028
  a: 'Accept-Contact', // RFC 3841
  b: 'Referred-By', // RFC 3892
  d: 'Request-Disposition', // RFC 3841
  j: 'Reject-Contact', // RFC 3841
  y: 'Identity', // RFC 8224
  n: 'Identity-Info',
};

const CANONICAL: Record<string, string> = {};
for (const long of [
  'Call-ID', 'From', 'To', 'Via', 'Contact', 'Content-Type', 'Content-Length', 'Supported',
  'Subject', 'Content-Encoding', 'Event', 'Refer-To', 'Allow', 'Allow-Events', 'Session-Expires',
  'CSeq', 'User-Agent', 'Server', 'Max-Forwards', 'Record-Route', 'Route', 'Expires',
  'Authorization', 'WWW-Authenticate', 'Proxy-Authenticate', 'Proxy-Authorization', 'Require',
  'Accept', 'Reason', 'RSeq', 'RAck', 'Date', 'Warning', 'P-Asserted-Identity',
]) {
  CANONICAL[long.toLowerCase()] = long;
}

/** Canonical name for a header name as written: expands compact forms, fixes case of known names. */
export function canonicalHeaderName(written: string): string {
  const lower = written.toLowerCase();
  if (lower.length === 1) {
    const long = COMPACT[lower];
    if (long !== undefined) return long;
  }
  return CANONICAL[lower] ?? written;
}

/** A header name as written, resolved once: the canonical name and the lower-cased lookup key. */
export interface HeaderName {
  name: string;
  key: string;
}

/**
 * Memo of canonicalHeaderName + toLowerCase by the spelling as written: a real capture uses a
 * few dozen spellings, so after the first messages every header line costs one Map lookup. The
 * memo holds results of a pure function only (it never changes an answer) and stops growing at
 * MAX_MEMO spellings, so garbage input cannot grow it without bound.
 */
const MAX_MEMO = 1024;
const MEMO = new Map<string, HeaderName>();

export function resolveHeaderName(written: string): HeaderName {
  const hit = MEMO.get(written);
  if (hit !== undefined) return hit;
  // detached: `written` is usually a view into a whole message string
  const own = detachString(written);
  const name = detachString(canonicalHeaderName(own));
  const resolved: HeaderName = { name, key: detachString(name.toLowerCase()) };
  if (MEMO.size < MAX_MEMO) MEMO.set(own, resolved);
  return resolved;
}

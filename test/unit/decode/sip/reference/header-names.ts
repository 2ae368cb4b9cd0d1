/**
 * Header names: compact forms (RFC 3261 7.3.3 and the extensions that registered one) and the
 * canonical spelling of the headers we read. Lookups are case-insensitive (RFC 3261 7.3.1).
 */

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

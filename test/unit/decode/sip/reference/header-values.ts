/**
 * Parsers for the header values the analysis needs (RFC 3261 section 20 and the grammar in 25.1).
 * They work on the already unfolded header value strings and return null instead of throwing.
 */
import type { SipCSeq, SipNameAddr, SipUri, SipVia } from '../../../../../src/decode/sip/types.js';

/**
 * Splits a header value at commas that separate entries (RFC 3261 7.3.1), but not at commas in
 * quoted strings (with backslash escapes) or inside <...> URIs.
 */
export function splitCommaList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c) i++; // "\" escapes the next character
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x3c) depth++;
    else if (c === 0x3e && depth > 0) depth--;
    else if (c === 0x2c && depth === 0) {
      pushTrimmed(out, value.slice(start, i));
      start = i + 1;
    }
  }
  pushTrimmed(out, value.slice(start));
  return out;
}

function pushTrimmed(out: string[], s: string): void {
  const t = s.trim();
  if (t.length > 0) out.push(t);
}

/** `;name=value;flag` -> { name: value, flag: '' } with lower-cased names; quotes kept off values. */
export function parseParams(s: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const part of s.split(';')) {
    const p = part.trim();
    if (p.length === 0) continue;
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    let value = eq < 0 ? '' : p.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name.length > 0 && !(name in params)) params[name] = value;
  }
  return params;
}

/** Splits "host:port", "[v6]:port" or "host" (RFC 3261 25.1 hostport). */
export function splitHostPort(s: string): { host: string; port: number | null } | null {
  const t = s.trim();
  if (t.length === 0) return null;
  let host: string;
  let rest: string;
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    if (close < 0) return null;
    host = t.slice(0, close + 1);
    rest = t.slice(close + 1).trim();
  } else {
    const colon = t.indexOf(':');
    host = (colon < 0 ? t : t.slice(0, colon)).trim();
    rest = colon < 0 ? '' : t.slice(colon).trim();
  }
  if (host.length === 0) return null;
  if (rest.length === 0) return { host, port: null };
  if (!rest.startsWith(':')) return null;
  const port = parsePort(rest.slice(1).trim());
  return port === null ? null : { host, port };
}

function parsePort(s: string): number | null {
  if (!/^\d{1,5}$/.test(s)) return null;
  const n = Number(s);
  return n <= 65535 ? n : null;
}

/** sip:user:password@host:port;params?headers, and tel:/other schemes more loosely (RFC 3261 19.1.1). */
export function parseUri(raw: string): SipUri | null {
  const s = raw.trim();
  const colon = s.indexOf(':');
  if (colon <= 0) return null;
  const scheme = s.slice(0, colon).toLowerCase();
  const afterScheme = s.slice(colon + 1);
  const q = afterScheme.indexOf('?');
  const noHeaders = q < 0 ? afterScheme : afterScheme.slice(0, q);
  if (scheme !== 'sip' && scheme !== 'sips') {
    const semi = noHeaders.indexOf(';');
    const user = semi < 0 ? noHeaders : noHeaders.slice(0, semi);
    return { raw: s, scheme, user, host: '', port: null, params: semi < 0 ? {} : parseParams(noHeaders.slice(semi)) };
  }
  // the user part may contain ';' (RFC 4475 escaped chars) but never '@' unescaped: last '@' wins
  const at = noHeaders.lastIndexOf('@');
  const userinfo = at < 0 ? null : noHeaders.slice(0, at);
  const hostAndParams = at < 0 ? noHeaders : noHeaders.slice(at + 1);
  const semi = hostAndParams.indexOf(';');
  const hp = splitHostPort(semi < 0 ? hostAndParams : hostAndParams.slice(0, semi));
  if (hp === null) return null;
  let user: string | null = null;
  if (userinfo !== null) {
    const pw = userinfo.indexOf(':');
    user = pw < 0 ? userinfo : userinfo.slice(0, pw);
  }
  const params = semi < 0 ? {} : parseParams(hostAndParams.slice(semi));
  return { raw: s, scheme, user, host: hp.host, port: hp.port, params };
}

/**
 * name-addr / addr-spec with header parameters (RFC 3261 20.10, 20.20, 20.39):
 *   "Display Name" <sip:u@h;uparam>;tag=x   |   Display <sip:u@h>   |   sip:u@h;tag=x
 * In the addr-spec form, parameters after ';' belong to the header, not to the URI.
 */
export function parseNameAddr(value: string): SipNameAddr | null {
  const s = value.trim();
  let displayName: string | null = null;
  let i = 0;
  if (s.startsWith('"')) {
    let j = 1;
    let name = '';
    while (j < s.length && s[j] !== '"') {
      if (s[j] === '\\' && j + 1 < s.length) j++;
      name += s[j];
      j++;
    }
    if (j >= s.length) return null;
    displayName = name;
    i = j + 1;
  }
  const lt = s.indexOf('<', i);
  const semi = s.indexOf(';', i);
  if (lt >= 0 && (semi < 0 || lt < semi || displayName !== null)) {
    const gt = s.indexOf('>', lt);
    if (gt < 0) return null;
    if (displayName === null) {
      const d = s.slice(0, lt).trim();
      displayName = d.length > 0 ? d : null;
    } else if (s.slice(i, lt).trim().length > 0) {
      return null;
    }
    const uri = parseUri(s.slice(lt + 1, gt));
    if (uri === null) return null;
    return withParams(displayName, uri, s.slice(gt + 1));
  }
  if (displayName !== null) return null;
  const uri = parseUri(semi < 0 ? s : s.slice(0, semi));
  if (uri === null) return null;
  return withParams(null, uri, semi < 0 ? '' : s.slice(semi));
}

function withParams(displayName: string | null, uri: SipUri, rest: string): SipNameAddr | null {
  const r = rest.trim();
  if (r.length > 0 && !r.startsWith(';')) return null;
  const params = parseParams(r);
  const tag = params['tag'];
  return { displayName, uri, tag: tag === undefined || tag === '' ? null : tag, params };
}

/** One Via entry: sent-protocol LWS sent-by *(;via-params); LWS allowed around "/" (RFC 3261 20.42). */
export function parseVia(entry: string): SipVia | null {
  const m = /^\s*([^\s/]+)\s*\/\s*([^\s/]+)\s*\/\s*([^\s;]+)\s+([^;]+)(.*)$/s.exec(entry);
  if (m === null) return null;
  const hp = splitHostPort(m[4]!.replace(/\s*:\s*/, ':'));
  if (hp === null) return null;
  const params = parseParams(m[5]!);
  const rportRaw = params['rport'];
  let rport: number | true | null = null;
  if (rportRaw !== undefined) rport = rportRaw === '' ? true : parsePort(rportRaw) ?? true;
  return {
    transport: m[3]!.toUpperCase(),
    host: hp.host,
    port: hp.port,
    branch: params['branch'] ?? null,
    received: params['received'] ?? null,
    rport,
    raw: entry.trim(),
  };
}

/** CSeq = 1*DIGIT LWS Method, the number below 2^31 (RFC 3261 8.1.1.5). */
export function parseCSeq(value: string): SipCSeq | null {
  const m = /^\s*(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)\s*$/.exec(value);
  if (m === null) return null;
  const seq = Number(m[1]);
  return seq <= 0x7fffffff ? { seq, method: m[2]! } : null;
}

/**
 * Which kind of address a SIP or SDP field holds, as an ALG/NAT detector needs to tell them apart:
 * private (RFC 1918, RFC 6598 shared CGN space, loopback, link-local, RFC 4193 ULA, fe80::/10),
 * public (everything else that is an IP address, the RFC 5737 documentation ranges included: the
 * generator and the tests use them as public addresses), or a host name (never compared).
 */

export type AddressKind = 'private' | 'public' | 'name';

/** an address as written in SIP/SDP without brackets and zone ("[2001:db8::1]" -> "2001:db8::1") */
export function bareAddress(host: string): string {
  if (isPlainLower(host)) return host;
  let h = host.trim();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  const zone = h.indexOf('%');
  return (zone >= 0 ? h.slice(0, zone) : h).toLowerCase();
}

/** already bare: digits, dots, lower-case hex and colons only (the common case, no allocation) */
function isPlainLower(h: string): boolean {
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x3a) || c === 0x2e || (c >= 0x61 && c <= 0x7a))) return false;
  }
  return h.length > 0;
}

/** the four octets of a dotted-quad IPv4 address, or null (hand-parsed: this runs for every address of every SIP message) */
function ipv4Octets(h: string): number[] | null {
  const o = [0, 0, 0, 0];
  let part = 0;
  let digits = 0;
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || part === 3) return null;
      part++;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3) {
      o[part] = o[part]! * 10 + (c - 0x30);
      digits++;
    } else return null;
  }
  if (part !== 3 || digits === 0) return null;
  return o.every((x) => x <= 255) ? o : null;
}

function privateV4(o: number[]): boolean {
  const [a = 0, b = 0] = o;
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)
    || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127);
}

export function addressKind(host: string): AddressKind {
  const h = bareAddress(host);
  const v4 = ipv4Octets(h);
  if (v4 !== null) return privateV4(v4) ? 'private' : 'public';
  if (!h.includes(':') || !/^[0-9a-f:.]+$/.test(h)) return 'name';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (mapped !== null) return addressKind(mapped[1] ?? '');
  if (h === '::1' || /^f[cd]/.test(h) || /^fe[89ab]/.test(h)) return 'private';
  return 'public';
}

/** true when two address texts name the same address (IPv6 compared after expansion) */
export function sameAddress(a: string, b: string): boolean {
  const x = bareAddress(a);
  const y = bareAddress(b);
  return x === y || (x.includes(':') && y.includes(':') && expand6(x) === expand6(y));
}

function expand6(h: string): string {
  const [head = '', tail] = h.split('::');
  const hp = head === '' ? [] : head.split(':');
  const tp = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? hp : [...hp, ...Array<string>(Math.max(0, 8 - hp.length - tp.length)).fill('0'), ...tp];
  return groups.map((g) => parseInt(g, 16).toString(16)).join(':');
}

/** "10.0.0.5:4000" or "[2001:db8::1]:4000" as a stream's src/dst is written, split */
export function splitEndpoint(text: string): { addr: string; port: number } | null {
  const m = /^\[?([^\]]*?)\]?:(\d+)$/.exec(text);
  if (m === null) return null;
  return { addr: bareAddress(m[1] ?? ''), port: Number(m[2]) };
}

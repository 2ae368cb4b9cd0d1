/**
 * Turns an address written in SDP or SIP ("192.0.2.7", "2001:db8::1") into the AddressTable key the
 * packet path uses, so signalled media can be matched numerically. Not on the hot path (once per SDP).
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { AddressTable } from '../decode/ip/address-table.js';

export function addressKeyOfText(table: AddressTable, text: string): number | null {
  const t = text.trim().replace(/^\[|\]$/g, '');
  if (isIPv4(t)) {
    const p = t.split('.').map(Number);
    return table.keyOf4((((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!) >>> 0);
  }
  if (isIPv6(t)) return table.keyOf6(ipv6Bytes(t), 0);
  return null;
}

function ipv6Bytes(text: string): Buffer {
  let t = text.split('%')[0]!;
  const out = Buffer.alloc(16);
  // an embedded IPv4 tail (::ffff:192.0.2.1) becomes two groups
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(t);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    t = t.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = t.includes('::') ? t.split('::') : [t, undefined];
  const h = head ? head.split(':') : [];
  const tl = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array<string>(8 - h.length - tl.length).fill('0'), ...tl];
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16) & 0xffff, i * 2));
  return out;
}

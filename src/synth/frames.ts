/**
 * Frame builders: link (Ethernet with 802.1Q / QinQ tags, Linux SLL), IPv4 / IPv6, UDP, TCP, and
 * IPv4 fragmentation. Each returns a fresh Buffer; the generator is not a hot path, clarity wins.
 */
import { onesSum, finishChecksum, internetChecksum } from './checksum.js';

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_LINUX_SLL = 113;

export interface LinkSpec {
  type: 'ethernet' | 'sll';
  /** 802.1Q VLAN ids, outermost first; two tags make QinQ (outer TPID 0x88a8) */
  vlans: number[];
  srcMac: Uint8Array;
  dstMac: Uint8Array;
}

export interface IpSpec {
  version: 4 | 6;
  src: Uint8Array;
  dst: Uint8Array;
  dscp: number;
  ttl: number;
  /** IPv4 identification (callers vary it per datagram) */
  id: number;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

export function linkTypeOf(link: LinkSpec): number {
  return link.type === 'ethernet' ? LINKTYPE_ETHERNET : LINKTYPE_LINUX_SLL;
}

/** "10.0.0.1" or "2001:db8::1" to its 4 or 16 bytes */
export function parseAddress(text: string): Uint8Array {
  if (!text.includes(':')) {
    const parts = text.split('.').map(Number);
    if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255))) throw new Error(`bad IPv4 address ${text}`);
    return Uint8Array.from(parts);
  }
  const [head = '', tail] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) throw new Error(`bad IPv6 address ${text}`);
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

/** the address `n` steps after `base` (last bytes incremented with carry), for per-call hosts */
export function addressPlus(base: Uint8Array, n: number): Uint8Array {
  const out = Uint8Array.from(base);
  let carry = n;
  for (let i = out.length - 1; i >= 0 && carry > 0; i--) {
    const v = out[i]! + carry;
    out[i] = v & 0xff;
    carry = Math.floor(v / 256);
  }
  return out;
}

export function formatAddress(a: Uint8Array): string {
  if (a.length === 4) return a.join('.');
  const g: string[] = [];
  for (let i = 0; i < 16; i += 2) g.push(((a[i]! << 8) | a[i + 1]!).toString(16));
  // RFC 5952: compress the longest run (>= 2) of zero groups
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}

export function endpointText(a: Uint8Array, port: number): string {
  return a.length === 4 ? `${formatAddress(a)}:${port}` : `[${formatAddress(a)}]:${port}`;
}

export function linkHeader(link: LinkSpec, etherType: number): Buffer {
  if (link.type === 'sll') {
    // Linux cooked header: packet type 0 (to us), ARPHRD_ETHER, 6-byte address padded to 8, protocol
    const h = Buffer.alloc(16);
    h.writeUInt16BE(0, 0);
    h.writeUInt16BE(1, 2);
    h.writeUInt16BE(6, 4);
    h.set(link.srcMac, 6);
    h.writeUInt16BE(etherType, 14);
    return h;
  }
  const h = Buffer.alloc(14 + 4 * link.vlans.length);
  h.set(link.dstMac, 0);
  h.set(link.srcMac, 6);
  let off = 12;
  link.vlans.forEach((vid, i) => {
    const tpid = i === 0 && link.vlans.length > 1 ? 0x88a8 : 0x8100;
    h.writeUInt16BE(tpid, off);
    h.writeUInt16BE(vid & 0x0fff, off + 2);
    off += 4;
  });
  h.writeUInt16BE(etherType, off);
  return h;
}

/** IPv4 header without options; `fragOffset` in bytes (multiple of 8) */
export function ipv4Header(ip: IpSpec, proto: number, payloadLen: number, fragOffset = 0, more = false): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h[1] = (ip.dscp << 2) & 0xfc;
  h.writeUInt16BE(20 + payloadLen, 2);
  h.writeUInt16BE(ip.id & 0xffff, 4);
  h.writeUInt16BE((more ? 0x2000 : 0) | (fragOffset >> 3), 6);
  h[8] = ip.ttl;
  h[9] = proto;
  h.set(ip.src, 12);
  h.set(ip.dst, 16);
  h.writeUInt16BE(internetChecksum(h, 0, 20), 10);
  return h;
}

export function ipv6Header(ip: IpSpec, nextHeader: number, payloadLen: number): Buffer {
  const h = Buffer.alloc(40);
  // version 6, traffic class = DSCP << 2, flow label 0
  h.writeUInt32BE(((6 << 28) | ((ip.dscp << 2) << 20)) >>> 0, 0);
  h.writeUInt16BE(payloadLen, 4);
  h[6] = nextHeader;
  h[7] = ip.ttl;
  h.set(ip.src, 8);
  h.set(ip.dst, 24);
  return h;
}

/** sum of the pseudo-header (RFC 768 / RFC 2460 section 8.1) */
function pseudoHeaderSum(ip: IpSpec, proto: number, length: number): number {
  const s = onesSum(ip.src, 0, ip.src.length) + onesSum(ip.dst, 0, ip.dst.length);
  return s + proto + (length & 0xffff) + Math.floor(length / 65536);
}

export function udpDatagram(ip: IpSpec, sport: number, dport: number, payload: Uint8Array, checksum = true): Buffer {
  const d = Buffer.alloc(8 + payload.length);
  d.writeUInt16BE(sport, 0);
  d.writeUInt16BE(dport, 2);
  d.writeUInt16BE(d.length, 4);
  d.set(payload, 8);
  // IPv6 forbids a zero UDP checksum (RFC 8200 section 8.1); IPv4 may leave it out
  if (checksum || ip.version === 6) {
    let c = finishChecksum(onesSum(d, 0, d.length, pseudoHeaderSum(ip, 17, d.length)));
    if (c === 0) c = 0xffff;
    d.writeUInt16BE(c, 6);
  }
  return d;
}

export function tcpSegment(
  ip: IpSpec, sport: number, dport: number, seq: number, ack: number, flags: number, payload: Uint8Array,
): Buffer {
  const s = Buffer.alloc(20 + payload.length);
  s.writeUInt16BE(sport, 0);
  s.writeUInt16BE(dport, 2);
  s.writeUInt32BE(seq >>> 0, 4);
  s.writeUInt32BE(ack >>> 0, 8);
  s[12] = 5 << 4;
  s[13] = flags;
  s.writeUInt16BE(65535, 14);
  s.set(payload, 20);
  s.writeUInt16BE(finishChecksum(onesSum(s, 0, s.length, pseudoHeaderSum(ip, 6, s.length))), 16);
  return s;
}

function ipFrame(link: LinkSpec, ip: IpSpec, proto: number, transport: Uint8Array): Buffer {
  const etherType = ip.version === 4 ? 0x0800 : 0x86dd;
  const ipHdr = ip.version === 4 ? ipv4Header(ip, proto, transport.length) : ipv6Header(ip, proto, transport.length);
  return Buffer.concat([linkHeader(link, etherType), ipHdr, transport]);
}

export function udpFrame(
  link: LinkSpec, ip: IpSpec, sport: number, dport: number, payload: Uint8Array, checksum = true,
): Buffer {
  return ipFrame(link, ip, 17, udpDatagram(ip, sport, dport, payload, checksum));
}

export function tcpFrame(
  link: LinkSpec, ip: IpSpec, sport: number, dport: number, seq: number, ack: number, flags: number,
  payload: Uint8Array,
): Buffer {
  return ipFrame(link, ip, 6, tcpSegment(ip, sport, dport, seq, ack, flags, payload));
}

/**
 * An IPv4 UDP datagram cut into fragments of at most `mtu` bytes of IP packet (RFC 791): every
 * fragment but the last carries a multiple of 8 payload bytes and the MF flag.
 */
export function fragmentedUdpFrames(
  link: LinkSpec, ip: IpSpec, sport: number, dport: number, payload: Uint8Array, mtu: number,
): Buffer[] {
  if (ip.version !== 4) throw new Error('fragmentation is built for IPv4 only');
  const datagram = udpDatagram(ip, sport, dport, payload, true);
  const chunk = Math.floor((mtu - 20) / 8) * 8;
  if (chunk <= 0) throw new Error(`mtu ${mtu} too small`);
  const frames: Buffer[] = [];
  for (let off = 0; off < datagram.length; off += chunk) {
    const part = datagram.subarray(off, Math.min(off + chunk, datagram.length));
    const more = off + chunk < datagram.length;
    frames.push(Buffer.concat([linkHeader(link, 0x0800), ipv4Header(ip, 17, part.length, off, more), part]));
  }
  return frames;
}

/**
 * Test-only capture walker, independent of src/capture and src/decode/link|ip|transport (written by
 * others): classic pcap (both byte orders, us/ns) and pcapng (SHB/IDB/EPB/SPB), link types Ethernet
 * (+802.1Q), SLL, SLL2, raw IP, BSD NULL; IPv4/IPv6 without fragments; UDP only. Fills PacketInfo.
 */
import { readFileSync } from 'node:fs';
import { PacketInfo } from '../../src/decode/packet-info.js';

/** numeric address keys as the real AddressTable defines them: IPv4 = u32, IPv6 = 2^32 + index */
export class MiniAddresses {
  private readonly v6: string[] = [];
  private readonly v6Index = new Map<string, number>();

  keyOf6(buf: Uint8Array, off: number): number {
    const parts: string[] = [];
    for (let i = 0; i < 16; i += 2) parts.push(((buf[off + i]! << 8) | buf[off + i + 1]!).toString(16));
    const text = compress6(parts);
    let idx = this.v6Index.get(text);
    if (idx === undefined) {
      idx = this.v6.length;
      this.v6.push(text);
      this.v6Index.set(text, idx);
    }
    return 4294967296 + idx;
  }

  format(key: number): string {
    if (key < 4294967296) return `${key >>> 24}.${(key >>> 16) & 255}.${(key >>> 8) & 255}.${key & 255}`;
    return this.v6[key - 4294967296] ?? '?';
  }

  formatEndpoint(key: number, port: number): string {
    return key < 4294967296 ? `${this.format(key)}:${port}` : `[${this.format(key)}]:${port}`;
  }

  keyOfText(text: string): number {
    if (text.includes(':')) {
      const b = ip6Bytes(text);
      return this.keyOf6(b, 0);
    }
    const p = text.split('.').map(Number);
    return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
  }
}

function compress6(parts: string[]): string {
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (parts[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && parts[j] === '0') j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return parts.join(':');
  return `${parts.slice(0, best).join(':')}::${parts.slice(best + bestLen).join(':')}`;
}

function ip6Bytes(text: string): Uint8Array {
  const [head, tail] = text.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const b = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    b[2 * i] = v >> 8;
    b[2 * i + 1] = v & 255;
  });
  return b;
}

export interface WalkFrame {
  num: number;
  tsSec: number;
  tsNsec: number;
  linkType: number;
  data: Buffer;
  origLen: number;
}

export function* readFrames(file: string): Generator<WalkFrame> {
  const f = readFileSync(file);
  const magic = f.readUInt32LE(0);
  if (magic === 0x0a0d0d0a) {
    yield* pcapng(f);
    return;
  }
  let le: boolean;
  let nano: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) {
    le = true;
    nano = magic === 0xa1b23c4d;
  } else {
    le = false;
    const be = f.readUInt32BE(0);
    if (be !== 0xa1b2c3d4 && be !== 0xa1b23c4d) throw new Error(`not a capture: ${file}`);
    nano = be === 0xa1b23c4d;
  }
  const u32 = (o: number): number => (le ? f.readUInt32LE(o) : f.readUInt32BE(o));
  const linkType = u32(20) & 0xffff;
  let off = 24;
  let num = 0;
  while (off + 16 <= f.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const capLen = u32(off + 8);
    const origLen = u32(off + 12);
    if (off + 16 + capLen > f.length) break;
    num++;
    yield { num, tsSec: sec, tsNsec: nano ? frac : frac * 1000, linkType, data: f.subarray(off + 16, off + 16 + capLen), origLen };
    off += 16 + capLen;
  }
}

function* pcapng(f: Buffer): Generator<WalkFrame> {
  let off = 0;
  let le = true;
  let num = 0;
  const ifaces: Array<{ linkType: number; tsUnitsPerSec: number }> = [];
  while (off + 12 <= f.length) {
    const type = le ? f.readUInt32LE(off) : f.readUInt32BE(off);
    if (type === 0x0a0d0d0a) {
      le = f.readUInt32LE(off + 8) === 0x1a2b3c4d;
      ifaces.length = 0;
    }
    const u32 = (o: number): number => (le ? f.readUInt32LE(o) : f.readUInt32BE(o));
    const u16 = (o: number): number => (le ? f.readUInt16LE(o) : f.readUInt16BE(o));
    const len = u32(off + 4);
    if (len < 12 || off + len > f.length) break;
    if (type === 1) {
      let units = 1e6;
      let o = off + 16;
      while (o + 4 <= off + len - 4) {
        const code = u16(o);
        const olen = u16(o + 2);
        if (code === 0) break;
        if (code === 9) {
          const v = f[o + 4]!;
          units = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
        }
        o += 4 + ((olen + 3) & ~3);
      }
      ifaces.push({ linkType: u16(off + 8), tsUnitsPerSec: units });
    } else if (type === 6) {
      const iface = ifaces[u32(off + 8)]!;
      const ts = u32(off + 12) * 4294967296 + u32(off + 16);
      const capLen = u32(off + 20);
      const origLen = u32(off + 24);
      const sec = Math.floor(ts / iface.tsUnitsPerSec);
      const rem = ts - sec * iface.tsUnitsPerSec;
      const nsec = Math.round((rem * 1e9) / iface.tsUnitsPerSec);
      num++;
      yield { num, tsSec: sec, tsNsec: nsec, linkType: iface.linkType, data: f.subarray(off + 28, off + 28 + capLen), origLen };
    } else if (type === 3) {
      num++;
      const origLen = u32(off + 8);
      yield { num, tsSec: 0, tsNsec: 0, linkType: ifaces[0]?.linkType ?? 1, data: f.subarray(off + 12, off + len - 4), origLen };
    }
    off += len;
  }
}

/** link header -> offset of the IP header and its version hint (0 = look at the nibble), or -1 */
function ipOffset(linkType: number, d: Buffer): number {
  let off: number;
  let et: number;
  switch (linkType) {
    case 1:
      off = 14;
      et = d.readUInt16BE(12);
      while ((et === 0x8100 || et === 0x88a8) && off + 4 <= d.length) {
        et = d.readUInt16BE(off + 2);
        off += 4;
      }
      return et === 0x0800 || et === 0x86dd ? off : -1;
    case 113:
      et = d.readUInt16BE(14);
      return et === 0x0800 || et === 0x86dd ? 16 : -1;
    case 276:
      et = d.readUInt16BE(0);
      return et === 0x0800 || et === 0x86dd ? 20 : -1;
    case 0:
      return 4;
    case 101:
    case 12:
    case 14:
    case 228:
    case 229:
      return 0;
    default:
      return -1;
  }
}

/** decode link/IP/UDP into `p`; true for a UDP datagram (TCP: fills the segment payload, returns false) */
export function decodeUdp(fr: WalkFrame, p: PacketInfo, addrs: MiniAddresses): boolean {
  p.reset();
  p.num = fr.num;
  p.tsSec = fr.tsSec;
  p.tsNsec = fr.tsNsec;
  p.frameLen = fr.origLen;
  p.linkType = fr.linkType;
  const d = fr.data;
  const off = d.length >= 20 ? ipOffset(fr.linkType, d) : -1;
  if (off < 0 || off + 20 > d.length) return false;
  const v = d[off]! >> 4;
  let l4: number;
  let proto: number;
  let end: number;
  if (v === 4) {
    const ihl = (d[off]! & 15) * 4;
    const flagsFrag = d.readUInt16BE(off + 6);
    if ((flagsFrag & 0x3fff) !== 0) return false;
    p.ipVersion = 4;
    p.dscp = d[off + 1]! >> 2;
    p.ecn = d[off + 1]! & 3;
    p.ttl = d[off + 8]!;
    proto = d[off + 9]!;
    p.srcAddr = d.readUInt32BE(off + 12);
    p.dstAddr = d.readUInt32BE(off + 16);
    l4 = off + ihl;
    end = Math.min(d.length, off + d.readUInt16BE(off + 2));
  } else if (v === 6) {
    if (off + 40 > d.length) return false;
    p.ipVersion = 6;
    const tc = (d.readUInt16BE(off) >> 4) & 0xff;
    p.dscp = tc >> 2;
    p.ecn = tc & 3;
    p.ttl = d[off + 7]!;
    proto = d[off + 6]!;
    p.srcAddr = addrs.keyOf6(d, off + 8);
    p.dstAddr = addrs.keyOf6(d, off + 24);
    end = Math.min(d.length, off + 40 + d.readUInt16BE(off + 4));
    l4 = off + 40;
    while ((proto === 0 || proto === 43 || proto === 60 || proto === 44) && l4 + 8 <= end) {
      if (proto === 44) {
        if ((d.readUInt16BE(l4 + 2) & 0xfff9) !== 0) return false;
        proto = d[l4]!;
        l4 += 8;
      } else {
        proto = d[l4]!;
        l4 += (d[l4 + 1]! + 1) * 8;
      }
    }
  } else {
    return false;
  }
  p.proto = proto;
  if (proto === 6 && l4 + 20 <= end) {
    // TCP: payload of this one segment (no reassembly; enough for SIP in the test captures)
    p.srcPort = d.readUInt16BE(l4);
    p.dstPort = d.readUInt16BE(l4 + 2);
    p.buf = d;
    p.payloadStart = l4 + (d[l4 + 12]! >> 4) * 4;
    p.payloadEnd = end;
    return false;
  }
  if (proto !== 17 || l4 + 8 > end) return false;
  p.srcPort = d.readUInt16BE(l4);
  p.dstPort = d.readUInt16BE(l4 + 2);
  p.buf = d;
  p.payloadStart = l4 + 8;
  p.payloadEnd = Math.min(end, l4 + d.readUInt16BE(l4 + 4));
  return true;
}

/** Hand-built frames (byte layouts from RFC 791, RFC 8200, RFC 768, RFC 9293, IEEE 802.1Q, SLL docs). */
import type { CaptureRecord } from '../../../../src/capture/record.js';

export function ip4(s: string): Buffer {
  return Buffer.from(s.split('.').map(Number));
}

export function ip6(s: string): Buffer {
  const [head = '', tail] = s.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const b = Buffer.alloc(16);
  groups.forEach((g, i) => b.writeUInt16BE(parseInt(g, 16), i * 2));
  return b;
}

export function udp(sp: number, dp: number, payload: Buffer, lenOverride?: number): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sp, 0);
  h.writeUInt16BE(dp, 2);
  h.writeUInt16BE(lenOverride ?? 8 + payload.length, 4);
  return Buffer.concat([h, payload]);
}

export function tcp(sp: number, dp: number, seq: number, ack: number, flags: number, payload: Buffer, optWords = 0): Buffer {
  const h = Buffer.alloc(20 + optWords * 4, 1); // NOP options
  h.writeUInt16BE(sp, 0);
  h.writeUInt16BE(dp, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h.writeUInt32BE(ack >>> 0, 8);
  h[12] = (5 + optWords) << 4;
  h[13] = flags;
  h.writeUInt16BE(65535, 14);
  h.writeUInt32BE(0, 16);
  return Buffer.concat([h, payload]);
}

export interface V4Opts {
  tos?: number;
  ttl?: number;
  id?: number;
  /** fragment offset in bytes (multiple of 8) */
  fragOffset?: number;
  more?: boolean;
  optionWords?: number;
  totalOverride?: number;
}

export function ipv4(src: string, dst: string, proto: number, payload: Buffer, o: V4Opts = {}): Buffer {
  const hl = 20 + (o.optionWords ?? 0) * 4;
  const h = Buffer.alloc(hl, 1); // NOP options
  h[0] = 0x40 | (hl / 4);
  h[1] = o.tos ?? 0;
  h.writeUInt16BE(o.totalOverride ?? hl + payload.length, 2);
  h.writeUInt16BE(o.id ?? 0x1234, 4);
  h.writeUInt16BE(((o.more ?? false) ? 0x2000 : 0) | ((o.fragOffset ?? 0) / 8), 6);
  h[8] = o.ttl ?? 64;
  h[9] = proto;
  h.writeUInt16BE(0, 10);
  ip4(src).copy(h, 12);
  ip4(dst).copy(h, 16);
  return Buffer.concat([h, payload]);
}

/** an IPv6 extension header of 8*(len+1) bytes (hop-by-hop / routing / dest options) */
export function ext(next: number, bytes = 8): Buffer {
  const b = Buffer.alloc(bytes);
  b[0] = next;
  b[1] = bytes / 8 - 1;
  return b;
}

export function fragHdr(next: number, offset: number, more: boolean, id: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = next;
  b.writeUInt16BE(offset | (more ? 1 : 0), 2);
  b.writeUInt32BE(id >>> 0, 4);
  return b;
}

export function ipv6(src: string, dst: string, nh: number, payload: Buffer, tc = 0, hop = 64): Buffer {
  const h = Buffer.alloc(40);
  h.writeUInt32BE(((6 << 28) | (tc << 20) | 0x12345) >>> 0, 0);
  h.writeUInt16BE(payload.length, 4);
  h[6] = nh;
  h[7] = hop;
  ip6(src).copy(h, 8);
  ip6(dst).copy(h, 24);
  return Buffer.concat([h, payload]);
}

/** Ethernet II, with 802.1Q/802.1ad tags given as [tpid, vid] outermost first */
export function eth(type: number, payload: Buffer, tags: Array<[number, number]> = []): Buffer {
  const parts = [Buffer.from('0200000000010200000000020000', 'hex').subarray(0, 12)];
  for (const [tpid, vid] of tags) {
    const t = Buffer.alloc(4);
    t.writeUInt16BE(tpid, 0);
    t.writeUInt16BE(0xa000 | vid, 2); // PCP 5
    parts.push(t);
  }
  const et = Buffer.alloc(2);
  et.writeUInt16BE(type);
  return Buffer.concat([...parts, et, payload]);
}

export function sll(proto: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(0, 0);
  h.writeUInt16BE(1, 2);
  h.writeUInt16BE(6, 4);
  h.writeUInt16BE(proto, 14);
  return Buffer.concat([h, payload]);
}

export function sll2(proto: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(proto, 0);
  h.writeUInt32BE(3, 4);
  h.writeUInt16BE(1, 8);
  return Buffer.concat([h, payload]);
}

export function nullHdr(family: number, payload: Buffer, le = true): Buffer {
  const h = Buffer.alloc(4);
  if (le) {
    h.writeUInt32LE(family);
  } else {
    h.writeUInt32BE(family);
  }
  return Buffer.concat([h, payload]);
}

export function record(linkType: number, data: Buffer, num = 1, origLen = data.length, tsSec = 1000): CaptureRecord {
  return { num, linkType, interfaceId: 0, tsSec, tsNsec: 5, capLen: data.length, origLen, data, fileOffset: 0 };
}

/**
 * Numeric address keys (see PacketInfo): an IPv4 address is its uint32 value; an IPv6 address is
 * 2^32 + its index in this table. Interning hashes the 16 bytes as four uint32 words into an
 * open-addressing table, so a known address costs a few word compares and no string per packet;
 * text is made only by format() (cached), when a new flow or a report needs a name.
 */
import { u32be } from '../bytes.js';

const TWO32 = 4294967296;

export class AddressTable {
  /** 4 words per interned IPv6 address */
  private words = new Uint32Array(4 * 64);
  private count = 0;
  /** open addressing: slot -> index + 1 (0 = empty); size a power of two, load <= 1/2 */
  private slots = new Int32Array(128);
  private readonly names: string[] = [];

  /** key of an IPv4 address given as its uint32 value (the identity, documented for symmetry) */
  keyOf4(u32: number): number {
    return u32 >>> 0;
  }

  /** key of the IPv6 address buf[offset..offset+16) */
  keyOf6(buf: Buffer, offset: number): number {
    const a = u32be(buf, offset);
    const b = u32be(buf, offset + 4);
    const c = u32be(buf, offset + 8);
    const d = u32be(buf, offset + 12);
    const mask = this.slots.length - 1;
    let h = hash4(a, b, c, d) & mask;
    for (;;) {
      const s = this.slots[h] ?? 0;
      if (s === 0) {
        return TWO32 + this.insert(h, a, b, c, d);
      }
      const i = (s - 1) * 4;
      const w = this.words;
      if (w[i] === a && w[i + 1] === b && w[i + 2] === c && w[i + 3] === d) {
        return TWO32 + s - 1;
      }
      h = (h + 1) & mask;
    }
  }

  /** number of IPv6 addresses interned */
  get size(): number {
    return this.count;
  }

  /** "192.0.2.1" or the RFC 5952 form of an IPv6 address ("2001:db8::1"), as Wireshark prints */
  format(key: number): string {
    if (key < TWO32) {
      return formatIpv4(key);
    }
    const idx = key - TWO32;
    let name = this.names[idx];
    if (name === undefined) {
      const w = this.words;
      const i = idx * 4;
      name = formatIpv6(w[i] ?? 0, w[i + 1] ?? 0, w[i + 2] ?? 0, w[i + 3] ?? 0);
      this.names[idx] = name;
    }
    return name;
  }

  /** "1.2.3.4:5060" or "[2001:db8::1]:5060" */
  formatEndpoint(key: number, port: number): string {
    return key < TWO32 ? `${formatIpv4(key)}:${port}` : `[${this.format(key)}]:${port}`;
  }

  private insert(slot: number, a: number, b: number, c: number, d: number): number {
    const idx = this.count++;
    if (this.words.length < this.count * 4) {
      const next = new Uint32Array(this.words.length * 2);
      next.set(this.words);
      this.words = next;
    }
    const i = idx * 4;
    this.words[i] = a;
    this.words[i + 1] = b;
    this.words[i + 2] = c;
    this.words[i + 3] = d;
    this.slots[slot] = idx + 1;
    if (this.count * 2 > this.slots.length) {
      this.rehash();
    }
    return idx;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    const w = this.words;
    for (let idx = 0; idx < this.count; idx++) {
      const i = idx * 4;
      let h = hash4(w[i] ?? 0, w[i + 1] ?? 0, w[i + 2] ?? 0, w[i + 3] ?? 0) & mask;
      while ((slots[h] ?? 0) !== 0) {
        h = (h + 1) & mask;
      }
      slots[h] = idx + 1;
    }
    this.slots = slots;
  }
}

/** a cheap multiplicative mix of four words (FNV-like); collisions only cost a probe */
function hash4(a: number, b: number, c: number, d: number): number {
  let h = 0x811c9dc5;
  h = Math.imul(h ^ a, 0x01000193);
  h = Math.imul(h ^ b, 0x01000193);
  h = Math.imul(h ^ c, 0x01000193);
  h = Math.imul(h ^ d, 0x01000193);
  return (h ^ (h >>> 15)) >>> 0;
}

export function formatIpv4(u32: number): string {
  return `${u32 >>> 24}.${(u32 >>> 16) & 0xff}.${(u32 >>> 8) & 0xff}.${u32 & 0xff}`;
}

/**
 * RFC 5952 section 4: lowercase hex, no leading zeros, the longest run (>= 2) of zero groups
 * (the first on a tie) as "::"; IPv4-mapped addresses (::ffff:0:0/96) end in dotted decimal
 * (section 5), as Wireshark shows them.
 */
export function formatIpv6(a: number, b: number, c: number, d: number): string {
  if (a === 0 && b === 0 && c === 0xffff) {
    return `::ffff:${formatIpv4(d)}`;
  }
  const g = [a >>> 16, a & 0xffff, b >>> 16, b & 0xffff, c >>> 16, c & 0xffff, d >>> 16, d & 0xffff];
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) {
      j++;
    }
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (bestStart < 0) {
    return hex.join(':');
  }
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

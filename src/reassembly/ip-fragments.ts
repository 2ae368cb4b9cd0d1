/**
 * IPv4 (RFC 791 section 3.2) and IPv6 (RFC 8200 section 4.5) fragment reassembly, bounded:
 * at most maxDatagramBytes per datagram, maxTotalBytes held in all, and a datagram whose first
 * fragment is older than timeoutSec of capture time is dropped. Each eviction is counted.
 *
 * Fragments are rare next to RTP, so this path may allocate: a string key per fragment and one
 * Buffer per datagram. Overlapping and duplicate fragments are written in place (the later copy
 * wins, as Wireshark's default) and counted; coverage is tracked as sorted byte intervals, so a
 * duplicate never completes a datagram early.
 */

export interface FragmentOptions {
  /** per datagram: the reassembled payload may not exceed this (IPv4 max: 65535 - 20) */
  maxDatagramBytes?: number;
  /** all datagrams in progress together */
  maxTotalBytes?: number;
  /** capture-time seconds after the first fragment */
  timeoutSec?: number;
}

export interface FragmentStats {
  fragments: number;
  reassembled: number;
  overlaps: number;
  evictedTimeout: number;
  evictedMemory: number;
  evictedOversize: number;
}

interface Pending {
  buf: Buffer;
  /** covered byte intervals [start, end), sorted, non-overlapping */
  cover: number[];
  held: number;
  /** payload length, known once the last fragment (MF = 0) arrived; -1 before */
  total: number;
  firstSec: number;
  dscp: number;
  ecn: number;
  ttl: number;
  /** true once the offset-0 fragment set dscp/ecn/ttl */
  haveFirst: boolean;
  /** fragments that arrived for this datagram (what the report counts as analysed once it completes) */
  count: number;
}

export class IpFragmentReassembler {
  private readonly maxDatagram: number;
  private readonly maxTotal: number;
  private readonly timeout: number;
  private readonly pending = new Map<string, Pending>();
  private heldTotal = 0;
  readonly stats: FragmentStats = { fragments: 0, reassembled: 0, overlaps: 0, evictedTimeout: 0, evictedMemory: 0, evictedOversize: 0 };
  /** how many fragments the last completed datagram was rebuilt from */
  lastFragments = 0;
  /** header fields of the last completed datagram, from its first (offset 0) fragment */
  dscp = 0;
  ecn = 0;
  ttl = 0;

  constructor(opts: FragmentOptions = {}) {
    this.maxDatagram = opts.maxDatagramBytes ?? 65535;
    this.maxTotal = opts.maxTotalBytes ?? 4 * 1024 * 1024;
    this.timeout = opts.timeoutSec ?? 30;
  }

  /** bytes held by datagrams in progress */
  get heldBytes(): number {
    return this.heldTotal;
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Add the fragment data[start..end) at byte offset fragOffset of the datagram (version, src, dst,
   * id, proto). Returns the whole reassembled payload when this fragment completes it, else null.
   */
  push(
    version: number, src: number, dst: number, id: number, proto: number,
    fragOffset: number, more: boolean, data: Buffer, start: number, end: number,
    tsSec: number, dscp: number, ecn: number, ttl: number,
  ): Buffer | null {
    this.stats.fragments++;
    this.expire(tsSec);
    const key = `${version}/${src}/${dst}/${id}/${proto}`;
    const len = end - start;
    const fragEnd = fragOffset + len;
    let p = this.pending.get(key);
    if (len === 0 && more) {
      return null;
    }
    // too big, or inconsistent with the end another last fragment already announced
    const known = p !== undefined && p.total >= 0 ? p.total : -1;
    if (fragEnd > this.maxDatagram || (known >= 0 && (fragEnd > known || (!more && fragEnd !== known)))) {
      this.stats.evictedOversize++;
      if (p !== undefined) {
        this.drop(key, p);
      }
      return null;
    }
    if (p === undefined) {
      p = { buf: Buffer.alloc(0), cover: [], held: 0, total: -1, firstSec: tsSec, dscp, ecn, ttl, haveFirst: false, count: 0 };
      this.pending.set(key, p);
    }
    if (fragOffset === 0 && !p.haveFirst) {
      p.dscp = dscp;
      p.ecn = ecn;
      p.ttl = ttl;
      p.haveFirst = true;
    }
    p.count++;
    if (!more) {
      p.total = fragEnd;
    }
    this.store(p, data, start, end, fragOffset);
    this.enforceTotal(key);
    if (p.total >= 0 && p.cover.length === 2 && p.cover[0] === 0 && p.cover[1] === p.total && this.pending.has(key)) {
      this.drop(key, p);
      this.stats.reassembled++;
      this.lastFragments = p.count;
      this.dscp = p.dscp;
      this.ecn = p.ecn;
      this.ttl = p.ttl;
      return p.buf.subarray(0, p.total);
    }
    return null;
  }

  /** forget everything in progress (end of input); returns how many datagrams stayed incomplete */
  flush(): number {
    const n = this.pending.size;
    this.pending.clear();
    this.heldTotal = 0;
    return n;
  }

  private store(p: Pending, data: Buffer, start: number, end: number, at: number): void {
    const fragEnd = at + (end - start);
    if (p.buf.length < fragEnd) {
      const grown = Buffer.alloc(Math.min(this.maxDatagram, Math.max(fragEnd, p.buf.length * 2)));
      p.buf.copy(grown);
      this.heldTotal += grown.length - p.buf.length;
      p.held = grown.length;
      p.buf = grown;
    }
    data.copy(p.buf, at, start, end);
    if (addInterval(p.cover, at, fragEnd)) {
      this.stats.overlaps++;
    }
  }

  /** drop the oldest datagrams (Map order = first-fragment order) until the total fits */
  private enforceTotal(current: string): void {
    for (const [k, p] of this.pending) {
      if (this.heldTotal <= this.maxTotal) {
        return;
      }
      this.stats.evictedMemory++;
      this.drop(k, p);
      if (k === current) {
        return;
      }
    }
  }

  private expire(now: number): void {
    for (const [k, p] of this.pending) {
      if (now - p.firstSec <= this.timeout) {
        return;
      }
      this.stats.evictedTimeout++;
      this.drop(k, p);
    }
  }

  private drop(key: string, p: Pending): void {
    this.pending.delete(key);
    this.heldTotal -= p.held;
  }
}

/**
 * Merge [s, e) into the sorted interval list iv (flat pairs). Returns true when it overlapped
 * bytes already covered (a duplicate or overlapping fragment).
 */
export function addInterval(iv: number[], s: number, e: number): boolean {
  let overlap = false;
  let ns = s;
  let ne = e;
  const out: number[] = [];
  let placed = false;
  for (let i = 0; i < iv.length; i += 2) {
    const a = iv[i] ?? 0;
    const b = iv[i + 1] ?? 0;
    if (b < ns) {
      out.push(a, b);
      continue;
    }
    if (a > ne) {
      if (!placed) {
        out.push(ns, ne);
        placed = true;
      }
      out.push(a, b);
      continue;
    }
    // touching or overlapping: merge; sharing more than an edge is an overlap
    if (Math.min(b, ne) > Math.max(a, ns)) {
      overlap = true;
    }
    ns = Math.min(a, ns);
    ne = Math.max(b, ne);
  }
  if (!placed) {
    out.push(ns, ne);
  }
  iv.length = 0;
  for (const x of out) {
    iv.push(x);
  }
  return overlap;
}

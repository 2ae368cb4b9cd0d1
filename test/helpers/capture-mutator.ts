/**
 * Test-only capture mutator for the differential fuzz (test/fuzz/fast-path-diff.test.ts): a capture is
 * read into a list of records (CaptureParser), changed as records (duplicated, swapped, dropped, cut by a
 * "snap length", re-timed, moved to raw IP), written back as classic pcap (either byte order, us or ns)
 * or pcapng (either byte order, several interfaces, decimal or binary resolutions, foreign blocks between
 * the packets), and then changed as bytes at places that matter: frame headers, record and block length
 * fields, interface ids, timestamps, file and interface headers, a cut at the end.
 */
import { CaptureParser } from '../../src/capture/capture-parser.js';
import { copyRecord, type CaptureRecord } from '../../src/capture/record.js';

export interface ModelRecord {
  tsSec: number;
  tsNsec: number;
  origLen: number;
  /** index into the interfaces (pcapng); the link type of interface 0 is the pcap file's */
  iface: number;
  data: Buffer;
}

export interface Model {
  /** link type per interface */
  linkTypes: number[];
  records: ModelRecord[];
}

export function readModel(bytes: Buffer): Model {
  const recs: CaptureRecord[] = [];
  const p = new CaptureParser('model', (r) => recs.push(copyRecord(r)));
  p.feed(bytes);
  p.end();
  const linkTypes: number[] = [];
  const records = recs.map((r) => {
    let iface = linkTypes.indexOf(r.linkType);
    if (iface < 0) iface = linkTypes.push(r.linkType) - 1;
    return { tsSec: r.tsSec, tsNsec: r.tsNsec, origLen: r.origLen, iface, data: r.data };
  });
  return { linkTypes: linkTypes.length > 0 ? linkTypes : [1], records };
}

/** a change to the list of records */
export type RecordEdit =
  | { op: 'duplicate' | 'drop'; at: number }
  | { op: 'swap'; at: number; with: number }
  | { op: 'cut'; at: number; keep: number }
  | { op: 'retime'; at: number; deltaNs: number }
  | { op: 'iface'; at: number; iface: number };

export function editRecords(m: Model, edits: readonly RecordEdit[]): void {
  const r = m.records;
  for (const e of edits) {
    if (r.length === 0) return;
    const i = Math.floor(e.at * r.length) % r.length;
    const rec = r[i]!;
    if (e.op === 'duplicate') r.splice(i, 0, { ...rec });
    else if (e.op === 'drop') r.splice(i, 1);
    else if (e.op === 'swap') {
      const j = Math.floor(e.with * r.length) % r.length;
      [r[i], r[j]] = [r[j]!, rec];
    } else if (e.op === 'cut') r[i] = { ...rec, data: rec.data.subarray(0, Math.min(rec.data.length, e.keep)) };
    else if (e.op === 'retime') {
      const ns = BigInt(rec.tsSec) * 1_000_000_000n + BigInt(rec.tsNsec) + BigInt(Math.trunc(e.deltaNs));
      const t = ns < 0n ? 0n : ns;
      r[i] = { ...rec, tsSec: Number(t / 1_000_000_000n), tsNsec: Number(t % 1_000_000_000n) };
    } else if (e.op === 'iface') r[i] = { ...rec, iface: e.iface };
  }
}

/** Ethernet frames (optionally VLAN-tagged) carrying IPv4 become raw IP frames of link type 101 or 228 */
export function toRawIp(m: Model, linkType: 101 | 228): void {
  const eth = m.linkTypes.indexOf(1);
  if (eth < 0) return;
  m.linkTypes[eth] = linkType;
  for (const r of m.records) {
    if (r.iface !== eth) continue;
    let p = 12;
    while (r.data.length >= p + 2 && [0x8100, 0x88a8, 0x9100].includes(r.data.readUInt16BE(p))) p += 4;
    const skip = Math.min(r.data.length, p + 2);
    r.data = r.data.subarray(skip);
    r.origLen = Math.max(0, r.origLen - skip);
  }
}

export interface Layout {
  format: 'pcap' | 'pcapng';
  le: boolean;
  /** pcap: nanosecond magic; pcapng: if_tsresol of every interface (6, 9, 3, or binary 0x80 | k) */
  nsec: boolean;
  /** interface i gets tsresol[i % length] */
  tsresol: number[];
  snapLen: number;
  /** pcapng: a name resolution, statistics or custom block after these record indexes (fractions) */
  foreignBlocks: number[];
  /** pcapng: a second section (SHB and the interfaces again, in the other byte order when flip) from this record on */
  section?: { at: number; flip: boolean } | null;
  /** pcapng: added to the high word of every timestamp (2^32 units each): far-future times */
  shiftHigh?: number;
}

export interface Written {
  bytes: Buffer;
  /** offset of each record header (pcap) or enhanced packet block (pcapng) */
  recordAt: number[];
  /** offset of the interface description blocks (pcapng); the pcap file header is at 0 */
  idbAt: number[];
}

export function writeCapture(m: Model, l: Layout): Written {
  const parts: Buffer[] = [];
  let size = 0;
  const push = (b: Buffer): number => {
    parts.push(b);
    size += b.length;
    return size - b.length;
  };
  let le = l.le;
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    if (le) b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    return b;
  };
  const u16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    if (le) b.writeUInt16LE(v & 0xffff);
    else b.writeUInt16BE(v & 0xffff);
    return b;
  };
  const recordAt: number[] = [];
  const idbAt: number[] = [];
  if (l.format === 'pcap') {
    push(Buffer.concat([u32(l.nsec ? 0xa1b23c4d : 0xa1b2c3d4), u16(2), u16(4), u32(0), u32(0), u32(l.snapLen), u32(m.linkTypes[0] ?? 1)]));
    for (const r of m.records) {
      const frac = l.nsec ? r.tsNsec : Math.floor(r.tsNsec / 1000);
      recordAt.push(push(Buffer.concat([u32(r.tsSec), u32(frac), u32(r.data.length), u32(r.origLen), r.data])));
    }
    return { bytes: Buffer.concat(parts), recordAt, idbAt };
  }
  const block = (type: number, body: Buffer): number => {
    const pad = Buffer.alloc((4 - (body.length % 4)) % 4);
    const len = 12 + body.length + pad.length;
    return push(Buffer.concat([u32(type), u32(len), body, pad, u32(len)]));
  };
  const resol = (iface: number): number => l.tsresol[iface % l.tsresol.length] ?? 6;
  const section = (): void => {
    block(0x0a0d0d0a, Buffer.concat([u32(0x1a2b3c4d), u16(1), u16(0), Buffer.alloc(8, 0xff)]));
    m.linkTypes.forEach((lt, i) => {
      idbAt.push(block(1, Buffer.concat([u16(lt), u16(0), u32(l.snapLen), u16(9), u16(1), Buffer.from([resol(i), 0, 0, 0]), u16(0), u16(0)])));
    });
  };
  section();
  const foreign = l.foreignBlocks.map((f) => Math.floor(f * m.records.length));
  const second = l.section ? Math.floor(l.section.at * m.records.length) : -1;
  m.records.forEach((r, i) => {
    if (i === second) {
      if (l.section!.flip) le = !le;
      section();
    }
    const t = resol(r.iface);
    const exp = BigInt(t & 0x7f);
    const perSec = (t & 0x80) !== 0 ? 1n << exp : 10n ** exp;
    const units = BigInt(r.tsSec) * perSec + (BigInt(r.tsNsec) * perSec) / 1_000_000_000n + (BigInt(l.shiftHigh ?? 0) << 32n);
    const high = Number((units >> 32n) & 0xffffffffn);
    const low = Number(units & 0xffffffffn);
    recordAt.push(block(6, Buffer.concat([u32(r.iface), u32(high), u32(low), u32(r.data.length), u32(r.origLen), r.data])));
    for (const f of foreign) {
      if (f !== i) continue;
      // NRB (empty), ISB (interface 0, a timestamp), a custom block: all skipped by the readers
      block([4, 5, 0x40000bad][i % 3]!, i % 3 === 0 ? Buffer.alloc(4) : Buffer.concat([u32(0), u32(high), u32(low)]));
    }
  });
  return { bytes: Buffer.concat(parts), recordAt, idbAt };
}

/** a change to the written bytes; `at` picks a record (or interface), fractions of their count */
export type ByteEdit =
  | { op: 'frame'; at: number; pos: number; value: number; xor: boolean }
  | { op: 'capLen' | 'origLen' | 'tsSec' | 'tsFrac' | 'ifId'; at: number; value: number; relative: boolean }
  | { op: 'blockLen'; at: number; delta: number; where: 'head' | 'tail' | 'both' }
  | { op: 'idb'; at: number; pos: number; value: number }
  | { op: 'fileHeader'; pos: number; value: number };

export function editBytes(w: Written, l: Layout, edits: readonly ByteEdit[]): Buffer {
  const b = Buffer.from(w.bytes);
  const rd = (at: number): number => (l.le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const wr = (at: number, v: number): void => {
    if (at < 0 || at + 4 > b.length) return;
    if (l.le) b.writeUInt32LE(v >>> 0, at);
    else b.writeUInt32BE(v >>> 0, at);
  };
  const pick = (list: number[], f: number): number | undefined => list[Math.floor(f * list.length) % Math.max(1, list.length)];
  const ng = l.format === 'pcapng';
  for (const e of edits) {
    if (e.op === 'fileHeader') {
      b[e.pos % (ng ? 28 : 24)] = e.value;
      continue;
    }
    if (e.op === 'idb') {
      const at = pick(w.idbAt, e.at);
      if (at !== undefined) b[at + 8 + (e.pos % 20)] = e.value;
      continue;
    }
    const at = pick(w.recordAt, e.at);
    if (at === undefined) continue;
    const dataAt = at + (ng ? 28 : 16);
    if (e.op === 'frame') {
      const i = dataAt + e.pos;
      if (i < b.length) b[i] = e.xor ? b[i]! ^ e.value : e.value;
    } else if (e.op === 'blockLen') {
      if (!ng) continue;
      const len = rd(at + 4);
      const next = (len + e.delta) >>> 0;
      if (e.where !== 'tail') wr(at + 4, next);
      if (e.where !== 'head') wr(at + len - 4, next);
    } else {
      const field = ng
        ? { capLen: 20, origLen: 24, tsSec: 12, tsFrac: 16, ifId: 8 }[e.op]
        : { capLen: 8, origLen: 12, tsSec: 0, tsFrac: 4, ifId: -1 }[e.op];
      if (field < 0) continue;
      wr(at + field, e.relative ? rd(at + field) + e.value : e.value);
    }
  }
  return b;
}

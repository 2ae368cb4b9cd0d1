import { describe, expect, it } from 'vitest';
import { CaptureParser, type ReaderSummary } from '../../../src/capture/capture-parser.js';
import { ChunkRecord, copyRecord, type CaptureRecord } from '../../../src/capture/record.js';
import { NgWriter, pcapFile, snapshot, type Seen } from './pcap-builders.js';

function parse(file: Buffer, chunk = file.length || 1): { recs: Seen[]; summary: ReaderSummary } {
  const recs: Seen[] = [];
  const p = new CaptureParser('t.pcap', (r) => recs.push(snapshot(r)));
  for (let i = 0; i < file.length; i += chunk) {
    p.feed(file.subarray(i, i + chunk));
  }
  return { recs, summary: p.end() };
}

const A = Buffer.from('00112233445566778899aabbcc', 'hex');
const B = Buffer.from('deadbeef', 'hex');

function smallNg(le = true): Buffer {
  return new NgWriter(le)
    .shb()
    .idb(1, 65535, 9) // ns
    .idb(101, 100) // default µs
    .epb(0, 0x17d, 0x4b1a2c3f, A)
    .block(0x0bad, Buffer.alloc(8, 7)) // unknown block: skipped
    .epb(1, 0x5, 0x12345678, B)
    .spb(4, B)
    .opb(1, 0, 2_000_001, A)
    .build();
}

describe('classic pcap', () => {
  it('reads little-endian microsecond records with exact ns timestamps', () => {
    const f = pcapFile([{ sec: 1700000000, frac: 999999, data: A }, { sec: 1700000001, frac: 0, data: B, origLen: 60 }], { linkType: 113 });
    const { recs, summary } = parse(f);
    expect(summary.error).toBeUndefined();
    expect(summary.format).toBe('pcap');
    expect(summary.records).toBe(2);
    expect(summary.linkTypes).toEqual([113]);
    expect(recs[0]).toMatchObject({ num: 1, linkType: 113, tsSec: 1700000000, tsNsec: 999999000, capLen: 13, hex: A.toString('hex'), fileOffset: 24 });
    expect(recs[1]).toMatchObject({ num: 2, tsSec: 1700000001, tsNsec: 0, capLen: 4, origLen: 60, fileOffset: 24 + 16 + 13 });
  });

  it('reads big-endian nanosecond records (magic a1b23c4d)', () => {
    const f = pcapFile([{ sec: 5, frac: 123456789, data: A }], { le: false, nsec: true });
    expect(f.subarray(0, 4).toString('hex')).toBe('a1b23c4d');
    const { recs, summary } = parse(f);
    expect(summary.error).toBeUndefined();
    expect(recs[0]).toMatchObject({ tsSec: 5, tsNsec: 123456789, linkType: 1, hex: A.toString('hex') });
  });

  it('delivers records longer than the snap length and counts them as oversized', () => {
    const { recs, summary } = parse(pcapFile([{ sec: 1, frac: 0, data: A }], { snapLen: 8 }));
    expect(recs).toHaveLength(1);
    expect(summary.oversized).toBe(1);
  });

  it('rejects a record announcing more than 256 MiB as corrupt, after delivering the earlier ones', () => {
    const f = pcapFile([{ sec: 1, frac: 0, data: A }, { sec: 2, frac: 0, data: B }]);
    f.writeUInt32LE(256 * 1024 * 1024 + 1, 24 + 16 + 13 + 8);
    const { recs, summary } = parse(f);
    expect(recs).toHaveLength(1);
    expect(summary.error?.code).toBe('E_CAPTURE_CORRUPT');
    expect(summary.error?.place).toEqual({ file: 't.pcap', packet: 2, offset: 53 });
  });

  it('hands records on as (chunk, offset) without a view per record; data and copyRecord still work', () => {
    const f = pcapFile([{ sec: 1, frac: 0, data: A }, { sec: 2, frac: 0, data: B }]);
    const seen: Array<{ sameChunk: boolean; offset: number; bytes: string; copy: CaptureRecord }> = [];
    const p = new CaptureParser('x', (r) => {
      expect(r).toBeInstanceOf(ChunkRecord);
      const bytes = r.buf!.subarray(r.dataOffset!, r.dataOffset! + r.capLen).toString('hex');
      expect(r.data.toString('hex')).toBe(bytes);
      seen.push({ sameChunk: r.buf === f, offset: r.dataOffset!, bytes, copy: copyRecord(r) });
    });
    p.feed(f);
    expect(seen.map((x) => [x.sameChunk, x.offset, x.bytes])).toEqual([[true, 40, A.toString('hex')], [true, 40 + 13 + 16, B.toString('hex')]]);
    f.fill(0); // the copies own their bytes and carry no chunk reference
    expect(seen.map((x) => [x.copy.data.toString('hex'), x.copy.buf, x.copy.num])).toEqual([[A.toString('hex'), undefined, 1], [B.toString('hex'), undefined, 2]]);
  });

  it('gives data as a view into the chunk when the record lies inside it', () => {
    const f = pcapFile([{ sec: 1, frac: 0, data: A }]);
    const views: CaptureRecord['data'][] = [];
    const p = new CaptureParser('x', (r) => views.push(r.data));
    p.feed(f);
    expect(views[0]?.buffer).toBe(f.buffer);
    expect(views[0]?.byteOffset).toBe(f.byteOffset + 40);
  });
});

describe('pcapng', () => {
  it.each([true, false])('reads EPB/SPB/OPB over two interfaces, skipping unknown blocks (le=%s)', (le) => {
    const { recs, summary } = parse(smallNg(le));
    expect(summary.error).toBeUndefined();
    expect(summary.format).toBe('pcapng');
    expect(summary.linkTypes).toEqual([1, 101]);
    expect(recs.map((r) => [r.num, r.interfaceId, r.linkType, r.hex])).toEqual([
      [1, 0, 1, A.toString('hex')],
      [2, 1, 101, B.toString('hex')],
      [3, 0, 1, B.toString('hex')],
      [4, 1, 101, A.toString('hex')],
    ]);
    // interface 0 at ns: units = 0x17d * 2^32 + 0x4b1a2c3f, checked with BigInt
    const u0 = 0x17dn * 2n ** 32n + 0x4b1a2c3fn;
    expect(recs[0]).toMatchObject({ tsSec: Number(u0 / 10n ** 9n), tsNsec: Number(u0 % 10n ** 9n) });
    const u1 = 5n * 2n ** 32n + 0x12345678n;
    expect(recs[1]).toMatchObject({ tsSec: Number(u1 / 10n ** 6n), tsNsec: Number(u1 % 10n ** 6n) * 1000 });
    expect(recs[2]).toMatchObject({ tsSec: 0, tsNsec: 0, capLen: 4, origLen: 4 });
    expect(recs[3]).toMatchObject({ tsSec: 2, tsNsec: 1000 });
  });

  it('caps an SPB at the interface snap length and keeps its original length', () => {
    const f = new NgWriter().shb().idb(1, 2).spb(4, B).build();
    const { recs, summary } = parse(f);
    expect(summary.oversized).toBe(0);
    expect(recs[0]).toMatchObject({ capLen: 2, origLen: 4, hex: 'dead' });
  });

  it('a new section header resets interfaces and may switch byte order', () => {
    const w = new NgWriter(true).shb().idb(1, 0).epb(0, 0, 1, A);
    w.shb(false).idb(113, 0, 3).epb(0, 0, 1500, B);
    const { recs, summary } = parse(w.build());
    expect(summary.error).toBeUndefined();
    expect(recs.map((r) => [r.linkType, r.tsSec, r.tsNsec])).toEqual([
      [1, 0, 1000],
      [113, 1, 500_000_000],
    ]);
    // the second section has one interface: a packet naming interface 1 is corrupt
    const bad = new NgWriter(true).shb().idb(1, 0).idb(1, 0).shb().idb(1, 0).epb(1, 0, 0, A).build();
    expect(parse(bad).summary.error?.code).toBe('E_CAPTURE_CORRUPT');
  });

  it('converts timestamps exactly near 2^62 units (ns) and for µs, against BigInt arithmetic', () => {
    const cases: Array<[number, bigint]> = [
      [9, 2n ** 62n - 12345n],
      [9, 2n ** 62n + 999_999_999n],
      [6, 2n ** 62n - 1n],
      [6, 1_700_000_000_123_456n],
      [0x80 | 20, 2n ** 52n + 777n], // 2^-20 s units
    ];
    for (const [res, units] of cases) {
      const high = Number(units >> 32n);
      const low = Number(units & 0xffffffffn);
      const f = new NgWriter().shb().idb(1, 0, res).epb(0, high, low, A).build();
      const { recs } = parse(f);
      const per = res & 0x80 ? 1n << BigInt(res & 0x7f) : 10n ** BigInt(res);
      expect(recs[0]?.tsSec).toBe(Number(units / per));
      expect(recs[0]?.tsNsec).toBe(Number(((units % per) * 10n ** 9n) / per));
    }
  });

  it('rejects block lengths that are not a multiple of 4 or below 12, naming the offset', () => {
    const good = new NgWriter().shb().idb(1, 0).build();
    for (const len of [13, 8, 0]) {
      const bad = Buffer.concat([good, Buffer.from([6, 0, 0, 0, len, 0, 0, 0]), Buffer.alloc(32)]);
      const s = parse(bad).summary;
      expect(s.error?.code).toBe('E_CAPTURE_CORRUPT');
      expect(s.error?.place.offset).toBe(good.length + 4);
    }
  });

  it('rejects a captured length larger than the rest of the block', () => {
    const f = new NgWriter().shb().idb(1, 0).epb(0, 0, 0, A).epb(0, 0, 0, B).build();
    const second = f.length - 32 - 4;
    f.writeUInt32LE(100, second + 20);
    const { recs, summary } = parse(f);
    expect(recs).toHaveLength(1);
    expect(summary.error?.code).toBe('E_CAPTURE_CORRUPT');
    expect(summary.error?.place).toMatchObject({ packet: 2, offset: second + 20 });
  });
});

/** offsets where a unit (file header, record, block) ends: cuts there leave a valid file */
function unitBoundaries(file: Buffer, pcap: boolean): number[] {
  const out: number[] = [];
  let off = pcap ? 24 : 0;
  if (pcap) {
    out.push(24);
  }
  while (off < file.length) {
    off += pcap ? 16 + file.readUInt32LE(off + 8) : file.readUInt32LE(off + 4);
    out.push(off);
  }
  return out;
}

describe('bad input', () => {
  it('bad magic is E_CAPTURE_FORMAT; an empty file too', () => {
    expect(parse(Buffer.from('GET / HTTP/1.1\r\n')).summary.error?.code).toBe('E_CAPTURE_FORMAT');
    expect(parse(Buffer.alloc(0)).summary.error?.code).toBe('E_CAPTURE_FORMAT');
  });

  it.each([
    ['pcap', pcapFile([{ sec: 1, frac: 2, data: A }, { sec: 3, frac: 4, data: B }, { sec: 5, frac: 6, data: A }])],
    ['pcapng', smallNg(true)],
  ])('%s cut at every byte offset: no throw, earlier records delivered, error names packet and offset', (_n, file) => {
    const full = parse(file).recs;
    // a record is complete once its whole unit (pcap record / pcapng block) is present
    const ends = full.map((r) => r.fileOffset + (_n === 'pcap' ? 16 + r.capLen : file.readUInt32LE(r.fileOffset + 4)));
    for (let cut = 1; cut < file.length; cut++) {
      const { recs, summary } = parse(file.subarray(0, cut));
      const complete = ends.filter((e) => e <= cut).length;
      expect(recs).toEqual(full.slice(0, complete));
      if (summary.error === undefined) {
        // a cut exactly between units is a complete (shorter) file
        expect(unitBoundaries(file, _n === 'pcap')).toContain(cut);
        continue;
      }
      expect(summary.error.code).toBe('E_CAPTURE_TRUNCATED');
      expect(summary.error.place.packet).toBe(complete + 1);
      expect(summary.error.place.offset).toBeLessThan(cut);
      expect(summary.error.message).toContain(`offset ${summary.error.place.offset}`);
    }
  });

  it('feeding in chunks of every size 1..64 gives identical records', () => {
    for (const file of [smallNg(true), smallNg(false), pcapFile([{ sec: 1, frac: 2, data: A }, { sec: 3, frac: 4, data: B }])]) {
      const whole = parse(file);
      for (let c = 1; c <= 64; c++) {
        const got = parse(file, c);
        expect(got.recs).toEqual(whole.recs);
        expect(got.summary.error).toBeUndefined();
      }
    }
  });
});

/**
 * A streaming push parser for classic pcap and pcapng: feed() it chunks as they are read, it calls
 * onRecord once per captured frame with ONE reused CaptureRecord (a ChunkRecord) whose bytes are
 * buf[dataOffset..dataOffset+capLen) in the chunk (zero copy), or in a carry buffer only when a record
 * spans two chunks; its `data` view is made only when asked for.
 *
 * Why our own: the npm readers we looked at (pcap-parser, pcapng-parser, node-pcap-parser) are
 * unmaintained, handle only one of the two formats or one byte order, allocate an object and a
 * Buffer copy per packet, or use BigInt per pcapng timestamp; the fast path here walks a chunk
 * with numbers only and hands each record on as (chunk, offset): no view allocated per record
 * (see ../shared/style.md, Performance).
 *
 * State machine: the file is a sequence of "units" (pcap file header, pcap record, pcapng block).
 * unitLength() says how long the unit at an offset is, or how many bytes it needs to know; a unit
 * lying wholly in the chunk is consumed in place, a partial one is carried to the next chunk.
 * Bad input never throws: the parser stops, and end() returns the summary with the coded error.
 */
import { VoipreadyError, type ErrorCode } from '../errors.js';
import { ChunkRecord, type CaptureSummary, type PcapLayout, type PcapRunTaker, type RecordListener } from './record.js';
import { linkTypeOf } from './link-types.js';
import { BLOCK_OTHER, BLOCK_PACKET, BLOCK_PACKET_ERROR, PcapngSection } from './pcapng-section.js';

export interface ReaderSummary extends CaptureSummary {
  /** records whose captured length exceeds the snap length (delivered anyway, as Wireshark does) */
  oversized: number;
}

/** a record larger than this is a corrupt length field, not a frame (Wireshark's limit too) */
export const MAX_RECORD_BYTES = 256 * 1024 * 1024;

const PCAP_MAGIC_US = 0xa1b2c3d4;
const PCAP_MAGIC_NS = 0xa1b23c4d;
const PCAP_MAGIC_US_SWAPPED = 0xd4c3b2a1;
const PCAP_MAGIC_NS_SWAPPED = 0x4d3cb2a1;
const PCAPNG_SHB = 0x0a0d0d0a;
const PCAP_FILE_HEADER = 24;
const PCAP_RECORD_HEADER = 16;

const enum Fmt {
  Unknown = 0,
  Pcap = 1,
  Pcapng = 2,
}

/** unitLength() answer when the parser hit an error (this.error is set) */
const ERR = 0;

export class CaptureParser {
  private readonly fileName: string;
  private readonly onRecord: RecordListener;
  /** takes runs of pcap records / pcapng packet blocks itself when it can (the fast path); the rest go to onRecord */
  private readonly runTaker: PcapRunTaker | null;
  private readonly layout: PcapLayout = { le: true, nsMul: 1000, snapLen: 0, linkType: 0 };
  private readonly rec = new ChunkRecord();
  private fmt = Fmt.Unknown;
  private headerDone = false;
  private le = true;
  private nsec = false;
  private snapLen = 0;
  private pcapLinkType = 0;
  private readonly section = new PcapngSection();
  /** file offset of chunk byte 0 (of the current feed) */
  private chunkBase = 0;
  private carry: Buffer = Buffer.alloc(0);
  private carryLen = 0;
  /** file offset of the unit held in carry */
  private carryOffset = 0;
  private records = 0;
  private bytes = 0;
  private oversized = 0;
  private readonly linkTypes = new Set<number>();
  private error: VoipreadyError | undefined;

  constructor(fileName: string, onRecord: RecordListener, runTaker?: PcapRunTaker) {
    this.fileName = fileName;
    this.onRecord = onRecord;
    this.runTaker = runTaker ?? null;
  }

  /** true once an error stopped the parser: further input is ignored */
  get failed(): boolean {
    return this.error !== undefined;
  }

  feed(chunk: Buffer): void {
    if (this.error !== undefined) {
      return;
    }
    this.bytes += chunk.length;
    let off = 0;
    if (this.carryLen > 0) {
      off = this.completeCarry(chunk);
      if (off < 0) {
        this.chunkBase += chunk.length;
        return;
      }
    }
    const end = chunk.length;
    while (off < end && this.error === undefined) {
      if (this.fmt === Fmt.Pcap && this.headerDone) {
        off = this.walkPcap(chunk, off, end);
        if (off >= end) {
          break;
        }
      } else if (this.fmt === Fmt.Pcapng && this.runTaker?.takePcapng !== undefined && this.records > 0 && this.section.count > 0) {
        const after = this.runTaker.takePcapng(chunk, off, end, this.section, this.records + 1);
        if (after !== off) {
          this.records += this.runTaker.taken;
          off = after;
          continue;
        }
      }
      const n = this.unitLength(chunk, off, end - off, this.chunkBase + off);
      if (n === ERR) {
        break;
      }
      if (n < 0 || off + n > end) {
        this.startCarry(chunk, off, end, n);
        break;
      }
      this.consume(chunk, off, n, this.chunkBase + off);
      off += n;
    }
    this.chunkBase += chunk.length;
  }

  /**
   * the summary of what was fed; `interrupted`: the reader stopped on purpose (SIGINT/SIGTERM) between
   * two chunks, so a unit cut at that point is ours, not the file's: dropped without a truncation error
   */
  end(opts: { interrupted?: boolean } = {}): ReaderSummary {
    if (opts.interrupted === true && this.error === undefined) {
      if (this.bytes === 0) this.fail('E_CAPTURE_FORMAT', 'stopped before any capture data was read', 0, false);
      this.bytes -= this.carryLen;
      this.carryLen = 0;
    }
    if (this.error === undefined && this.carryLen > 0) {
      const what = this.fmt === Fmt.Pcapng ? 'block' : this.fmt === Fmt.Pcap && this.headerDone ? 'record' : 'file header';
      this.fail('E_CAPTURE_TRUNCATED', `file ends inside a ${what} (${this.carryLen} bytes of it present)`, this.carryOffset, true);
    } else if (this.error === undefined && this.bytes === 0) {
      this.fail('E_CAPTURE_FORMAT', 'empty file: not a pcap or pcapng capture', 0, false);
    }
    this.carry = Buffer.alloc(0);
    this.carryLen = 0;
    const s: ReaderSummary = {
      file: this.fileName,
      format: this.fmt === Fmt.Pcap ? 'pcap' : this.fmt === Fmt.Pcapng ? 'pcapng' : 'unknown',
      records: this.records,
      bytes: this.bytes,
      linkTypes: [...this.linkTypes].sort((a, b) => a - b),
      oversized: this.oversized,
    };
    if (this.error !== undefined) {
      s.error = this.error;
    }
    return s;
  }

  /** append the chunk's first bytes to the carried unit; returns the chunk offset after it, or -1 */
  private completeCarry(chunk: Buffer): number {
    let off = 0;
    for (;;) {
      const n = this.unitLength(this.carry, 0, this.carryLen, this.carryOffset);
      if (n === ERR) {
        return -1;
      }
      const target = n < 0 ? -n : n;
      const take = Math.min(target - this.carryLen, chunk.length - off);
      this.ensureCarry(target);
      chunk.copy(this.carry, this.carryLen, off, off + take);
      this.carryLen += take;
      off += take;
      if (this.carryLen < target) {
        return -1;
      }
      if (n > 0) {
        this.carryLen = 0;
        this.consume(this.carry, 0, n, this.carryOffset);
        return this.error === undefined ? off : -1;
      }
    }
  }

  private startCarry(chunk: Buffer, off: number, end: number, n: number): void {
    const len = end - off;
    this.ensureCarry(Math.max(len, n < 0 ? -n : n));
    chunk.copy(this.carry, 0, off, end);
    this.carryLen = len;
    this.carryOffset = this.chunkBase + off;
  }

  /** the carry buffer holds at most one unit (bounded by MAX_RECORD_BYTES + headers) */
  private ensureCarry(size: number): void {
    if (this.carry.length < size) {
      const next = Buffer.allocUnsafe(Math.max(size, Math.min(2 * this.carry.length, size + 65536)));
      this.carry.copy(next, 0, 0, this.carryLen);
      this.carry = next;
    }
  }

  /**
   * Length of the unit at buf[off..off+avail): > 0 its full length; < 0 minus the number of bytes
   * needed before the length is known; ERR after recording an error.
   */
  private unitLength(buf: Buffer, off: number, avail: number, fileOff: number): number {
    if (this.fmt === Fmt.Unknown) {
      if (avail < 4) {
        return -4;
      }
      if (!this.detect(buf.readUInt32BE(off), fileOff)) {
        return ERR;
      }
    }
    if (this.fmt === Fmt.Pcap) {
      return this.pcapUnitLength(buf, off, avail, fileOff);
    }
    const n = this.section.blockLength(buf, off, avail);
    if (n === 0) {
      this.fail('E_CAPTURE_CORRUPT', this.section.errorMessage, fileOff + this.section.errorOffset, false);
      return ERR;
    }
    return n;
  }

  private detect(magic: number, fileOff: number): boolean {
    if (magic === PCAP_MAGIC_US || magic === PCAP_MAGIC_NS) {
      this.fmt = Fmt.Pcap;
      this.le = false;
    } else if (magic === PCAP_MAGIC_US_SWAPPED || magic === PCAP_MAGIC_NS_SWAPPED) {
      this.fmt = Fmt.Pcap;
      this.le = true;
    } else if (magic === PCAPNG_SHB) {
      this.fmt = Fmt.Pcapng;
      return true;
    } else {
      const hex = magic.toString(16).padStart(8, '0');
      this.fail('E_CAPTURE_FORMAT', `unknown magic number 0x${hex}: not a pcap or pcapng capture`, fileOff, false);
      return false;
    }
    this.nsec = magic === PCAP_MAGIC_NS || magic === PCAP_MAGIC_NS_SWAPPED;
    return true;
  }

  private pcapUnitLength(buf: Buffer, off: number, avail: number, fileOff: number): number {
    if (!this.headerDone) {
      return PCAP_FILE_HEADER;
    }
    if (avail < PCAP_RECORD_HEADER) {
      return -PCAP_RECORD_HEADER;
    }
    const capLen = this.le ? buf.readUInt32LE(off + 8) : buf.readUInt32BE(off + 8);
    if (capLen > MAX_RECORD_BYTES) {
      this.fail('E_CAPTURE_CORRUPT', `record announces ${capLen} captured bytes (limit ${MAX_RECORD_BYTES})`, fileOff, true);
      return ERR;
    }
    return PCAP_RECORD_HEADER + capLen;
  }

  private consume(buf: Buffer, off: number, len: number, fileOff: number): void {
    if (this.fmt === Fmt.Pcap) {
      if (!this.headerDone) {
        this.pcapHeader(buf, off);
      } else {
        this.pcapRecord(buf, off, len, fileOff);
      }
      return;
    }
    const s = this.section;
    const kind = s.parseBlock(buf, off, len);
    if (kind === BLOCK_OTHER) {
      return;
    }
    if (kind !== BLOCK_PACKET) {
      this.fail('E_CAPTURE_CORRUPT', s.errorMessage, fileOff + s.errorOffset, kind === BLOCK_PACKET_ERROR);
      return;
    }
    const rec = this.rec;
    rec.linkType = s.linkType;
    rec.interfaceId = s.interfaceId;
    rec.tsSec = s.tsSec;
    rec.tsNsec = s.tsNsec;
    rec.capLen = s.capLen;
    rec.origLen = s.origLen;
    this.deliver(buf, s.dataStart, s.capLen, fileOff, s.snapLen);
  }

  /**
   * The fast path of classic pcap: every record lying wholly in buf[off..end), in place, with numbers
   * only. Returns the offset of the first record it left (partial, or with an impossible length) for
   * the general loop to carry or report.
   */
  private walkPcap(buf: Buffer, off: number, end: number): number {
    const rec = this.rec;
    const le = this.le;
    const nsMul = this.nsec ? 1 : 1000;
    const snap = this.snapLen;
    const linkType = this.pcapLinkType;
    const base = this.chunkBase;
    let noted = this.linkTypes.has(linkType);
    const taker = this.runTaker;
    const layout = this.layout;
    if (taker !== null) {
      layout.le = le;
      layout.nsMul = nsMul;
      layout.snapLen = snap;
      layout.linkType = linkType;
    }
    while (end - off >= PCAP_RECORD_HEADER) {
      if (taker !== null && noted) {
        const after = taker.take(buf, off, end, layout, this.records + 1);
        if (after !== off) {
          this.records += taker.taken;
          off = after;
          continue;
        }
      }
      const capLen = le ? u32le(buf, off + 8) : u32be(buf, off + 8);
      const next = off + PCAP_RECORD_HEADER + capLen;
      if (capLen > MAX_RECORD_BYTES || next > end) {
        break;
      }
      rec.tsSec = le ? u32le(buf, off) : u32be(buf, off);
      rec.tsNsec = (le ? u32le(buf, off + 4) : u32be(buf, off + 4)) * nsMul;
      rec.capLen = capLen;
      rec.origLen = le ? u32le(buf, off + 12) : u32be(buf, off + 12);
      rec.linkType = linkType;
      rec.interfaceId = 0;
      if (snap > 0 && capLen > snap) {
        this.oversized++;
      }
      if (!noted) {
        this.linkTypes.add(linkType);
        noted = true;
      }
      rec.num = ++this.records;
      rec.fileOffset = base + off;
      rec.setBytes(buf, off + PCAP_RECORD_HEADER);
      this.onRecord(rec);
      off = next;
    }
    return off;
  }

  private pcapHeader(buf: Buffer, off: number): void {
    this.headerDone = true;
    this.snapLen = this.le ? buf.readUInt32LE(off + 16) : buf.readUInt32BE(off + 16);
    this.pcapLinkType = linkTypeOf(this.le ? buf.readUInt32LE(off + 20) : buf.readUInt32BE(off + 20));
  }

  private pcapRecord(buf: Buffer, off: number, len: number, fileOff: number): void {
    const rec = this.rec;
    const le = this.le;
    rec.tsSec = le ? buf.readUInt32LE(off) : buf.readUInt32BE(off);
    const frac = le ? buf.readUInt32LE(off + 4) : buf.readUInt32BE(off + 4);
    rec.tsNsec = this.nsec ? frac : frac * 1000;
    rec.capLen = len - PCAP_RECORD_HEADER;
    rec.origLen = le ? buf.readUInt32LE(off + 12) : buf.readUInt32BE(off + 12);
    rec.linkType = this.pcapLinkType;
    rec.interfaceId = 0;
    this.deliver(buf, off + PCAP_RECORD_HEADER, rec.capLen, fileOff, this.snapLen);
  }

  private deliver(buf: Buffer, start: number, capLen: number, fileOff: number, snapLen: number): void {
    const rec = this.rec;
    if (snapLen > 0 && capLen > snapLen) {
      this.oversized++;
    }
    this.records++;
    rec.num = this.records;
    rec.fileOffset = fileOff;
    rec.setBytes(buf, start);
    if (!this.linkTypes.has(rec.linkType)) {
      this.linkTypes.add(rec.linkType);
    }
    this.onRecord(rec);
  }

  private fail(code: ErrorCode, message: string, offset: number, namePacket: boolean): void {
    const place = namePacket
      ? { file: this.fileName, packet: this.records + 1, offset }
      : { file: this.fileName, offset };
    this.error = new VoipreadyError(code, message, place);
  }
}

/** little- and big-endian uint32 at buf[off..off+4) (the caller checked the bounds) */
function u32le(buf: Buffer, off: number): number {
  return (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
}

function u32be(buf: Buffer, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

/**
 * The on-disk mirror of the sample queue, under --state-dir, so a restart keeps what the centre has
 * not received yet. Append-only segment files of records plus a small cursor file:
 *
 *   record := magic u32 "VRW1" | length u32 | crc32 u32 | seq f64 | payload[length]
 *             (little endian; crc32 over seq + payload; payload = snappy(WriteRequest) of one snapshot)
 *   cursor.json := { "version": 1, "next": { <target key>: <seq of the next snapshot to send> } }
 *
 * Records are buffered and written + fsync'ed on a timer (the writer's), so the analysis never
 * waits for the disk. A record cut short by kill -9, or damaged, fails the length or CRC check and
 * is skipped with a log line; reading goes on with the next segment. Segments whose records every
 * target has sent are deleted. Target keys are hashes of the URL: no credentials on disk.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { snapshotsToSeries, seriesToSnapshot } from './batch.js';
import { compressBody, decodeWriteRequest, encodeWriteRequest, uncompressBody } from './proto.js';
import type { SeriesTable } from './series-table.js';
import type { Snapshot } from './snapshot.js';

const MAGIC = 0x31575256; // "VRW1" read as little-endian u32
const HEADER = 20;
const SEGMENT_BYTES = 4 * 1024 * 1024;
const SEGMENT_RE = /^(\d{12})\.seg$/;

export function targetKey(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 16);
}

export interface Restored {
  snapshots: Snapshot[];
  /** per target key: seq of the next snapshot to send (absent for targets new to this state dir) */
  next: Record<string, number>;
  /** seq to give the next new snapshot */
  nextSeq: number;
}

interface Segment {
  num: number;
  lastSeq: number;
}

export class DiskQueue {
  private readonly segments: Segment[] = [];
  private fd: number | null = null;
  private current: Segment | null = null;
  private currentBytes = 0;
  private pending: Buffer[] = [];
  private cursorText = '';

  private constructor(
    readonly dir: string,
    private readonly log: (line: string) => void,
  ) {}

  /** open (creating) the directory and read back what a previous run left */
  static open(dir: string, table: SeriesTable, log: (line: string) => void): { disk: DiskQueue; restored: Restored } {
    mkdirSync(dir, { recursive: true });
    const disk = new DiskQueue(dir, log);
    const next = disk.readCursor();
    const floor = Object.values(next).length > 0 ? Math.min(...Object.values(next)) : 0;
    const snapshots: Snapshot[] = [];
    let nextSeq = 0;
    for (const name of readdirSync(dir).filter((n) => SEGMENT_RE.test(n)).sort()) {
      const seg: Segment = { num: Number(SEGMENT_RE.exec(name)?.[1]), lastSeq: -1 };
      for (const rec of disk.readSegment(name)) {
        seg.lastSeq = rec.seq;
        nextSeq = Math.max(nextSeq, rec.seq + 1);
        if (rec.seq < floor || (snapshots.length > 0 && rec.seq <= (snapshots[snapshots.length - 1] as Snapshot).seq)) continue;
        const snap = decodeRecord(rec.payload, table, rec.seq);
        if (snap === null) log(`remote_write: ${join(dir, name)}: record ${rec.seq} does not decode; skipped`);
        else snapshots.push(snap);
      }
      disk.segments.push(seg);
    }
    nextSeq = Math.max(nextSeq, ...Object.values(next), 0);
    return { disk, restored: { snapshots, next, nextSeq } };
  }

  /** queue a snapshot for the next flush() */
  append(s: Snapshot, table: SeriesTable): void {
    const payload = compressBody(encodeWriteRequest(snapshotsToSeries([s], table)));
    const rec = Buffer.allocUnsafe(HEADER + payload.length);
    rec.writeUInt32LE(MAGIC, 0);
    rec.writeUInt32LE(payload.length, 4);
    rec.writeDoubleLE(s.seq, 12);
    payload.copy(rec, HEADER);
    rec.writeUInt32LE(crc32(rec.subarray(12)), 8);
    this.pending.push(rec);
  }

  /** write the buffered records and the cursor, fsync; forget segments every target is past */
  flush(next: Record<string, number>): void {
    if (this.pending.length > 0) this.writePending();
    const minNext = Math.min(...Object.values(next));
    const text = JSON.stringify({ version: 1, next });
    if (text !== this.cursorText) {
      const tmp = join(this.dir, 'cursor.json.tmp');
      writeFileSync(tmp, text);
      renameSync(tmp, join(this.dir, 'cursor.json'));
      this.cursorText = text;
    }
    this.deleteSentSegments(minNext);
  }

  close(next: Record<string, number>): void {
    this.flush(next);
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** close without writing anything more: what kill -9 leaves behind (for tests) */
  abandon(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    this.pending = [];
  }

  private writePending(): void {
    for (const rec of this.pending) {
      if (this.fd === null || this.currentBytes >= SEGMENT_BYTES) this.rotate();
      writeSync(this.fd as number, rec);
      this.currentBytes += rec.length;
      (this.current as Segment).lastSeq = rec.readDoubleLE(12);
    }
    this.pending = [];
    fsyncSync(this.fd as number);
  }

  private rotate(): void {
    if (this.fd !== null) {
      fsyncSync(this.fd);
      closeSync(this.fd);
    }
    const num = (this.segments[this.segments.length - 1]?.num ?? 0) + 1;
    this.fd = openSync(join(this.dir, segmentName(num)), 'a');
    this.current = { num, lastSeq: -1 };
    this.currentBytes = 0;
    this.segments.push(this.current);
  }

  private deleteSentSegments(minNext: number): void {
    while (this.segments.length > 0) {
      const seg = this.segments[0] as Segment;
      if (seg === this.current || seg.lastSeq >= minNext) break;
      this.segments.shift();
      try {
        unlinkSync(join(this.dir, segmentName(seg.num)));
      } catch {
        // already gone: nothing to do
      }
    }
  }

  private readCursor(): Record<string, number> {
    let text: string;
    try {
      text = readFileSync(join(this.dir, 'cursor.json'), 'utf8');
    } catch {
      return {};
    }
    try {
      const parsed = JSON.parse(text) as { next?: Record<string, unknown> };
      const out: Record<string, number> = {};
      for (const [k, v] of Object.entries(parsed.next ?? {})) {
        if (typeof v === 'number' && Number.isInteger(v) && v >= 0) out[k] = v;
      }
      this.cursorText = text;
      return out;
    } catch {
      this.log(`remote_write: ${join(this.dir, 'cursor.json')} is damaged; resending everything queued on disk`);
      return {};
    }
  }

  private *readSegment(name: string): Iterable<{ seq: number; payload: Buffer }> {
    const buf = readFileSync(join(this.dir, name));
    let off = 0;
    while (off < buf.length) {
      const problem = checkRecord(buf, off);
      if (problem !== null) {
        this.log(`remote_write: ${join(this.dir, name)}: ${problem} at byte ${off}; skipped the last ${buf.length - off} bytes (a write cut short)`);
        return;
      }
      const len = buf.readUInt32LE(off + 4);
      yield { seq: buf.readDoubleLE(off + 12), payload: buf.subarray(off + HEADER, off + HEADER + len) };
      off += HEADER + len;
    }
  }
}

function decodeRecord(payload: Buffer, table: SeriesTable, seq: number): Snapshot | null {
  try {
    return seriesToSnapshot(decodeWriteRequest(uncompressBody(payload)), table, seq);
  } catch {
    return null;
  }
}

/** null when a whole, intact record starts at `off` */
function checkRecord(buf: Buffer, off: number): string | null {
  if (buf.length - off < HEADER) return 'partial record header';
  if (buf.readUInt32LE(off) !== MAGIC) return 'no record magic';
  const len = buf.readUInt32LE(off + 4);
  if (len > buf.length - off - HEADER) return `record announces ${len} bytes but the file ends first`;
  if (crc32(buf.subarray(off + 12, off + HEADER + len)) !== buf.readUInt32LE(off + 8)) return 'record checksum mismatch';
  const seq = buf.readDoubleLE(off + 12);
  if (!Number.isInteger(seq) || seq < 0) return 'record has an invalid sequence number';
  return null;
}

function segmentName(num: number): string {
  return `${String(num).padStart(12, '0')}.seg`;
}

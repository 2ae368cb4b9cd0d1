/**
 * The recorder: what voipready saw, written as pcapng (`--record`), so that any call or incident can
 * be analysed again with `analyze`. Two feeds: frames as captured (their link type and bytes, one
 * interface per link type and capture interface) and datagrams of the datagram entry (the proxy,
 * HEP), written as raw IP packets (LINKTYPE_RAW) on one interface per source label
 * ("proxy:a-leg" ...). Timestamps in nanoseconds.
 *
 * Bounded and never in the way: blocks are assembled into a chunk, chunks are written by an
 * AsyncFile with at most maxPendingBytes queued; a record that would exceed that (a slow disk) is
 * dropped and counted. The first disk error is reported once, with the file named; after it the
 * file's records are dropped (a series tries again with its next file). Rotation: see rotation.ts.
 */
import { readdir, unlink } from 'node:fs';
import { basename, join } from 'node:path';
import { writeIpPacket } from '../../encode/ip-packet.js';
import { epbBytes, idbBytes, SHB_BYTES, writeEpbFrame, writeIdb, writeShb, type IdbSpec } from '../../encode/pcapng.js';
import type { Datagram } from '../../pipeline/datagram.js';
import { AsyncFile } from './async-file.js';
import { DatagramPackets, MAX_SEGMENT } from './datagram-packet.js';
import { seriesFileName, seriesMembers, toDelete, type RecordTarget, type RotationPolicy } from './rotation.js';

export const LINKTYPE_RAW = 101;
const SNAPLEN = 262144;
/** interfaces per recording (one per link type and capture interface, or source label): bounded */
const MAX_INTERFACES = 256;

export interface RecorderOptions {
  target: RecordTarget;
  policy: RotationPolicy;
  /** bytes queued for the disk beyond which records are dropped (default 16 MiB) */
  maxPendingBytes?: number;
  /** chunk handed to the disk at a time (default 256 KiB) */
  chunkBytes?: number;
  /** a partly filled chunk goes to the disk after this long (default 200 ms), so files follow live */
  flushMs?: number;
  /** wall clock (tests) */
  now?: () => number;
  /** a problem to tell the user (first disk error, deletion failure): once per kind */
  onError(message: string): void;
  /** a file was started (for logs and tests) */
  onFile?(path: string): void;
}

export interface RecorderStats {
  records: number;
  dropped: number;
  files: number;
  errors: number;
}

export class PcapngRecorder {
  readonly stats: RecorderStats = { records: 0, dropped: 0, files: 0, errors: 0 };
  private readonly ifaces: IdbSpec[] = [];
  private readonly ifaceOf = new Map<string, number>();
  private readonly packets = new DatagramPackets();
  private readonly maxPending: number;
  private readonly chunkBytes: number;
  private readonly now: () => number;
  private file: AsyncFile | null = null;
  private fileBytes = 0;
  private fileRecords = 0;
  private openedAt = 0;
  private chunk: Buffer;
  private used = 0;
  /** files closing and deletions under way (each leaves the set when done: bounded over weeks) */
  private readonly closing = new Set<Promise<void>>();
  private readonly timer: NodeJS.Timeout;
  private readonly reported = new Set<string>();
  private lastMs = -1;
  private lastLinkType = -1;
  private lastIfName = '';
  private lastIface = -1;
  private chunkRecords = 0;
  private sameMs = 0;
  private ended = false;

  constructor(private readonly opts: RecorderOptions) {
    this.maxPending = opts.maxPendingBytes ?? 16 << 20;
    this.chunkBytes = opts.chunkBytes ?? 256 << 10;
    this.now = opts.now ?? Date.now;
    this.chunk = Buffer.allocUnsafe(this.chunkBytes);
    this.timer = setInterval(() => this.tick(), opts.flushMs ?? 200);
    this.timer.unref();
  }

  /** a frame as captured: `name` is its capture interface ("eth0", "stdin#0") */
  frame(linkType: number, name: string, tsSec: number, tsNsec: number, data: Uint8Array, origLen: number): void {
    const iface = this.interfaceFor(linkType, name);
    if (iface < 0) return;
    const capLen = Math.min(data.length, SNAPLEN);
    const at = this.reserve(epbBytes(capLen));
    if (at < 0) return;
    const dataAt = writeEpbFrame(this.chunk, at, iface, tsSec, tsNsec, capLen, Math.max(origLen, capLen));
    this.chunk.set(capLen === data.length ? data : data.subarray(0, capLen), dataAt);
  }

  /** a datagram of the datagram entry, as the raw IP packet that carried it (labelled by d.source) */
  datagram(d: Datagram): void {
    const payloadLength = DatagramPackets.payloadLengthOf(d);
    const spec = this.packets.spec(d, payloadLength);
    if (spec === null) {
      this.stats.dropped++;
      return;
    }
    const iface = this.interfaceFor(LINKTYPE_RAW, d.source);
    if (iface < 0) return;
    const headers = (spec.src.length === 4 ? 20 : 40) + (spec.proto === 6 ? 20 : 8);
    if (spec.proto === 17) {
      this.writePacket(iface, d, spec, headers, d.payload);
      return;
    }
    // TCP: segments of at most MAX_SEGMENT bytes, the sequence number advancing by each
    for (let off = 0; off < d.payload.length || off === 0; off += MAX_SEGMENT) {
      const seg = d.payload.subarray(off, Math.min(d.payload.length, off + MAX_SEGMENT));
      spec.payloadLength = seg.length;
      this.writePacket(iface, d, spec, headers, seg);
      this.packets.advance(d, spec, seg.length);
      if (d.payload.length === 0) break;
    }
  }

  /** everything written and every file closed; the recorder takes nothing more */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.timer);
    this.closeFile();
    while (this.closing.size > 0) await Promise.all([...this.closing]);
  }

  private writePacket(iface: number, d: Datagram, spec: Parameters<typeof writeIpPacket>[2], headers: number, payload: Uint8Array): void {
    const capLen = headers + payload.length;
    const at = this.reserve(epbBytes(capLen));
    if (at < 0) return;
    const dataAt = writeEpbFrame(this.chunk, at, iface, d.tsSec, d.tsNsec, capLen, headers + spec.payloadLength);
    writeIpPacket(this.chunk, dataAt, spec, payload);
  }

  private interfaceFor(linkType: number, name: string): number {
    // consecutive packets mostly share their interface: no key string built for them
    if (linkType === this.lastLinkType && name === this.lastIfName) return this.lastIface;
    const i = this.lookupInterface(linkType, name);
    if (i >= 0) {
      this.lastLinkType = linkType;
      this.lastIfName = name;
      this.lastIface = i;
    }
    return i;
  }

  private lookupInterface(linkType: number, name: string): number {
    const key = `${linkType}|${name}`;
    let i = this.ifaceOf.get(key);
    if (i !== undefined) return i;
    if (this.ifaces.length >= MAX_INTERFACES) {
      this.stats.dropped++;
      return -1;
    }
    const spec: IdbSpec = { linkType, snapLen: SNAPLEN, name };
    i = this.ifaces.length;
    this.ifaces.push(spec);
    this.ifaceOf.set(key, i);
    // a file already started gets the new interface now (IDBs may come anywhere before their use)
    if (this.file !== null) {
      const at = this.room(idbBytes(spec));
      writeIdb(this.chunk, at, spec);
      this.fileBytes += idbBytes(spec);
    }
    return i;
  }

  /** room for one EPB of `size` bytes in the chunk, rotating first when due; -1: dropped */
  private reserve(size: number): number {
    if (this.ended) {
      this.stats.dropped++;
      return -1;
    }
    if (this.file !== null && this.rotationDue(size)) this.closeFile();
    if (this.file === null) this.openFile();
    const file = this.file!;
    if (file.dead || file.pendingBytes + this.used + size > this.maxPending) {
      this.stats.dropped++;
      return -1;
    }
    const at = this.room(size);
    this.fileBytes += size;
    this.fileRecords++;
    this.chunkRecords++;
    this.stats.records++;
    return at;
  }

  private rotationDue(size: number): boolean {
    if (this.fileRecords === 0 || this.opts.target.file !== null) return false;
    const p = this.opts.policy;
    if (p.maxBytes !== null && this.fileBytes + size > p.maxBytes) return true;
    return p.maxAgeMs !== null && this.now() - this.openedAt >= p.maxAgeMs;
  }

  /** `size` contiguous bytes at the end of the chunk (a full chunk goes to the file first) */
  private room(size: number): number {
    if (this.used + size > this.chunk.length) {
      this.handOff();
      if (size > this.chunk.length) this.chunk = Buffer.allocUnsafe(size);
    }
    const at = this.used;
    this.used += size;
    return at;
  }

  /** the filled part of the chunk to the file (kept by it until written), a fresh chunk here */
  private handOff(): void {
    if (this.used === 0) return;
    const filled = this.chunk.subarray(0, this.used);
    this.chunk = Buffer.allocUnsafe(this.chunkBytes);
    this.used = 0;
    const n = this.chunkRecords;
    this.chunkRecords = 0;
    if (this.file !== null && !this.file.write(filled, n)) {
      // the file died meanwhile: what the chunk held is lost
      this.stats.records -= n;
      this.stats.dropped += n;
    }
  }

  private tick(): void {
    if (this.file !== null && this.rotationDue(0)) this.closeFile();
    this.handOff();
  }

  private openFile(): void {
    const path = this.nextPath();
    this.file = new AsyncFile(path, { maxPending: this.maxPending, onError: (err, lost) => {
      this.stats.records -= lost;
      this.stats.dropped += lost;
      this.diskError(path, err);
    } });
    this.stats.files++;
    this.fileBytes = 0;
    this.fileRecords = 0;
    this.openedAt = this.now();
    writeShb(this.chunk, this.room(SHB_BYTES));
    for (const spec of this.ifaces) writeIdb(this.chunk, this.room(idbBytes(spec)), spec);
    this.opts.onFile?.(path);
    if (this.opts.target.file === null && this.opts.policy.keep !== null) this.prune(basename(path));
  }

  private closeFile(): void {
    const file = this.file;
    if (file === null) return;
    this.handOff();
    this.file = null;
    this.track(file.close());
  }

  private nextPath(): string {
    const t = this.opts.target;
    if (t.file !== null) return t.file;
    const ms = this.now();
    // files started in the same millisecond (tiny sizes) are told apart by a counter
    this.sameMs = ms === this.lastMs ? this.sameMs + 1 : 0;
    this.lastMs = ms;
    return seriesFileName(t, ms, this.sameMs);
  }

  /** delete the oldest files of the series beyond `keep` (the file just started counts); close() waits for it */
  private prune(current: string): void {
    const t = this.opts.target;
    this.track(new Promise<void>((resolve) => {
      readdir(t.dir, (err, names) => {
        if (err !== null) {
          this.report('prune', `--record: cannot list ${t.dir} to keep ${this.opts.policy.keep} files: ${err.message}`);
          resolve();
          return;
        }
        const members = seriesMembers(t, names.includes(current) ? names : [...names, current]);
        const old = toDelete(members, this.opts.policy.keep).filter((n) => n !== current);
        let left = old.length;
        if (left === 0) resolve();
        for (const name of old) {
          unlink(join(t.dir, name), (e) => {
            if (e !== null && e.code !== 'ENOENT') this.report('prune', `--record: cannot delete ${join(t.dir, name)}: ${e.message}`);
            if (--left === 0) resolve();
          });
        }
      });
    }));
  }

  private track(p: Promise<void>): void {
    this.closing.add(p);
    void p.then(() => this.closing.delete(p));
  }

  private diskError(path: string, err: NodeJS.ErrnoException): void {
    this.report('disk', `--record: cannot write ${path}: ${err.message}; records are dropped${this.opts.target.file === null ? ' until the next file' : ''}`);
  }

  private report(kind: string, message: string): void {
    this.stats.errors++;
    if (this.reported.has(kind)) return;
    this.reported.add(kind);
    this.opts.onError(message);
  }
}

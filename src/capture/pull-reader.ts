/**
 * A pull reader: the records of a capture file one at a time, on demand, so that two files can be
 * read side by side (two-point matching merges them by time). Reads one chunk (1 MiB) when its
 * queue is empty; `map` turns each record (valid only during the call) into the small value kept,
 * so at most one chunk's worth of values is held.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { VoipreadyError } from '../errors.js';
import { CaptureParser, type ReaderSummary } from './capture-parser.js';
import { DEFAULT_CHUNK_SIZE } from './file-source.js';
import type { CaptureRecord } from './record.js';

export class PullReader<T> {
  private readonly fd: number;
  private readonly parser: CaptureParser;
  private readonly buf: Buffer;
  private queue: T[] = [];
  private head = 0;
  private done = false;
  private result: ReaderSummary | null = null;

  /** throws E_FILE_OPEN when the file cannot be opened */
  constructor(readonly path: string, map: (rec: CaptureRecord) => T, chunkSize = DEFAULT_CHUNK_SIZE) {
    try {
      this.fd = openSync(path, 'r');
    } catch (e) {
      throw new VoipreadyError('E_FILE_OPEN', `cannot open: ${(e as Error).message}`, { file: path });
    }
    this.buf = Buffer.allocUnsafe(chunkSize);
    this.parser = new CaptureParser(path, (rec) => this.queue.push(map(rec)));
  }

  /** the next value without taking it; undefined at the end of the file (or where reading stopped) */
  peek(): T | undefined {
    while (this.head >= this.queue.length && !this.done) this.fill();
    return this.queue[this.head];
  }

  next(): T | undefined {
    const v = this.peek();
    if (v !== undefined) this.head++;
    return v;
  }

  /** the reader's summary (records, format, the error that stopped it); closes the file */
  summary(): ReaderSummary {
    if (this.result === null) {
      if (!this.done) {
        this.done = true;
        closeSync(this.fd);
      }
      this.result = this.parser.end();
    }
    return this.result;
  }

  private fill(): void {
    this.queue = [];
    this.head = 0;
    const n = readSync(this.fd, this.buf, 0, this.buf.length, null);
    if (n > 0) this.parser.feed(n === this.buf.length ? this.buf : this.buf.subarray(0, n));
    if (n <= 0 || this.parser.failed) {
      this.done = true;
      closeSync(this.fd);
    }
  }
}

/**
 * A file written asynchronously from a bounded queue of chunks, so that recording never blocks the
 * relay or the analysis: write() only queues (false when the queue already holds maxPending bytes:
 * the caller drops and counts), one fs.write is in flight at a time, and the first error (open or
 * write: ENOENT, EACCES, ENOSPC ...) is handed to onError once, after which everything is dropped and
 * the queue is released. Nothing here throws at the caller.
 */
import { close, open, write } from 'node:fs';

export interface AsyncFileOptions {
  /** bytes queued (not yet written) beyond which write() refuses */
  maxPending: number;
  /** the first failure, once, with the records the chunks still queued held (lost); the file is then dead */
  onError(err: NodeJS.ErrnoException, lostRecords: number): void;
}

export class AsyncFile {
  private fd: number | null = null;
  private readonly queue: Array<{ chunk: Buffer; records: number }> = [];
  private pending = 0;
  private writing = false;
  private failed = false;
  private closing: (() => void) | null = null;
  private closed: Promise<void> | null = null;
  /** bytes the file has received (written by the kernel) */
  written = 0;

  constructor(readonly path: string, private readonly opts: AsyncFileOptions) {
    open(path, 'w', (err, fd) => {
      if (err !== null) {
        this.fail(err);
        return;
      }
      this.fd = fd;
      this.pump();
    });
  }

  /** bytes waiting to be written */
  get pendingBytes(): number {
    return this.pending;
  }

  get dead(): boolean {
    return this.failed;
  }

  /** queue a chunk holding `records` records (kept by reference: the caller must not reuse it); false: refused (full or dead) */
  write(chunk: Buffer, records: number): boolean {
    if (this.failed || this.closed !== null) return false;
    if (this.pending + chunk.length > this.opts.maxPending) return false;
    this.queue.push({ chunk, records });
    this.pending += chunk.length;
    this.pump();
    return true;
  }

  /** write what is queued, then close; resolves when done (or failed) */
  close(): Promise<void> {
    if (this.closed === null) {
      this.closed = new Promise<void>((resolve) => (this.closing = resolve));
      this.pump();
    }
    return this.closed;
  }

  private pump(): void {
    if (this.writing || (this.fd === null && !this.failed)) return;
    if (this.failed) {
      this.finish();
      return;
    }
    const head = this.queue[0];
    if (head === undefined) {
      if (this.closing !== null) this.finish();
      return;
    }
    const chunk = head.chunk;
    this.writing = true;
    write(this.fd!, chunk, 0, chunk.length, null, (err, n) => {
      this.writing = false;
      if (err !== null) {
        this.fail(err);
        return;
      }
      this.written += n;
      if (n < chunk.length) {
        head.chunk = chunk.subarray(n);
      } else {
        this.queue.shift();
      }
      this.pending -= n;
      this.pump();
    });
  }

  private fail(err: NodeJS.ErrnoException): void {
    if (!this.failed) {
      this.failed = true;
      const lost = this.queue.reduce((n, q) => n + q.records, 0);
      this.queue.length = 0;
      this.pending = 0;
      this.opts.onError(err, lost);
    }
    this.finish();
  }

  private finish(): void {
    const done = this.closing;
    if (done === null) return;
    this.closing = null;
    const fd = this.fd;
    this.fd = null;
    if (fd === null) {
      done();
      return;
    }
    close(fd, () => done());
  }
}

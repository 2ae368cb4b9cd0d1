import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * Buffered, streaming output to a file descriptor through ONE reused buffer, so a capture of
 * millions of frames is written with flat memory.
 */
export class ByteSink {
  readonly buf: Buffer;
  private used = 0;
  private written = 0;
  private readonly fd: number;

  constructor(path: string, bufferSize = 1 << 20) {
    this.fd = openSync(path, 'w');
    this.buf = Buffer.allocUnsafe(bufferSize);
  }

  /** bytes handed to the sink so far (flushed or not) */
  get bytes(): number {
    return this.written + this.used;
  }

  /** room for `n` contiguous bytes at the returned offset of `buf` (flushes first if needed) */
  reserve(n: number): number {
    if (this.used + n > this.buf.length) this.flush();
    if (n > this.buf.length) throw new Error(`record of ${n} bytes exceeds the ${this.buf.length}-byte buffer`);
    const at = this.used;
    this.used += n;
    return at;
  }

  flush(): void {
    let off = 0;
    while (off < this.used) off += writeSync(this.fd, this.buf, off, this.used - off);
    this.written += this.used;
    this.used = 0;
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** 4-byte alignment padding (pcapng blocks) */
export function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

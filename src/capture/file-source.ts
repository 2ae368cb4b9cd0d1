/**
 * Capture sources: a file read synchronously through one reused 1 MiB buffer (the fast path: no
 * promise or stream machinery per chunk, memory flat whatever the file size), a readable stream
 * (stdin "-", pipes), and an async iterator of record copies for replay pacing.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { VoipreadyError } from '../errors.js';
import { CaptureParser, type ReaderSummary } from './capture-parser.js';
import { copyRecord, type CaptureRecord, type PcapRunTaker, type RecordListener } from './record.js';

/**
 * 1 MiB: small enough that a chunk read() into the buffer is still in the CPU cache (L2 is 1-2 MiB
 * per core on the machines we measured) when the walk reaches its records; 8 MiB chunks made the
 * record walk alone twice as slow (test/bench/hotpath.bench.mjs), and the syscall count is still small.
 */
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;

export interface ReadOptions {
  chunkSize?: number;
  /** read into this buffer instead of a new one (the WebAssembly fast path decodes records where they were read) */
  buffer?: Buffer;
  /** takes runs of pcap records and pcapng packet blocks from the chunk itself (the fast path); the others go to onRecord */
  pcapRuns?: PcapRunTaker;
  /** called after each chunk with the bytes read so far and the file size */
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/**
 * Read a capture file, calling onRecord for every frame (the record and its data are reused:
 * copy what must outlive the call). Never throws for unreadable or bad files: the summary's
 * `error` says what stopped the read (E_FILE_OPEN, E_CAPTURE_*), after all good records.
 * Exceptions thrown by onRecord itself propagate (after the file is closed).
 */
export function readCaptureFile(path: string, onRecord: RecordListener, opts: ReadOptions = {}): ReaderSummary {
  let fd: number;
  let total: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return openFailure(path, e);
  }
  const parser = new CaptureParser(path, onRecord, opts.pcapRuns);
  try {
    total = fstatSync(fd).size;
    const buf = opts.buffer ?? Buffer.allocUnsafe(Math.max(1, opts.chunkSize ?? DEFAULT_CHUNK_SIZE));
    let read = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) {
        break;
      }
      read += n;
      // the parser keeps no view into buf after feed() returns: reusing buf is safe
      parser.feed(n === buf.length ? buf : buf.subarray(0, n));
      opts.onProgress?.(read, total);
      if (parser.failed) {
        break;
      }
    }
  } catch (e) {
    if (!isFsError(e)) {
      throw e;
    }
    const s = parser.end();
    s.error ??= new VoipreadyError('E_FILE_OPEN', `read failed: ${(e as Error).message}`, { file: path });
    return s;
  } finally {
    closeSync(fd);
  }
  return parser.end();
}

/**
 * Read a capture from a stream (stdin, a pipe); resolves with the summary, never rejects for bad input.
 * With opts.buffer, each piece the stream delivers (64 KiB from a pipe) is copied into that buffer first,
 * so that the fast path (opts.pcapRuns) can decode records where they are, as it does for files.
 */
export function readCaptureStream(stream: NodeJS.ReadableStream, name: string, onRecord: RecordListener, opts: ReadOptions = {}): Promise<ReaderSummary> {
  return new Promise((resolve, reject) => {
    const parser = new CaptureParser(name, onRecord, opts.pcapRuns);
    const into = opts.buffer;
    let settled = false;
    /** streamErr: the stream failed (a read error: reported in the summary); else err is a listener's throw */
    const finish = (err?: unknown, streamErr = false): void => {
      if (settled) {
        return;
      }
      settled = true;
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      if (err !== undefined && !streamErr) {
        reject(err);
        return;
      }
      const s = parser.end();
      if (err !== undefined && s.error === undefined) {
        s.error = new VoipreadyError('E_FILE_OPEN', `read failed: ${(err as Error).message}`, { file: name });
      }
      resolve(s);
    };
    const onData = (chunk: Buffer | string): void => {
      try {
        const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
        if (into === undefined) {
          parser.feed(bytes);
          return;
        }
        // the parser keeps no view into what it was fed once feed() returns: `into` can be reused
        for (let at = 0; at < bytes.length; at += into.length) {
          const n = bytes.copy(into, 0, at, Math.min(bytes.length, at + into.length));
          parser.feed(n === into.length ? into : into.subarray(0, n));
        }
      } catch (e) {
        finish(e);
      }
    };
    const onEnd = (): void => finish();
    const onError = (e: unknown): void => finish(e instanceof Error ? e : new Error(String(e)), true);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

/**
 * The records of a file as independent copies, for replay pacing (not the hot path). Iterate with
 * `for await (const rec of it)`; when the loop ends, `it.summary` holds the ReaderSummary (also the
 * generator's return value). Reads chunk by chunk, so at most one chunk of records is buffered.
 */
export interface CaptureIteration extends AsyncGenerator<CaptureRecord, ReaderSummary, undefined> {
  summary: ReaderSummary | undefined;
}

export function iterateCapture(path: string, opts: { chunkSize?: number } = {}): CaptureIteration {
  const holder: { summary: ReaderSummary | undefined } = { summary: undefined };
  const gen = generate(path, opts.chunkSize ?? 1024 * 1024, holder) as CaptureIteration;
  Object.defineProperty(gen, 'summary', { get: () => holder.summary });
  return gen;
}

async function* generate(path: string, chunkSize: number, holder: { summary: ReaderSummary | undefined }): AsyncGenerator<CaptureRecord, ReaderSummary, undefined> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    holder.summary = openFailure(path, e);
    return holder.summary;
  }
  const pending: CaptureRecord[] = [];
  const parser = new CaptureParser(path, (r) => pending.push(copyRecord(r)));
  const buf = Buffer.allocUnsafe(chunkSize);
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n > 0) {
        parser.feed(buf.subarray(0, n));
      }
      while (pending.length > 0) {
        yield pending.shift() as CaptureRecord;
      }
      if (n <= 0 || parser.failed) {
        break;
      }
    }
  } finally {
    closeSync(fd);
  }
  holder.summary = parser.end();
  return holder.summary;
}

function openFailure(path: string, e: unknown): ReaderSummary {
  const msg = e instanceof Error ? e.message : String(e);
  return {
    file: path,
    format: 'unknown',
    records: 0,
    bytes: 0,
    linkTypes: [],
    oversized: 0,
    error: new VoipreadyError('E_FILE_OPEN', `cannot open: ${msg}`, { file: path }),
  };
}

function isFsError(e: unknown): boolean {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && !(e instanceof VoipreadyError);
}

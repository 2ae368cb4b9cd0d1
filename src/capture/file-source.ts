/**
 * Capture sources: a file read synchronously through one reused 1 MiB buffer (the fast path: no
 * promise or stream machinery per chunk, memory flat whatever the file size), a readable stream
 * (stdin "-", pipes), and an async iterator of record copies for replay pacing.
 */
import { closeSync, fstatSync, open, openSync, readSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
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
  /** readCaptureStream: stop reading when this aborts (SIGINT/SIGTERM) and resolve with what was read */
  signal?: AbortSignal;
  /** readCaptureFileUntil: bytes between two turns of the event loop (default YIELD_EVERY_BYTES) */
  yieldEveryBytes?: number;
}

/**
 * Read a capture file, calling onRecord for every frame (the record and its data are reused:
 * copy what must outlive the call). Never throws for unreadable or bad files: the summary's
 * `error` says what stopped the read (E_FILE_OPEN, E_CAPTURE_*), after all good records.
 * Exceptions thrown by onRecord itself propagate (after the file is closed).
 */
export function readCaptureFile(path: string, onRecord: RecordListener, opts: ReadOptions = {}): ReaderSummary {
  const opened = openCapture(path);
  if ('error' in opened) return opened;
  const reader = new ChunkedFileReader(path, opened, onRecord, opts);
  try {
    while (reader.step()) { /* one chunk per step */ }
  } finally {
    closeSync(opened.fd);
  }
  return reader.end(false);
}

/**
 * The same, giving the event loop a turn every YIELD_EVERY_BYTES so that a stop signal is seen: when
 * `signal` aborts (SIGINT/SIGTERM), reading stops between two chunks and the summary covers what
 * was read (a record cut by the stop is dropped, not reported as a truncated file).
 */
export async function readCaptureFileUntil(path: string, onRecord: RecordListener, signal: AbortSignal, opts: ReadOptions = {}): Promise<ReaderSummary> {
  const opened = openCapture(path);
  if ('error' in opened) return opened;
  const reader = new ChunkedFileReader(path, opened, onRecord, opts);
  let interrupted = false;
  try {
    for (let sinceYield = 0; reader.step();) {
      sinceYield += reader.lastRead;
      if (sinceYield < (opts.yieldEveryBytes ?? YIELD_EVERY_BYTES)) continue;
      sinceYield = 0;
      await new Promise<void>((r) => setImmediate(r));
      if (signal.aborted) {
        interrupted = true;
        break;
      }
    }
  } finally {
    closeSync(opened.fd);
  }
  // a signal after the last turn: the file was read to its end, and its own end (even a cut record) is reported
  return reader.end(interrupted);
}

/** 16 MiB: a turn of the event loop per 16 chunks costs nothing measurable and answers Ctrl-C within ~10 ms */
const YIELD_EVERY_BYTES = 16 * 1024 * 1024;

interface OpenedCapture { fd: number; size: number }

/** opens a capture file; a directory or an unopenable path is the summary of a failed read */
function openCapture(path: string): OpenedCapture | (ReaderSummary & { error: VoipreadyError }) {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return openFailure(path, e);
  }
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) {
      closeSync(fd);
      return failure(path, 'is a directory, not a capture file');
    }
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    return openFailure(path, e);
  }
}

/** one file read chunk by chunk into one reused buffer (the loop of both readers above) */
class ChunkedFileReader {
  private readonly parser: CaptureParser;
  private readonly buf: Buffer;
  private read = 0;
  private readError: VoipreadyError | null = null;
  lastRead = 0;

  constructor(private readonly path: string, private readonly file: OpenedCapture, onRecord: RecordListener, private readonly opts: ReadOptions) {
    this.parser = new CaptureParser(path, onRecord, opts.pcapRuns);
    this.buf = opts.buffer ?? Buffer.allocUnsafe(Math.max(1, opts.chunkSize ?? DEFAULT_CHUNK_SIZE));
  }

  /** reads and parses one chunk; false at the end of the file, on a read error or once the parser failed */
  step(): boolean {
    let n: number;
    try {
      n = readSync(this.file.fd, this.buf, 0, this.buf.length, null);
    } catch (e) {
      if (!isFsError(e)) throw e;
      this.readError = new VoipreadyError('E_FILE_OPEN', `read failed: ${(e as Error).message}`, { file: this.path });
      return false;
    }
    this.lastRead = n;
    if (n <= 0) return false;
    this.read += n;
    // the parser keeps no view into buf after feed() returns: reusing buf is safe
    this.parser.feed(n === this.buf.length ? this.buf : this.buf.subarray(0, n));
    this.opts.onProgress?.(this.read, this.file.size);
    return !this.parser.failed;
  }

  end(interrupted: boolean): ReaderSummary {
    const s = this.parser.end({ interrupted });
    if (this.readError !== null) s.error ??= this.readError;
    return s;
  }
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
    const finish = (err?: unknown, streamErr = false, interrupted = false): void => {
      if (settled) {
        return;
      }
      settled = true;
      stream.removeListener('data', onData);
      stream.removeListener('end', onEnd);
      stream.removeListener('error', onError);
      opts.signal?.removeEventListener('abort', onAbort);
      if (err !== undefined && !streamErr) {
        reject(err);
        return;
      }
      const s = parser.end({ interrupted });
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
    // a stop signal: no more reading (paused, so that the process can end while the writer still writes)
    const onAbort = (): void => {
      stream.pause();
      finish(undefined, false, true);
    };
    if (opts.signal?.aborted === true) {
      onAbort();
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
  });
}

/**
 * A named pipe given as the capture (`mkfifo`, or `<(tcpdump -w -)` whose /dev/fd/N is one) as a
 * stream, read like stdin: a synchronous read of a pipe would block the whole process until data
 * came, so Ctrl-C could not be answered. Null for anything that is not a FIFO (regular files are
 * read by readCaptureFile). The open waits, off the main thread, for a writer, as `tcpdump -r` does.
 */
export async function openNamedPipe(path: string): Promise<NodeJS.ReadableStream | null> {
  let fifo = false;
  try {
    fifo = statSync(path).isFIFO();
  } catch {
    return null; // the file reader names the problem
  }
  if (!fifo) return null;
  const fd = await new Promise<number>((resolve, reject) => open(path, 'r', (err, n) => (err === null ? resolve(n) : reject(err))));
  return new Socket({ fd, readable: true, writable: false });
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
  const opened = openCapture(path);
  if ('error' in opened) {
    holder.summary = opened;
    return holder.summary;
  }
  const pending: CaptureRecord[] = [];
  const reader = new ChunkedFileReader(path, opened, (r) => pending.push(copyRecord(r)), { chunkSize });
  try {
    for (let more = true; more;) {
      more = reader.step();
      while (pending.length > 0) {
        yield pending.shift() as CaptureRecord;
      }
    }
  } finally {
    closeSync(opened.fd);
  }
  holder.summary = reader.end(false);
  return holder.summary;
}

function openFailure(path: string, e: unknown): ReaderSummary & { error: VoipreadyError } {
  const msg = e instanceof Error ? e.message : String(e);
  return failure(path, `cannot open: ${msg}`);
}

function failure(path: string, message: string): ReaderSummary & { error: VoipreadyError } {
  return {
    file: path,
    format: 'unknown',
    records: 0,
    bytes: 0,
    linkTypes: [],
    oversized: 0,
    error: new VoipreadyError('E_FILE_OPEN', message, { file: path }),
  };
}

function isFsError(e: unknown): boolean {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && !(e instanceof VoipreadyError);
}

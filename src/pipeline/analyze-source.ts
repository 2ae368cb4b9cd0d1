/**
 * Runs a whole capture (a file, or "-" for stdin) through an Analyzer: the edge where files are read.
 * Files use the synchronous chunked reader (the fast path); stdin and pipes the streaming one.
 */
import { openNamedPipe, readCaptureFile, readCaptureFileUntil, readCaptureStream } from '../capture/file-source.js';
import type { ReaderSummary } from '../capture/capture-parser.js';
import type { RecordListener } from '../capture/record.js';
import type { ReadOptions } from '../capture/file-source.js';
import type { AnalysisReport } from '../model/report.js';
import type { AnalysisSettings } from '../config/settings.js';
import { Analyzer } from './analyzer.js';
import type { AnalysisListener } from './events.js';

export interface AnalyzeSourceOptions {
  settings: AnalysisSettings;
  listeners?: AnalysisListener[];
  /** the default detectors (default true; alg-diff reads SIP only) */
  detectors?: boolean;
  series?: boolean;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** called with the analyzer before the first packet (to attach live views, e.g. /metrics) */
  onAnalyzer?: (analyzer: Analyzer) => void;
  /**
   * stop reading when this aborts (the CLI's SIGINT/SIGTERM): the report covers what was read. Files
   * are then read with a turn of the event loop every 16 MiB, so the signal is seen.
   */
  signal?: AbortSignal;
  /** for tests: a stream to read instead of process.stdin when the source is "-" */
  stdin?: NodeJS.ReadableStream;
}

export async function analyzeSource(source: string, opts: AnalyzeSourceOptions): Promise<AnalysisReport> {
  const name = source === '-' ? '(stdin)' : source;
  const analyzer = new Analyzer({ file: name, settings: opts.settings, listeners: opts.listeners ?? [], series: opts.series === true, ...(opts.detectors === false ? { detectors: false } : {}) });
  opts.onAnalyzer?.(analyzer);
  const summary = await readSource(source, name, analyzer, opts);
  return analyzer.end(summary);
}

/** stdin and named pipes as streams; files with the chunked reader (stoppable when a signal is given) */
async function readSource(source: string, name: string, analyzer: Analyzer, opts: AnalyzeSourceOptions): Promise<ReaderSummary> {
  const onRecord = analyzer.push.bind(analyzer);
  const streamOpts = { ...analyzer.readOptions(), ...(opts.signal ? { signal: opts.signal } : {}) };
  if (source === '-') return readCaptureStream(opts.stdin ?? process.stdin, name, onRecord, streamOpts);
  const pipe = await openPipeOrNull(source);
  if (pipe !== null) return readPipe(pipe, name, onRecord, streamOpts);
  const fileOpts = { ...(opts.onProgress ? { onProgress: opts.onProgress } : {}), ...analyzer.readOptions() };
  return opts.signal !== undefined ? readCaptureFileUntil(source, onRecord, opts.signal, fileOpts) : readCaptureFile(source, onRecord, fileOpts);
}

/** a named pipe as a stream; an open failure falls through to the file reader, which names it */
async function openPipeOrNull(path: string): Promise<NodeJS.ReadableStream | null> {
  try {
    return await openNamedPipe(path);
  } catch {
    return null;
  }
}

async function readPipe(pipe: NodeJS.ReadableStream, name: string, onRecord: RecordListener, opts: ReadOptions): Promise<ReaderSummary> {
  try {
    return await readCaptureStream(pipe, name, onRecord, opts);
  } finally {
    (pipe as unknown as { destroy(): void }).destroy();
  }
}

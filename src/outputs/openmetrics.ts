/**
 * `analyze --openmetrics out.om`: the same metrics as `/metrics`, sampled at every capture second
 * with the capture's own timestamps, in the OpenMetrics text format that
 * `promtool tsdb create-blocks-from openmetrics` backfills into Prometheus.
 *
 * OpenMetrics wants all samples of one family together (promtool rejects interleaved families),
 * while we learn them second by second. So each family's lines go to its own temp file (bounded
 * memory: a small buffer per family), and close() concatenates them behind the headers, then `# EOF`.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { outputError } from '../errors.js';
import type { AnalysisListener, LiveView } from '../pipeline/events.js';
import type { Settings } from '../config/settings.js';
import { familyHeader, sampleLine } from './prometheus/exposition.js';
import type { FamilySnapshot } from './prometheus/family.js';
import { createMetrics } from './prometheus/metrics.js';

const FLUSH_BYTES = 64 * 1024;

export interface OpenMetricsWriter {
  listener: AnalysisListener;
  /** writes the file (headers, every family's samples, `# EOF`) and removes the temp files */
  close(): Promise<void>;
  /** removes the temp files without writing (an input that could not be read has no metrics to backfill) */
  discard(): void;
}

interface FamilyFile {
  header: string;
  fd: number | null;
  buffered: string;
}

export function createOpenMetricsWriter(path: string, settings: Settings, opts: { localNetworks?: string[] } = {}): OpenMetricsWriter {
  const metrics = createMetrics({ settings, defaultMetrics: false, ...opts });
  let tmpDir: string;
  try {
    tmpDir = mkdtempSync(join(dirname(path), '.voipready-om-'));
  } catch (err) {
    throw outputError(path, 'the OpenMetrics file (--openmetrics)', err);
  }
  const files = new Map<string, FamilyFile>();
  let lastTs = -Infinity;
  let closed = false;

  const append = (f: FamilyFile, name: string, text: string): void => {
    f.buffered += text;
    if (f.buffered.length >= FLUSH_BYTES) flush(f, name);
  };
  const flush = (f: FamilyFile, name: string): void => {
    if (f.buffered === '') return;
    f.fd ??= openSync(join(tmpDir, `${name}.part`), 'w');
    writeSync(f.fd, f.buffered);
    f.buffered = '';
  };
  const record = (families: FamilySnapshot[], ts: number): void => {
    for (const fam of families) {
      let f = files.get(fam.name);
      if (f === undefined) {
        f = { header: familyHeader(fam), fd: null, buffered: '' };
        files.set(fam.name, f);
      }
      let text = '';
      for (const s of fam.values) text += sampleLine(fam, s, ts);
      append(f, fam.name, text);
    }
    lastTs = ts;
  };
  const sampleAt = (ts: number, view: LiveView): void => {
    // a series must not get two samples at one timestamp, nor go back in time
    if (ts > lastTs) record(metrics.snapshot(view), ts);
  };

  const inner = metrics.listener;
  const listener: AnalysisListener = {
    onStream: (s, e) => inner.onStream?.(s, e),
    onCall: (c, e) => inner.onCall?.(c, e),
    onFinding: (f) => inner.onFinding?.(f),
    onSecond: (sec, view) => {
      inner.onSecond?.(sec, view);
      sampleAt(sec, view);
    },
    onEnd: (report, view) => {
      inner.onEnd?.(report, view);
      // the final totals, just after the last sampled second (millisecond resolution)
      const end = Math.max(view.nowEpochMs() / 1000, lastTs + 0.001);
      sampleAt(Math.round(end * 1000) / 1000, view);
    },
  };

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    try {
      writeOut(path, files, tmpDir, flush);
    } finally {
      for (const f of files.values()) if (f.fd !== null) closeSync(f.fd);
      rmSync(tmpDir, { recursive: true, force: true });
    }
  };
  const discard = (): void => {
    if (closed) return;
    closed = true;
    for (const f of files.values()) if (f.fd !== null) closeSync(f.fd);
    rmSync(tmpDir, { recursive: true, force: true });
  };
  return { listener, close, discard };
}

function writeOut(path: string, files: Map<string, FamilyFile>, tmpDir: string, flush: (f: FamilyFile, name: string) => void): void {
  let out: number;
  try {
    out = openSync(path, 'w');
  } catch (err) {
    throw outputError(path, 'the OpenMetrics file (--openmetrics)', err);
  }
  const chunk = Buffer.allocUnsafe(1024 * 1024);
  try {
    for (const [name, f] of files) {
      writeSync(out, f.header);
      if (f.fd === null) {
        writeSync(out, f.buffered);
        continue;
      }
      flush(f, name);
      const part = openSync(join(tmpDir, `${name}.part`), 'r');
      try {
        for (let n = readSync(part, chunk); n > 0; n = readSync(part, chunk)) writeSync(out, chunk, 0, n);
      } finally {
        closeSync(part);
      }
    }
    writeSync(out, '# EOF\n');
  } finally {
    closeSync(out);
  }
}

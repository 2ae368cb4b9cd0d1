/**
 * The atomic write node_exporter's textfile collector needs (its README: write to a temporary file
 * in the same directory, then move it into place): a scrape never sees a half-written file, only the
 * old one or the new one. The temporary name carries the PID, so two runs at once (cron overlapping a
 * manual run) never write into one temporary file, and it does not end in `.prom`, so the collector
 * never reads it. A failure is E_OUTPUT naming the file and leaves no temporary file behind.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { outputError } from '../errors.js';

export function textfileTempPath(path: string, pid = process.pid): string {
  return `${path}.${pid}.tmp`;
}

export function writeFileAtomic(path: string, text: string, what: string): void {
  const tmp = textfileTempPath(path);
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      writeSync(fd, text);
      // on disk before the rename: after a crash the file is the old one or the whole new one
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw outputError(path, what, err);
  }
}

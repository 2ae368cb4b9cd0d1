/**
 * The file readers' edges (issue 15): a stop signal ends the read between two chunks with the report
 * of what was read (the record cut by the stop is dropped, not a "truncated file"), and a directory
 * is named as such instead of "empty file". The stream reader stops on the same signal.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { iterateCapture, readCaptureFile, readCaptureFileUntil, readCaptureStream } from '../../../src/capture/file-source.js';

const FILE = new URL('../../../fixtures/captures/clean-call.pcap', import.meta.url).pathname;
const bytes = readFileSync(FILE);
const dir = mkdtempSync(join(tmpdir(), 'vrct-fs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const TOTAL = readCaptureFile(FILE, () => undefined).records;

describe('readCaptureFileUntil', () => {
  it('reads the whole file when the signal never aborts, as readCaptureFile does', async () => {
    const s = await readCaptureFileUntil(FILE, () => undefined, new AbortController().signal, { chunkSize: 4096, yieldEveryBytes: 4096 });
    expect(s.records).toBe(TOTAL);
    expect(s.error).toBeUndefined();
  });

  it('stops at the next turn of the event loop after the signal, without a truncation error', async () => {
    expect.assertions(4);
    const ctl = new AbortController();
    let seen = 0;
    const s = await readCaptureFileUntil(FILE, () => {
      if (++seen === 10) setImmediate(() => ctl.abort('SIGINT'));
    }, ctl.signal, { chunkSize: 4096, yieldEveryBytes: 4096 });
    expect(s.records).toBe(seen);
    expect(s.records).toBeGreaterThanOrEqual(10);
    expect(s.records).toBeLessThan(TOTAL); // 4 KiB chunks: the file has ~18 of them
    expect(s.error).toBeUndefined();
  });
});

describe('readCaptureStream with a stop signal', () => {
  it('resolves with the records read so far while the writer still holds the stream open', async () => {
    const stream = new PassThrough();
    const ctl = new AbortController();
    const done = readCaptureStream(stream, '(stdin)', () => undefined, { signal: ctl.signal });
    stream.write(bytes.subarray(0, 24 + 3 * 1000 + 5)); // a cut inside a record
    await new Promise((r) => setImmediate(r));
    ctl.abort('SIGTERM');
    const s = await done;
    expect(s.records).toBeGreaterThan(0);
    expect(s.records).toBeLessThan(TOTAL);
    expect(s.error).toBeUndefined();
  });

  it('a stop before any byte is not a report of nothing: it says so', async () => {
    const ctl = new AbortController();
    ctl.abort('SIGINT');
    const s = await readCaptureStream(new PassThrough(), '(stdin)', () => undefined, { signal: ctl.signal });
    expect(s.error?.message).toMatch(/stopped before any capture data was read/);
  });
});

describe('a directory given as the capture', () => {
  it('is named as a directory by every reader', async () => {
    expect(readCaptureFile(dir, () => undefined).error?.message).toBe(`${dir}: is a directory, not a capture file`);
    const until = await readCaptureFileUntil(dir, () => undefined, new AbortController().signal);
    expect(until.error?.code).toBe('E_FILE_OPEN');
    const it = iterateCapture(dir);
    expect((await it.next()).done).toBe(true);
    expect(it.summary?.error?.message).toMatch(/is a directory/);
  });
});

/**
 * Recording keeps the WebAssembly fast path: the runs of records it takes straight from the reader's
 * chunk (past the record listener) are recorded too, so the recording is the capture frame for frame
 * while most records go through runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../../../src/capture/file-source.js';
import { loadSettings } from '../../../../src/config/load-settings.js';
import { Analyzer } from '../../../../src/pipeline/analyzer.js';
import { Recording } from '../../../../src/outputs/record/recording.js';
import { ROOT } from '../../../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'vr-run-recorder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function frames(file: string): string[] {
  const out: string[] = [];
  const s = readCaptureFile(file, (r) => out.push(`${r.linkType} ${r.tsSec}.${r.tsNsec} ${r.origLen} ${r.data.toString('hex')}`));
  if (s.error !== undefined) throw s.error;
  return out;
}

describe('RecordingRunTaker', () => {
  // ipv6-call: the fast path takes no IPv6 runs: all through the listener, the same recording
  for (const [f, runs] of [['clean-call.pcap', true], ['sample-call.pcapng', true], ['ipv6-call.pcapng', false]] as const) {
    it(`${f}: records taken in runs are recorded, in order, with the listener's`, async () => {
      const fixture = join(ROOT, 'fixtures', 'captures', f);
      const analyzer = new Analyzer({ file: f, settings: loadSettings() });
      const out = join(dir, `${f}.pcapng`);
      const recording = new Recording({ path: out, maxBytes: null, maxAgeMs: null, keep: null }, () => undefined);
      const name = (id: number): string => `if${id}`;
      const opts = Recording.readOptions(analyzer.readOptions(), recording, name);
      expect(opts.pcapRuns).toBeDefined();
      const s = readCaptureFile(fixture, recording.frames(analyzer.push.bind(analyzer), name), opts);
      expect(s.error).toBeUndefined();
      await recording.close();
      // most records went through the fast path's runs, past the listener
      if (runs) expect(analyzer.recordsInRuns).toBeGreaterThan(s.records / 2);
      else expect(analyzer.recordsInRuns).toBe(0);
      expect(recording.stats.records).toBe(s.records);
      expect(frames(out)).toEqual(frames(fixture));
    });
  }
});

/**
 * Golden tests: every capture in ../shared/pcaps/public/ against tshark's figures next to it.
 * Reads ../shared (present in CI and in the developers' workspace, not in a user's clone): the
 * whole file is skipped, saying so, when it is absent.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeJson, ROOT } from '../helpers/cli.js';
import { compareStreams, type RefStream } from '../helpers/reference.js';

const DIR = join(ROOT, '..', 'shared', 'pcaps', 'public');
const present = existsSync(DIR);
const refs = present ? readdirSync(DIR).filter((f) => f.endsWith('.ref.json')).sort() : [];

describe.skipIf(!present)('public captures agree with tshark (../shared/pcaps/public; skipped when absent)', () => {
  it('finds the reference files', () => {
    expect(refs.length).toBeGreaterThanOrEqual(17);
  });

  for (const refFile of refs) {
    const base = refFile.replace(/\.ref\.json$/, '');
    const capture = ['pcap', 'pcapng'].map((e) => join(DIR, `${base}.${e}`)).find((p) => existsSync(p));
    it(`${base}: every tshark stream found with equal packets/lost, jitter within 1 %, same DSCP`, () => {
      expect(capture, `capture for ${refFile}`).toBeDefined();
      const ref = JSON.parse(readFileSync(join(DIR, refFile), 'utf8')) as { streams: RefStream[] };
      const { report } = analyzeJson(capture!);
      expect(compareStreams(report.streams, ref.streams)).toEqual([]);
      if (ref.streams.length === 0) expect(report.streams).toEqual([]);
      expect(report.input.packets).toBeGreaterThan(0);
      expect(report.input.error).toBeNull();
    });
  }
});

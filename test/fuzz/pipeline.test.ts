/**
 * Whole-pipeline fuzzing: mutated real captures (bytes flipped, cut, duplicated) fed chunk by chunk
 * through the capture parser into the Analyzer never throw, never hang, and always give a report.
 * Time-boxed (fast-check numRuns kept small); FUZZ_RUNS raises it for a longer local run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaptureParser } from '../../src/capture/capture-parser.js';
import { Analyzer } from '../../src/pipeline/analyzer.js';
import { loadSettings } from '../../src/config/load-settings.js';
import { ROOT } from '../helpers/cli.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const seeds = ['sample-call.pcapng', 'sip-tcp-vlan.pcap', 'sll-fragments.pcap', 'ipv6-call.pcapng'].map((f) =>
  readFileSync(join(ROOT, 'fixtures', 'captures', f)),
);
const settings = loadSettings();

function analyse(bytes: Buffer, chunk: number): ReturnType<Analyzer['end']> {
  const analyzer = new Analyzer({ file: 'fuzz', settings, series: true });
  const parser = new CaptureParser('fuzz', (rec) => analyzer.push(rec));
  for (let i = 0; i < bytes.length; i += chunk) parser.feed(bytes.subarray(i, i + chunk));
  return analyzer.end(parser.end());
}

const mutation = fc.record({
  seed: fc.nat(seeds.length - 1),
  flips: fc.array(fc.record({ at: fc.double({ min: 0, max: 1, noNaN: true }), value: fc.nat(255) }), { maxLength: 40 }),
  cut: fc.option(fc.double({ min: 0.05, max: 1, noNaN: true })),
  chunk: fc.integer({ min: 1, max: 70_000 }),
});

describe('pipeline fuzzing', () => {
  it('mutated captures never throw and always give a report', () => {
    fc.assert(
      fc.property(mutation, (m) => {
        const base = seeds[m.seed]!;
        const bytes = Buffer.from(m.cut === null ? base : base.subarray(0, Math.floor(base.length * m.cut)));
        // keep the file header intact half of the time, so the mutations reach the packet decoders
        for (const f of m.flips) bytes[Math.min(bytes.length - 1, 64 + Math.floor(f.at * (bytes.length - 64)))] = f.value;
        const report = analyse(bytes, Math.max(m.chunk, 1));
        expect(report.verdict).toMatch(/^(pass|warn|fail)$/);
        expect(Number.isFinite(report.input.durationSeconds)).toBe(true);
        for (const s of report.streams) {
          expect(Number.isFinite(s.jitterMaxMs)).toBe(true);
          expect(s.packets).toBeGreaterThan(0);
        }
        JSON.stringify(report);
      }),
      { numRuns: RUNS, seed: Number(process.env.FUZZ_SEED ?? 1) },
    );
  });

  it('an unmutated fixture fed in odd chunk sizes gives the same report as in one piece', () => {
    const whole = analyse(seeds[0]!, seeds[0]!.length);
    for (const chunk of [1, 7, 1500, 65_537]) {
      const r = analyse(seeds[0]!, chunk);
      expect(r.streams).toEqual(whole.streams);
      expect(r.calls).toEqual(whole.calls);
    }
  });
});

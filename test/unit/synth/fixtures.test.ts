import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Truth } from '../../../src/synth/index.js';
import { defineScenario, generateCapture, truthToJSON } from '../../../src/synth/index.js';
import { expectTruthMatchesTshark } from './checks.js';
import { hasTshark } from './tshark.js';

const defs = 'fixtures/synthetic';
const caps = 'fixtures/captures';
const names = readdirSync(defs).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
const tmp = mkdtempSync(join(tmpdir(), 'synth-fixtures-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Def { file: string; format: 'pcap' | 'pcapng'; description: string; scenario: object }
const load = (n: string): Def => JSON.parse(readFileSync(join(defs, `${n}.json`), 'utf8')) as Def;
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('committed fixtures', () => {
  it('every definition has a capture under 300 KB, a truth file and a README line', () => {
    const readme = readFileSync(join(defs, 'README.md'), 'utf8');
    expect(names.length).toBeGreaterThanOrEqual(10);
    for (const n of names) {
      const d = load(n);
      expect(statSync(join(caps, d.file)).size, d.file).toBeLessThan(300 * 1024);
      expect(existsSync(join(caps, `${n}.truth.json`)), n).toBe(true);
      expect(readme, `README line for ${d.file}`).toContain(d.file);
    }
  });

  it.each(names)('%s is reproduced byte for byte from its definition', (n) => {
    const d = load(n);
    const out = join(tmp, d.file);
    const truth = generateCapture(defineScenario(d.scenario), out, d.format);
    expect(sha(out)).toBe(sha(join(caps, d.file)));
    expect(truthToJSON(truth)).toBe(readFileSync(join(caps, `${n}.truth.json`), 'utf8'));
  });
});

describe.skipIf(!hasTshark)('fixture truth equals tshark (skipped: tshark not on PATH)', () => {
  it.each(names)('%s', (n) => {
    const d = load(n);
    const truth = JSON.parse(readFileSync(join(caps, `${n}.truth.json`), 'utf8')) as Truth;
    const heuristic = truth.streams.length > 0 && truth.calls.length === 0;
    expectTruthMatchesTshark(join(caps, d.file), truth, heuristic);
  });

  it('sample-call shows the intended problems: >3 % loss, >20 ms jitter, DSCP 0 on one leg', () => {
    const t = JSON.parse(readFileSync(join(caps, 'sample-call.truth.json'), 'utf8')) as Truth;
    expect(t.calls).toHaveLength(2);
    expect(t.streams.some((s) => s.lost / s.expected > 0.03)).toBe(true);
    expect(t.streams.some((s) => s.jitterMeanMs > 20)).toBe(true);
    expect(t.streams.some((s) => (s.dscp['0'] ?? 0) === s.received)).toBe(true);
    expect(t.streams.filter((s) => s.lost === 0 && s.jitterMaxMs === 0 && s.dscp['46'] === s.received)).toHaveLength(2);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ScenarioInput } from '../../../src/synth/index.js';
import { defineScenario, generateCapture } from '../../../src/synth/index.js';
import { expectTruthMatchesTshark } from './checks.js';
import { hasTshark } from './tshark.js';

const dir = mkdtempSync(join(tmpdir(), 'synth-vs-tshark-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cases: Array<[string, ScenarioInput, 'pcap' | 'pcapng']> = [
  ['bernoulli loss + uniform jitter', {
    seed: 101, groups: [{ durationMs: 4000, rtcp: false, forward: { loss: { kind: 'bernoulli', p: 0.08 }, jitter: { kind: 'uniform', maxMs: 30 } } }],
  }, 'pcap'],
  ['reordering + duplicates + loss bursts', {
    seed: 102, groups: [{
      durationMs: 4000, forward: { jitter: { kind: 'uniform', maxMs: 70 }, reorder: true, duplicates: 0.05 },
      backward: { loss: { kind: 'pattern', bursts: [[10, 4], [60, 1]] }, jitter: { kind: 'normal', meanMs: 8, sigmaMs: 4 }, reorder: true },
    }],
  }, 'pcapng'],
  ['QinQ VLAN + TCP SIP + DTMF', {
    seed: 103, link: { type: 'ethernet', vlans: [300, 100] },
    groups: [{ durationMs: 3000, sip: { transport: 'tcp' }, backward: { dtmf: [{ atMs: 500, durationMs: 300, event: 11 }] } }],
  }, 'pcap'],
  ['IPv6 nanosecond, big-endian, jitter', {
    seed: 104, ipVersion: 6, nanosecond: true, byteOrder: 'be',
    groups: [{ durationMs: 3000, forward: { jitter: { kind: 'normal', meanMs: 5, sigmaMs: 2 }, reorder: true } }],
  }, 'pcapng'],
  ['two concurrent calls, SLL, fragmented INVITE, PCMU', {
    seed: 105, link: { type: 'sll', vlans: [] },
    groups: [{ count: 2, concurrent: 2, durationMs: 2000, sip: { mtu: 300 }, forward: { codec: 'PCMU' }, backward: { codec: 'PCMU' } }],
  }, 'pcap'],
];

describe.skipIf(!hasTshark)('generated truth equals tshark 4.0 -z rtp,streams (skipped: tshark not on PATH)', () => {
  for (const [name, input, format] of cases) {
    it(name, () => {
      const path = join(dir, `${name.replace(/\W+/g, '-')}.${format}`);
      const truth = generateCapture(defineScenario({ name, ...input }), path, format);
      expect(truth.streams.length).toBe(2 * (input.groups?.[0]?.count ?? 1));
      expectTruthMatchesTshark(path, truth);
    });
  }

  it('reports the network model: the loss and reorder cases really lose and reorder', () => {
    const path = join(dir, 'model.pcap');
    const t = generateCapture(defineScenario({ seed: 102, ...cases[1]![1] }), path, 'pcap');
    const [fwd, back] = [t.streams.find((s) => s.duplicates > 0), t.streams.find((s) => s.dropped > 0)];
    expect(fwd?.reordered).toBeGreaterThan(0);
    expect(fwd!.lost).toBe(-fwd!.duplicates);
    expect(back?.dropped).toBe(5);
    expect(back?.lost).toBe(5 - back!.duplicates);
  });
});

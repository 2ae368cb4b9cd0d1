/**
 * Differential fuzzing of the WebAssembly fast path (src/wasm/fast-path.ts, rtp-decode.ts, flow-table.ts;
 * src/pipeline/rtp-fast-path.ts): real and synthetic captures, mutated as records and as bytes
 * (test/helpers/capture-mutator.ts) and written as pcap or pcapng in either byte order and resolution,
 * are analysed without the fast path (the reference) and with it, from the file reader (its 1 MiB chunk
 * and a small one) and from the stream reader (stdin) in small pieces; the JSON reports must be equal
 * (all of it: the tool version in it is the same), and nothing may throw. The unmutated seeds must give
 * the fast path work, and most mutated runs must leave it some, so that the mutations reach it.
 * A hang cannot be caught in-process (the walkers are synchronous): FUZZ_LOG below finds its input.
 *
 * Time-boxed: FUZZ_RUNS (default 600) runs or FUZZ_TIME_MS (default 20 s), whichever ends first, from
 * FUZZ_SEED (default 1). A longer local run: FUZZ_RUNS=5000 FUZZ_TIME_MS=600000 FUZZ_SEED=$RANDOM.
 * A failure prints the seed and path to replay it; its minimised input goes to fixtures/crashes/pipeline/.
 * FUZZ_LOG=file keeps the input of the current run there (for a run that hangs).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readCaptureFile, readCaptureStream } from '../../src/capture/file-source.js';
import { toJson } from '../../src/outputs/json.js';
import { Analyzer } from '../../src/pipeline/analyzer.js';
import { defineScenario, generateCapture, type ScenarioInput } from '../../src/synth/index.js';
import { loadSettings } from '../../src/config/load-settings.js';
import {
  editBytes, editRecords, readModel, toRawIp, writeCapture, type ByteEdit, type Layout, type Model, type RecordEdit,
} from '../helpers/capture-mutator.js';
import { BIN, ROOT } from '../helpers/cli.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 600);
const TIME_MS = Number(process.env.FUZZ_TIME_MS ?? 20_000);
const SEED = Number(process.env.FUZZ_SEED ?? 1);
const LOG = process.env.FUZZ_LOG;
/** records kept from each seed: enough for SIP, binding and runs; small enough for many runs */
const MAX_RECORDS = 700;

const dir = mkdtempSync(join(tmpdir(), 'voipready-fastdiff-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const settings = loadSettings({ linkSpeed: '10M' });

interface Seed {
  name: string;
  bytes: Buffer;
  /** the fast path must measure RTP of the unmutated seed */
  fast: boolean;
}

const FIXTURES = join(ROOT, 'fixtures', 'captures');
/**
 * fixtures the fast path rightly leaves alone: IPv6, Linux cooked + fragments, no RTP at all, and
 * 1000 streams of 3 packets each (the heuristic needs all three to confirm a stream: none is left)
 */
const NO_FAST = new Set(['ipv6-call.pcapng', 'sll-fragments.pcap', 'only-sip.pcap', 'no-calls.pcap', 'many-streams.pcap']);

function synth(name: string, s: ScenarioInput, format: 'pcap' | 'pcapng'): Seed {
  const out = join(dir, `${name}.${format}`);
  generateCapture(defineScenario({ name, seed: 11, ...s }), out, format);
  return { name, bytes: readFileSync(out), fast: true };
}

const seeds: Seed[] = [
  ...readdirSync(FIXTURES).filter((f) => /\.pcap(ng)?$/.test(f)).sort()
    .map((f) => ({ name: f, bytes: readFileSync(join(FIXTURES, f)), fast: !NO_FAST.has(f) })),
  synth('synth-pcap-le-us', { groups: [{ count: 2, concurrent: 2, durationMs: 2500,
    forward: { loss: { kind: 'bernoulli', p: 0.03 }, jitter: { kind: 'uniform', maxMs: 20 }, reorder: true, duplicates: 0.02 },
    backward: { dtmf: [{ atMs: 600, durationMs: 200, event: 3 }], dscp: 34 } }] }, 'pcap'),
  synth('synth-pcap-be-ns-vlan', { nanosecond: true, byteOrder: 'be', link: { type: 'ethernet', vlans: [10, 20] },
    groups: [{ count: 2, durationMs: 2500, forward: { jitter: { kind: 'normal', meanMs: 10, sigmaMs: 5 } } }] }, 'pcap'),
  synth('synth-pcapng-le-us', { groups: [{ count: 2, concurrent: 2, durationMs: 2500, forward: { loss: { kind: 'periodic', every: 7 } } }] }, 'pcapng'),
  synth('synth-pcapng-be-ns-heuristic', { nanosecond: true, byteOrder: 'be',
    groups: [{ count: 2, durationMs: 2500, sip: { enabled: false } }] }, 'pcapng'),
];
const models: Model[] = seeds.map((s) => {
  const m = readModel(s.bytes);
  m.records = m.records.slice(0, MAX_RECORDS);
  return m;
});

type Report = ReturnType<Analyzer['end']>;

interface Result {
  json: string;
  fastPackets: number;
}

/** the report as JSON; the tool version is not in it (input.file is the same name for every reader) */
function report(a: Analyzer, summary: Parameters<Analyzer['end']>[0]): string {
  return toJson(a.end(summary), { series: false });
}

function fromFile(file: string, fastPath: boolean, chunk?: number): Result {
  const a = new Analyzer({ file, settings, fastPath });
  const opts = a.readOptions();
  if (chunk !== undefined) {
    if (opts.buffer !== undefined) opts.buffer = opts.buffer.subarray(0, chunk);
    else opts.chunkSize = chunk;
  }
  const json = report(a, readCaptureFile(file, (r) => a.push(r), opts));
  return { json, fastPackets: a.fastPackets };
}

async function fromStream(file: string, bytes: Buffer, fastPath: boolean, piece: number): Promise<Result> {
  const a = new Analyzer({ file, settings, fastPath });
  const pieces: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += piece) pieces.push(bytes.subarray(i, i + piece));
  const summary = await readCaptureStream(Readable.from(pieces), file, (r) => a.push(r), a.readOptions());
  return { json: report(a, summary), fastPackets: a.fastPackets };
}

/** every reader, with and without the fast path, against the file reader without it */
async function differential(bytes: Buffer, chunk: number, piece: number): Promise<number> {
  const file = join(dir, 'case.cap');
  writeFileSync(file, bytes);
  const ref = fromFile(file, false);
  expect(ref.fastPackets).toBe(0);
  const variants: Array<[string, Result]> = [
    ['fast, file, 1 MiB chunk', fromFile(file, true)],
    [`fast, file, ${chunk}-byte chunk`, fromFile(file, true, chunk)],
    [`fast, stream, ${piece}-byte pieces`, await fromStream(file, bytes, true, piece)],
    [`no fast path, stream, ${piece}-byte pieces`, await fromStream(file, bytes, false, piece)],
  ];
  for (const [what, r] of variants) expect(r.json, what).toBe(ref.json);
  return variants[0]![1].fastPackets;
}

/** a fraction in [0, 1), uniform (fc.double favours tiny values: every edit would hit record 0) */
const unit = fc.integer({ min: 0, max: 0x7fffffff }).map((n) => n / 0x80000000);
/** bytes of the frame: mostly the link, IP, UDP and RTP headers (the first 64 bytes) */
const framePos = fc.oneof({ weight: 4, arbitrary: fc.nat(63) }, { weight: 1, arbitrary: fc.nat(1600) });
const u32 = fc.nat(0xffffffff);

const recordEdit: fc.Arbitrary<RecordEdit> = fc.oneof(
  fc.record({ op: fc.constantFrom('duplicate' as const, 'drop' as const), at: unit }),
  fc.record({ op: fc.constant('swap' as const), at: unit, with: unit }),
  fc.record({ op: fc.constant('cut' as const), at: unit, keep: fc.nat(80) }),
  fc.record({ op: fc.constant('retime' as const), at: unit, deltaNs: fc.oneof(fc.integer({ min: -2e9, max: 2e9 }), fc.integer({ min: -1e6, max: 1e6 })) }),
  fc.record({ op: fc.constant('iface' as const), at: unit, iface: fc.nat(2) }),
);

const byteEdit: fc.Arbitrary<ByteEdit> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('frame' as const), at: unit, pos: framePos, value: fc.nat(255), xor: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('frame' as const), at: unit, pos: framePos, value: fc.constantFrom(1, 2, 4, 8, 16, 32, 64, 128), xor: fc.constant(true) }) },
  { weight: 2, arbitrary: fc.record({
    op: fc.constantFrom('capLen' as const, 'origLen' as const, 'tsSec' as const, 'tsFrac' as const, 'ifId' as const),
    at: unit, value: fc.oneof(fc.integer({ min: -8, max: 8 }), u32, fc.constantFrom(999_999, 1_000_000, 999_999_999, 1_000_000_000)),
    relative: fc.boolean(),
  }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('blockLen' as const), at: unit, delta: fc.integer({ min: -12, max: 12 }), where: fc.constantFrom('head' as const, 'tail' as const, 'both' as const) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('idb' as const), at: unit, pos: fc.nat(19), value: fc.nat(255) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('fileHeader' as const), pos: fc.nat(27), value: fc.nat(255) }) },
);

const layout: fc.Arbitrary<Layout> = fc.record({
  format: fc.constantFrom('pcap' as const, 'pcapng' as const),
  le: fc.boolean(),
  nsec: fc.boolean(),
  tsresol: fc.array(fc.oneof({ weight: 6, arbitrary: fc.constantFrom(6, 9) }, { weight: 1, arbitrary: fc.constantFrom(0, 3, 0x80 | 10, 0x80 | 30) }), { minLength: 1, maxLength: 3 }),
  snapLen: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, 65535, 262144) }, { weight: 1, arbitrary: fc.integer({ min: 40, max: 300 }) }),
  foreignBlocks: fc.array(unit, { maxLength: 3 }),
  section: fc.option(fc.record({ at: unit, flip: fc.boolean() }), { freq: 3 }),
  shiftHigh: fc.oneof({ weight: 5, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: u32 }),
});

/** mostly seeds the fast path has work in */
const fastSeeds = seeds.flatMap((s, i) => (s.fast ? [i] : []));
const mutation = fc.record({
  seed: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...fastSeeds) }, { weight: 1, arbitrary: fc.nat(seeds.length - 1) }),
  layout,
  link: fc.constantFrom('keep', 'keep', 'keep', 'raw101', 'raw228', 'relabel'),
  relabel: fc.constantFrom(0, 1, 12, 101, 113, 228, 229, 276),
  /** pcapng: more interfaces, that 'iface' edits move records to */
  extraIfaces: fc.array(fc.constantFrom(1, 1, 101, 113), { maxLength: 2 }),
  records: fc.array(recordEdit, { maxLength: 6 }),
  bytes: fc.array(byteEdit, { maxLength: 12 }),
  cut: fc.option(fc.double({ min: 0.2, max: 1, noNaN: true }), { freq: 4 }),
  chunk: fc.integer({ min: 16, max: 16_384 }),
  piece: fc.integer({ min: 1, max: 4096 }),
});

type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function build(m: Mutation): Buffer {
  const src = models[m.seed]!;
  const model: Model = { linkTypes: [...src.linkTypes], records: src.records.map((r) => ({ ...r })) };
  if (m.link === 'raw101' || m.link === 'raw228') toRawIp(model, m.link === 'raw101' ? 101 : 228);
  else if (m.link === 'relabel') model.linkTypes[0] = m.relabel;
  model.linkTypes.push(...m.extraIfaces);
  editRecords(model, m.records);
  const w = writeCapture(model, m.layout);
  const bytes = editBytes(w, m.layout, m.bytes);
  return m.cut === null ? bytes : bytes.subarray(0, Math.max(1, Math.floor(bytes.length * m.cut)));
}

const CRASHES = ['pipeline', 'capture'].map((d) => join(ROOT, 'fixtures', 'crashes', d));
const saved = CRASHES.flatMap((d) => readdirSync(d).filter((f) => !f.endsWith('.md')).map((f) => join(d, f)));
/** what a saved input must give besides equal reports (fixtures/crashes/pipeline/README.md) */
const EXPECT: Record<string, (r: Report, fastPackets: number) => void> = {
  'pcapng-timestamp-beyond-date-range.pcapng': (r) => {
    // regression: toISOString() threw for times past a JavaScript Date
    expect(r.input.startTime).toBe('+275760-09-13T00:00:00.000Z');
    expect(r.streams.map((s) => s.startTime)).toEqual(['+275760-09-13T00:00:00.000Z', '+275760-09-13T00:00:00.000Z']);
    expect(r.calls).toHaveLength(1);
  },
  'pcapng-seconds-past-2-53-hang.pcapng': (r) => {
    // regression: the analyzer's second-by-second walk never ended past 2^53 s (s + 1 === s)
    expect(r.input.packets).toBe(2);
  },
  'pcapng-ms-resolution-seconds-past-2-53-rounding.pcapng': (r, fast) => {
    // regression: the TypeScript reader rounded such seconds twice, the WebAssembly walker once
    expect(fast).toBeGreaterThan(5);
    expect(r.streams.length).toBeGreaterThan(0);
  },
};

describe('fast path differential fuzzing', () => {
  it('the crash corpus is present', () => {
    expect(saved.map((f) => f.split('/').pop())).toEqual(expect.arrayContaining(Object.keys(EXPECT)));
  });

  it('a capture with seconds past 2^53 ends (in a child process: a hang there is a failure, not a stuck suite)', () => {
    const file = join(ROOT, 'fixtures', 'crashes', 'pipeline', 'pcapng-seconds-past-2-53-hang.pcapng');
    const r = spawnSync(process.execPath, [BIN, 'analyze', file, '--json'], { timeout: 30_000, encoding: 'utf8' });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
  });

  it.each(saved)('replays saved input %s: same report from every reader, with and without the fast path', async (f) => {
    const bytes = readFileSync(f);
    await differential(bytes, 64, 7);
    const fast = fromFile(f, true);
    EXPECT[f.split('/').pop()!]?.(JSON.parse(fast.json) as Report, fast.fastPackets);
  });

  it.each(seeds.map((s, i) => [s.name, i] as const))('unmutated seed %s: same report, fast path measured RTP when it can', async (_n, i) => {
    const s = seeds[i]!;
    const fast = await differential(s.bytes, 4096, 1500);
    if (s.fast) expect(fast).toBeGreaterThan(50);
    else expect(fast).toBe(0);
  });

  it('the same seeds rewritten in every layout keep the fast path busy', async () => {
    for (const [format, le, nsec, tsresol] of [['pcap', true, false, 6], ['pcap', false, true, 6], ['pcapng', true, false, 6], ['pcapng', false, false, 9]] as const) {
      for (const i of [0, seeds.length - 1, seeds.length - 3]) {
        const bytes = writeCapture(models[i]!, { format, le, nsec, tsresol: [tsresol], snapLen: 65535, foreignBlocks: [0.5], section: { at: 0.5, flip: true } }).bytes;
        expect(await differential(bytes, 2048, 999), `${seeds[i]!.name} as ${format} le=${le}`).toBeGreaterThan(50);
      }
    }
  });

  it('mutated captures: same JSON with and without the fast path, from every reader', async () => {
    let exercised = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        runs++;
        // a run that never ends cannot be shrunk: FUZZ_LOG names a file that keeps the last input
        if (LOG !== undefined) writeFileSync(LOG, JSON.stringify(m));
        if ((await differential(build(m), m.chunk, m.piece)) > 0) exercised++;
      }),
      { numRuns: RUNS, seed: SEED, interruptAfterTimeLimit: TIME_MS, markInterruptAsFailure: false, timeout: 10_000 },
    );
    // the mutations must leave the fast path work in most runs, or they do not test it
    expect(runs).toBeGreaterThan(20);
    expect(exercised).toBeGreaterThan(runs * 0.3);
  }, TIME_MS + 30_000);
});

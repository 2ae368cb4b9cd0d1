/**
 * Time-boxed fuzzing (fast-check): random bytes and mutated real captures fed to CaptureParser in
 * random chunkings, and every record to FrameDecoder + TcpReassembler, never throw, never hang, and
 * every view stays inside its buffer. Inputs in fixtures/crashes/capture/ are replayed forever.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaptureParser } from '../../../src/capture/capture-parser.js';
import { AddressTable } from '../../../src/decode/ip/address-table.js';
import { FrameDecoder } from '../../../src/decode/frame-decoder.js';
import { PacketInfo } from '../../../src/decode/packet-info.js';
import { TcpReassembler } from '../../../src/reassembly/tcp-stream.js';
import { NgWriter, pcapFile } from './pcap-builders.js';

/** run the whole front end over a file image; returns the number of records, throws on a broken invariant */
function runAll(file: Uint8Array, chunk: number): number {
  const t = new AddressTable();
  const dec = new FrameDecoder(t, { maxFragmentBytes: 65535, maxFragmentDatagrams: 4 });
  const p = new PacketInfo();
  const tcp = new TcpReassembler((_f, _d, bytes) => {
    if (bytes.length === 0) {
      throw new Error('empty delivery');
    }
  }, { maxBufferedBytesPerFlow: 4096, maxFlows: 8 });
  let n = 0;
  const parser = new CaptureParser('fuzz', (rec) => {
    n++;
    if (rec.data.length !== rec.capLen || rec.num !== n) {
      throw new Error('record invariant');
    }
    const st = dec.decode(rec, p);
    if (st === 'ok') {
      if (!(p.payloadStart <= p.payloadEnd && p.payloadEnd <= p.buf.length)) {
        throw new Error(`payload view out of bounds in record ${rec.num}`);
      }
      tcp.push(p);
    }
  });
  const buf = Buffer.from(file);
  for (let i = 0; i < buf.length; i += chunk) {
    parser.feed(buf.subarray(i, i + chunk));
  }
  const s = parser.end();
  tcp.flush();
  if (s.records !== n) {
    throw new Error('summary count');
  }
  return n;
}

/** FUZZ_RUNS=20000 for a long run; the default keeps the area fast */
const RUNS = Number(process.env.FUZZ_RUNS ?? 0);
const LIMIT = RUNS > 0 ? { numRuns: RUNS } : null;

const PUB = join(process.cwd(), '..', 'shared', 'pcaps', 'public');
const SEEDS: Buffer[] = [
  pcapFile([{ sec: 1, frac: 2, data: Buffer.from('0200000000010200000000020800450000200001000040110000010101010202020213c413c4000c000068690000', 'hex') }]),
  new NgWriter().shb().idb(1, 0, 9).epb(0, 1, 2, Buffer.alloc(60, 0x45)).spb(60, Buffer.alloc(60, 0x60)).build(),
];
if (existsSync(PUB)) {
  for (const f of ['heplify-sll-sip-tcp-retrans.pcap', 'sngrep-sll-ipv6-frag-sip.pcap', 'ndpi-webrtc-meet-ipv6-multiif.pcapng', 'neg-sll2-icmp.pcap']) {
    // the first 8 KiB are enough to reach every block and header kind in these files
    SEEDS.push(readFileSync(join(PUB, f)).subarray(0, 8192));
  }
}

describe('fuzz: capture parser + frame decoder + TCP reassembly', () => {
  it('random bytes never throw (pcap / pcapng magics prepended half the time)', () => {
    const magic = fc.constantFrom(Buffer.alloc(0), Buffer.from('d4c3b2a1', 'hex'), Buffer.from('0a0d0d0a', 'hex'), Buffer.from('a1b23c4d', 'hex'));
    fc.assert(
      fc.property(magic, fc.uint8Array({ maxLength: 600 }), fc.integer({ min: 1, max: 97 }), (m, body, chunk) => {
        runAll(Buffer.concat([m, body]), chunk);
      }),
      LIMIT ?? { numRuns: 400, interruptAfterTimeLimit: 2000 },
    );
  });

  it('mutated real and hand-built captures never throw', () => {
    const mutation = fc.record({
      seed: fc.integer({ min: 0, max: SEEDS.length - 1 }),
      flips: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 12 }),
      cut: fc.option(fc.nat()),
      chunk: fc.integer({ min: 1, max: 5000 }),
    });
    fc.assert(
      fc.property(mutation, ({ seed, flips, cut, chunk }) => {
        const b = Buffer.from(SEEDS[seed] as Buffer);
        for (const [at, v] of flips) {
          b[at % b.length] = v;
        }
        runAll(cut === null ? b : b.subarray(0, cut % (b.length + 1)), chunk);
      }),
      LIMIT ?? { numRuns: 300, interruptAfterTimeLimit: 2500 },
    );
  });

  const CRASHES = join(process.cwd(), 'fixtures', 'crashes', 'capture');
  const saved = existsSync(CRASHES) ? readdirSync(CRASHES).filter((f) => !f.endsWith('.md')) : [];
  /** what the hand-made corpus files must give (see fixtures/crashes/capture/README.md) */
  const EXPECT: Record<string, { records: number; code: string }> = {
    'pcapng-idb-option-overrun.pcapng': { records: 0, code: 'E_CAPTURE_CORRUPT' },
    'pcap-ipv6-ext-chain-then-huge-caplen.pcap': { records: 1, code: 'E_CAPTURE_CORRUPT' },
  };
  it('the crash corpus is present', () => {
    expect(saved).toEqual(expect.arrayContaining(Object.keys(EXPECT)));
  });
  it.each(saved)('replays saved input %s', (f) => {
    const b = readFileSync(join(CRASHES, f));
    expect(() => runAll(b, 7)).not.toThrow();
    expect(() => runAll(b, b.length || 1)).not.toThrow();
    const want = EXPECT[f];
    if (want !== undefined) {
      const p = new CaptureParser(f, () => {});
      p.feed(b);
      const s = p.end();
      expect({ records: s.records, code: s.error?.code }).toEqual(want);
    }
  });
});

#!/usr/bin/env node
// Micro-benchmarks of the per-packet hot path on real bytes (the bench capture), stage by stage:
// record walk -> + frame decode -> + RTP header decode -> whole Analyzer (in process, no CLI start-up;
// with the WebAssembly fast path as `analyze` runs it, and without it),
// plus the per-packet helpers (endpoint hash probe, tshark-exact stream statistics, sequence tracker).
// Each stage's cost is the difference to the stage before. Run by `npm run bench` after the build;
// alone: `node test/bench/hotpath.bench.mjs [capture.pcap]`. VOIPREADY_DIST=/path/to/dist for another build.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const dist = resolve(process.env.VOIPREADY_DIST ?? new URL('../../dist', import.meta.url).pathname);
const load = (p) => import(pathToFileURL(`${dist}/${p}`).href);

const { readCaptureFile } = await load('capture/file-source.js');
const { AddressTable } = await load('decode/ip/address-table.js');
const { EndpointTable } = await load('decode/ip/endpoint-table.js');
const { FrameDecoder } = await load('decode/frame-decoder.js');
const { PacketInfo } = await load('decode/packet-info.js');
const { RtpHeader, decodeRtpHeader } = await load('decode/rtp.js');
const { RtpStreamStats } = await load('measure/rtp-stream-stats.js');
const { SequenceTracker } = await load('measure/sequence.js');
const { Analyzer } = await load('pipeline/analyzer.js');
const { loadSettings } = await load('config/load-settings.js');

/** best of `reps` runs of fn() (which returns the operations it did) */
function best(name, reps, fn) {
  let bestMs = Infinity;
  let ops = 0;
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    ops = fn();
    bestMs = Math.min(bestMs, performance.now() - t);
  }
  return { bench: name, ops, ms: +bestMs.toFixed(1), nsPerOp: +((bestMs * 1e6) / Math.max(1, ops)).toFixed(1), opsPerSecond: Math.round((ops * 1000) / bestMs) };
}

function walk(path) {
  let n = 0;
  readCaptureFile(path, () => { n++; });
  return n;
}

function walkDecode(path) {
  const dec = new FrameDecoder(new AddressTable());
  const p = new PacketInfo();
  let ok = 0;
  readCaptureFile(path, (rec) => { if (dec.decode(rec, p) === 'ok') ok++; });
  return ok;
}

function walkDecodeRtp(path) {
  const dec = new FrameDecoder(new AddressTable());
  const p = new PacketInfo();
  const h = new RtpHeader();
  let n = 0;
  let rtp = 0;
  readCaptureFile(path, (rec) => {
    n++;
    if (dec.decode(rec, p) === 'ok' && p.proto === 17 && decodeRtpHeader(p.buf, p.payloadStart, p.payloadEnd, h) > 0) rtp++;
  });
  return rtp > 0 ? n : 0;
}

/** the whole analyzer as `analyze` runs it (fastPath true: WebAssembly for packets of known flows) */
function analyzer(path, fastPath) {
  const a = new Analyzer({ file: path, settings: loadSettings({}), fastPath });
  const s = readCaptureFile(path, (rec) => a.push(rec), a.readOptions());
  a.end(s);
  return s.records;
}

/** 1000 flows probed round-robin, as interleaved calls do */
function endpointProbes() {
  const t = new EndpointTable();
  const FLOWS = 1000;
  for (let i = 0; i < FLOWS; i++) t.set(0x0a000000 * 65536 + i * 2 + 10000, 0xc0a80001 * 65536 + 20000 + i * 2, 0x80000000 + i, i);
  const k = t.key;
  let found = 0;
  const N = 2_000_000;
  for (let n = 0; n < N; n++) {
    const i = n % FLOWS;
    k[0] = 0x0a000000 * 65536 + i * 2 + 10000;
    k[1] = 0xc0a80001 * 65536 + 20000 + i * 2;
    k[2] = 0x80000000 + i;
    if (t.find() === i) found++;
  }
  if (found !== N) throw new Error('endpoint table lost a key');
  return N;
}

function streamStats() {
  const s = new RtpStreamStats();
  const N = 2_000_000;
  let seq = 1000;
  let ts = 4294967296 + 160;
  for (let i = 0; i < N; i++) {
    s.push(i * 20 + (i % 7), seq, ts, 8, false, 8000, false, i + 1);
    seq = (seq + 1) & 0xffff;
    ts += 160;
  }
  return N;
}

function sequenceTracker() {
  const s = new SequenceTracker();
  const N = 2_000_000;
  for (let i = 0; i < N; i++) s.push((i + (i % 50 === 0 ? 2 : 0)) & 0xffff);
  s.flush();
  return N;
}

/** `npm run bench` plugin (test/bench/run.mjs): one row per measurement */
export async function run(ctx) {
  const path = ctx.capturePath;
  const rows = [
    best('record walk (readCaptureFile)', 3, () => walk(path)),
    best('walk + frame decode', 3, () => walkDecode(path)),
    best('walk + frame decode + RTP header', 3, () => walkDecodeRtp(path)),
    best('whole pipeline (as analyze runs it)', 2, () => analyzer(path, true)),
    best('whole pipeline, TypeScript path only', 2, () => analyzer(path, false)),
    best('EndpointTable.find, 1000 flows', 3, endpointProbes),
    best('RtpStreamStats.push', 3, streamStats),
    best('SequenceTracker.push', 3, sequenceTracker),
  ];
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const path = process.argv[2] ?? resolve(new URL('../../fixtures/captures', import.meta.url).pathname, 'sample-call.pcapng');
  console.table(await run({ capturePath: path, packets: 0, tmpDir: '' }));
}

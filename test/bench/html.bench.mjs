// HTML report benchmark (run by `npm run bench` through run.mjs, or alone after `npm run build`):
//   node --expose-gc test/bench/html.bench.mjs [capture.pcapng]
// With a capture (argument, or VOIPREADY_BENCH_CAPTURE, e.g. the million-packet benchmark file):
// analyse it with series kept, then render the HTML report; prints analysis time, render time,
// report size (against the 2 MB target) and peak heap. Always also renders a synthetic
// 1000-stream, 300 s model (size and time).
// Import runHtmlBench() to get the numbers as an object; run(ctx) is the plugin entry of run.mjs.
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const DIST = resolve(process.env.VOIPREADY_DIST ?? process.env.BENCH_DIST ?? 'dist');

async function load(rel) {
  return import(pathToFileURL(resolve(DIST, rel)).href);
}

function mb(n) {
  return (n / (1024 * 1024)).toFixed(2);
}

/** a synthetic report: n streams of `seconds` 1 s buckets, one call per two streams */
export function syntheticReport(n, seconds) {
  const streams = [];
  const calls = [];
  for (let i = 1; i <= n; i++) {
    const series = { intervalSeconds: 1, start: 1767225600, packets: [], lost: [], jitterMs: [], maxDeltaMs: [] };
    for (let k = 0; k < seconds; k++) {
      series.packets.push(50); series.lost.push(k % 97 === 0 ? 2 : 0);
      series.jitterMs.push(1 + (k % 7) * 0.37); series.maxDeltaMs.push(20 + (k % 5) * 1.5);
    }
    streams.push({
      id: `s${i}`, ssrc: `0x${(0x10000000 + i).toString(16)}`, src: `10.1.${i >> 8}.${i & 255}:${10000 + 2 * i}`, dst: `10.2.${i >> 8}.${i & 255}:${30000 + 2 * i}`,
      srcPort: 10000 + 2 * i, dstPort: 30000 + 2 * i, payloadType: 8, codec: 'g711A', clockRate: 8000, callId: `call-${Math.ceil(i / 2)}`,
      detection: 'sdp', srtp: false, firstPacket: i, lastPacket: i + 50 * seconds, startTime: '2026-01-01T00:00:00.000Z',
      durationSeconds: seconds, packets: 50 * seconds, expected: 50 * seconds, lost: 0, lossPercent: 0, duplicates: 0, outOfOrder: 0,
      sequenceErrors: 0, longestLossBurst: 0, telephoneEventPackets: 0, maxDeltaMs: 27.5, meanDeltaMs: 20, jitterMeanMs: 1.2,
      jitterMaxMs: 3.4, dscp: { 46: 50 * seconds }, rtcp: null, verdict: 'pass', series,
    });
    if (i % 2 === 0) {
      calls.push({ callId: `call-${i / 2}`, verdict: 'pass', from: `sip:${1000 + i}@pbx`, to: `sip:${2000 + i}@pbx`, setupMs: 800, ringMs: 90,
        finalStatus: 200, state: 'ended', startTime: '2026-01-01T00:00:00.000Z', durationSeconds: seconds, transport: 'udp',
        sipSrc: '10.0.0.1:5060', sipDst: '10.0.0.2:5060', sipDscp: { 24: 6 }, streams: [`s${i - 1}`, `s${i}`], messages: 6, firstPacket: i });
    }
  }
  return {
    tool: { name: 'voipready', version: 'bench' }, verdict: 'pass', reason: 'synthetic', profile: 'default',
    thresholds: { oneWayDelayMs: 50, totalDelayMs: 150, lossPercent: 3, jitterMs: 20, warnFraction: 0.8, linkUtilisationPercent: 40,
      rtpDscp: [46], sipDscp: [24, 26], rtpPorts: null, sipPorts: [5060], stunPorts: [3478] },
    input: { file: 'synthetic', format: 'pcapng', packets: n * 50 * seconds, bytes: 0, durationSeconds: seconds, startTime: null, endTime: null,
      linkTypes: ['EN10MB'], decodeErrors: 0, error: null },
    calls, streams, findings: [], link: null, summary: [],
  };
}

/** the target for the million-packet capture: a report under 2 MB (decimal, 2 000 000 bytes) */
const TARGET_BYTES = 2_000_000;

function timeRender(renderHtmlReport, report) {
  globalThis.gc?.();
  const t0 = performance.now();
  const html = renderHtmlReport(report);
  const bytes = Buffer.byteLength(html);
  return { renderMs: performance.now() - t0, bytes, under2MB: bytes < TARGET_BYTES };
}

export async function runHtmlBench(capture = process.env.VOIPREADY_BENCH_CAPTURE) {
  const { renderHtmlReport } = await load('outputs/html/render.js');
  const results = [];
  const synth = syntheticReport(1000, 300);
  results.push({ case: 'synthetic 1000 streams x 300 s', streams: 1000, ...timeRender(renderHtmlReport, synth) });
  if (capture && existsSync(capture)) {
    const { analyzeSource } = await load('pipeline/analyze-source.js');
    const { loadSettings } = await load('config/load-settings.js');
    globalThis.gc?.();
    const t0 = performance.now();
    const report = await analyzeSource(capture, { settings: loadSettings({}), series: true });
    const analyzeMs = performance.now() - t0;
    const r = timeRender(renderHtmlReport, report);
    results.push({ case: capture, packets: report.input.packets, streams: report.streams.length, analyzeMs, ...r,
      peakHeapMiB: Number(mb(process.memoryUsage().heapUsed)), under2MiB: r.bytes < 2 * 1024 * 1024 });
  } else {
    results.push({ case: 'capture', skipped: `no capture (argument or VOIPREADY_BENCH_CAPTURE): ${capture ?? 'none given'}` });
  }
  return results;
}

/** plugin entry for test/bench/run.mjs: ctx = { capturePath, packets, tmpDir } */
export async function run(ctx) {
  return runHtmlBench(ctx.capturePath);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const results = await runHtmlBench(process.argv[2] ?? process.env.VOIPREADY_BENCH_CAPTURE);
  for (const r of results) {
    if (r.skipped) { process.stdout.write(`html: ${r.skipped}\n`); continue; }
    const extra = r.packets !== undefined ? `, ${r.packets} packets, analysis ${r.analyzeMs.toFixed(0)} ms` : '';
    process.stdout.write(`html: ${r.case}: ${r.streams} streams, report ${r.bytes} bytes (${mb(r.bytes)} MiB, ${r.under2MB ? 'under' : 'OVER'} the 2 MB target), render ${r.renderMs.toFixed(0)} ms${extra}\n`);
  }
  process.stdout.write(JSON.stringify({ bench: 'html', results }) + '\n');
}

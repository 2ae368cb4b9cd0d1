#!/usr/bin/env node
// Per-second tick cost of a live analysis: the work the clock does every second (onSecond of the
// metrics, stale expiry, the retirement sweep), with 1,000 active streams after 10,000 have retired,
// against 1,000 active and none retired. Retirement keeps the per-second work proportional to the
// streams held, not to every stream ever seen: the two rows should match.
// Run by `npm run bench` after the build; alone: `node --expose-gc test/bench/tick.bench.mjs [retired] [active]`.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const dist = resolve(process.env.VOIPREADY_DIST ?? new URL('../../dist', import.meta.url).pathname);
const { Analyzer } = await import(pathToFileURL(`${dist}/pipeline/analyzer.js`).href);
const { loadSettings } = await import(pathToFileURL(`${dist}/config/load-settings.js`).href);
const { createMetrics } = await import(pathToFileURL(`${dist}/outputs/prometheus/metrics.js`).href);

const T0 = 1_800_000_000_000;

function rtp(ssrc, seq) {
  const b = Buffer.alloc(172);
  b[0] = 0x80;
  b[1] = 8;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 160) >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  return b;
}

/** stream i: a heuristic RTP flow of its own (10.x.y.z:port -> 192.0.2.1:port) */
function push(a, i, seq, ms) {
  const tsSec = Math.floor(ms / 1000);
  a.pushDatagram({
    src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, srcPort: 20000 + (i % 20000), dst: '192.0.2.1', dstPort: 40000 + (i % 20000),
    transport: 'udp', tsSec, tsNsec: Math.round((ms - tsSec * 1000) * 1e6), dscp: 46, payload: rtp(0x1000 + i, seq), source: 'bench',
  });
}

function scenario(retired, active) {
  const settings = loadSettings();
  const metrics = createMetrics({ settings });
  const a = new Analyzer({ file: 'bench', settings, listeners: [metrics.listener], retention: { streamIdleSeconds: 20 } });
  metrics.attach(a.view);
  let now = T0;
  // the streams that will retire: five packets each (one flow after the other: the heuristic confirms
  // a flow within its small candidate cache), then silence
  for (let i = 0; i < retired; i++) for (let k = 0; k < 5; k++) push(a, i, k, now + k * 20);
  now += 1000;
  // the active ones: a packet each per 20 ms of the clock, ticked every second; measure the ticks
  const ticks = [];
  let seq = 5;
  for (let i = 0; i < active; i++) for (let k = 0; k < 5; k++) push(a, retired + i, k, now + k * 20);
  for (let sec = 0; sec < 40; sec++) {
    for (let k = 0; k < 50; k++, seq++) for (let i = 0; i < active; i++) push(a, retired + i, seq, now + 100 + k * 18);
    now += 1000;
    globalThis.gc?.();
    const t = performance.now();
    a.tickTo(now);
    if (sec >= 25) ticks.push(performance.now() - t);
  }
  ticks.sort((x, y) => x - y);
  const held = a.held();
  return { median: ticks[Math.floor(ticks.length / 2)], p90: ticks[Math.floor(ticks.length * 0.9)], held };
}

export async function run(_ctx, retiredArg, activeArg) {
  const retired = Number(retiredArg ?? 10_000);
  const active = Number(activeArg ?? 1_000);
  const rows = [];
  console.log(`per-second tick cost (metrics onSecond + stale expiry + retirement sweep), node ${process.version}`);
  for (const [label, r] of [[`${active} active, ${retired} retired`, retired], [`${active} active, none retired`, 0]]) {
    const res = scenario(r, active);
    if (r > 0 && res.held.retiredStreams < retired) throw new Error(`expected ${retired} retired streams, got ${res.held.retiredStreams}`);
    console.log(`${label.padEnd(34)} median ${res.median.toFixed(2).padStart(6)} ms  p90 ${res.p90.toFixed(2).padStart(6)} ms  held ${res.held.streams} streams, ${res.held.recordsAllocated} records allocated`);
    rows.push({ bench: 'tick', case: label, medianMs: Number(res.median.toFixed(2)), p90Ms: Number(res.p90.toFixed(2)), heldStreams: res.held.streams });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run({}, process.argv[2], process.argv[3]);

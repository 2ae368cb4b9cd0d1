#!/usr/bin/env node
// Scrape cost with 10,000 active streams (target: a /metrics scrape under 50 ms).
// Run by `npm run bench` after the build; alone: `node test/bench/scrape.bench.mjs [streams]`.
// VOIPREADY_DIST=/path/to/dist points it at another build.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const dist = resolve(process.env.VOIPREADY_DIST ?? new URL('../../dist', import.meta.url).pathname);
const { createMetrics } = await import(pathToFileURL(`${dist}/outputs/prometheus/metrics.js`).href);
const { buildServer } = await import(pathToFileURL(`${dist}/outputs/server/server.js`).href);

/** `npm run bench` plugin (test/bench/run.mjs): returns one row per measurement */
export async function run(_ctx, arg) {
  const rows = [];
  const N = Number(arg ?? 10_000);
  const CODECS = ['PCMU', 'PCMA', 'G722', 'opus'];
  const thresholds = { oneWayDelayMs: 50, totalDelayMs: 150, lossPercent: 3, jitterMs: 20, warnFraction: 0.8, linkUtilisationPercent: 40, rtpDscp: [46], sipDscp: [24, 26], rtpPorts: { min: 10000, max: 20000 }, sipPorts: [5060], stunPorts: [3478] };
  const settings = { profile: 'default', thresholds, linkSpeedBps: null, staleSeconds: 10, externalLabels: {}, site: 'bench', peers: [{ name: 'carrier', networks: ['192.0.2.0/24'] }, { name: 'branch', networks: ['198.51.100.0/24'] }], remoteWrite: [], pushIntervalSeconds: 15, stateDir: null };

  const streams = [];
  for (let i = 0; i < N; i++) {
    streams.push({
      id: `s${i + 1}`, ssrc: i, src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:${10000 + (i % 5000) * 2}`,
      dst: `${i % 3 === 0 ? '192.0.2' : i % 3 === 1 ? '198.51.100' : '203.0.113'}.${i % 250}:12000`, codec: CODECS[i % 4], callId: `c${i}`,
      packets: 5000 + i, expected: 5010 + i, lost: 10, jitterMs: (i % 30) + 0.5, jitterMaxMs: 40, maxDeltaMs: 60,
      lastSeenEpochMs: 0, dscpMismatchPackets: i % 7, portOutOfRange: false, verdict: i % 10 === 0 ? 'fail' : 'pass',
    });
  }
  const view = {
    profile: 'default', thresholds, streams: () => streams, calls: () => [], activeStreams: () => streams, activeCalls: () => [],
    streamVerdicts: () => ({ pass: streams.filter((s) => s.verdict === 'pass').length, warn: 0, fail: streams.filter((s) => s.verdict === 'fail').length }),
    nowEpochMs: () => 1_700_000_000_000, report: () => { throw new Error('not used'); },
  };
  const m = createMetrics({ settings, defaultMetrics: true });
  m.attach(view);
  for (const s of streams) m.listener.onStream(s, 'start');
  const t = performance.now();
  m.listener.onSecond(1_700_000_000, view);
  const onSecondMs = performance.now() - t;

  const app = buildServer({ registry: m.registry, view: () => view });
  async function time(label, headers, runs = 15) {
    const ms = [];
    let bytes = 0;
    // Prometheus scrapes every few seconds: measure the steady state, not the first (cold JIT) scrape
    for (let i = 0; i < 3; i++) await app.inject({ url: '/metrics', headers });
    for (let i = 0; i < runs; i++) {
      globalThis.gc?.();
      const t0 = performance.now();
      const res = await app.inject({ url: '/metrics', headers });
      ms.push(performance.now() - t0);
      bytes = res.body.length;
    }
    ms.sort((a, b) => a - b);
    const median = ms[Math.floor(ms.length / 2)];
    console.log(`${label.padEnd(34)} median ${median.toFixed(1).padStart(6)} ms  p90 ${ms[Math.floor(ms.length * 0.9)].toFixed(1).padStart(6)} ms  ${(bytes / 1e6).toFixed(1)} MB`);
    return median;
  }
  console.log(`scrape cost, ${N} active streams (node ${process.version})`);
  console.log(`${'onSecond (counters + histograms)'.padEnd(34)} ${onSecondMs.toFixed(1).padStart(13)} ms`);
  const text = await time('/metrics, Prometheus text', {});
  rows.push({ bench: 'scrape', streams: N, what: '/metrics text median ms', value: text.toFixed(1), target: '< 50', met: text < 50 });
  const om = await time('/metrics, OpenMetrics', { accept: 'application/openmetrics-text;version=1.0.0' });
  rows.push({ bench: 'scrape', streams: N, what: '/metrics OpenMetrics median ms', value: om.toFixed(1), target: '< 50', met: om < 50 });
  const target = 50;
  console.log(`target ${target} ms: ${text < target ? 'met' : 'MISSED'} (text), ${om < target ? 'met' : 'MISSED'} (OpenMetrics)`);

  // the same without HTTP: what the render itself costs
  const { renderRegistry } = await import(pathToFileURL(`${dist}/outputs/prometheus/prom-bridge.js`).href);
  {
    const ms = [];
    for (let i = 0; i < 15; i++) {
      globalThis.gc?.();
      const t0 = performance.now();
      await renderRegistry(m.registry, false);
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    console.log(`${'render only, Prometheus text'.padEnd(34)} median ${ms[7].toFixed(1).padStart(6)} ms`);
  }
  return rows;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await run({}, process.argv[2]);

// Does pushing slow the analysis down? A synthetic replay loop (per-packet RFC 3550 jitter
// arithmetic on numbers, 20 streams x 50 packets per capture second) feeds a prom-client registry
// of ~120 series; once per capture second the pipeline's onSecond hands the second to
// remoteWriteListener, as `voipready replay --remote-write` does. Three runs on the same loop:
//   no push | push to a dead receiver (connection refused) | push to a receiver that hangs
// and the ratio to the first. The acceptance bar is a dead receiver within 5 % of no push.
// Run after a build: `npm run bench` (or `node test/bench/remote-write.bench.mjs`).
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Counter, Gauge, Registry } from 'prom-client';

// the build (dist/ mirrors src/); VOIPREADY_DIST points elsewhere, e.g. a scratch build
const distDir = process.env.VOIPREADY_DIST ?? process.env.BENCH_DIST;
const dist = distDir !== undefined ? pathToFileURL(`${distDir.replace(/\/$/, '')}/`) : new URL('../../dist/', import.meta.url);
const { createRemoteWriter, remoteWriteListener } = await import(new URL('outputs/remote-write/writer.js', dist).href);

const STREAMS = 20;
const PPS = 50;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20_000);

function makeRegistry() {
  const registry = new Registry();
  const packets = new Counter({ name: 'voipready_bench_packets_total', help: 'h', labelNames: ['stream'], registers: [registry] });
  const jitter = new Gauge({ name: 'voipready_bench_jitter_seconds', help: 'h', labelNames: ['stream'], registers: [registry] });
  const lost = new Counter({ name: 'voipready_bench_lost_total', help: 'h', labelNames: ['stream'], registers: [registry] });
  return { registry, packets, jitter, lost };
}

/** the analysis stand-in: numbers only per packet, registry updates and onSecond once per second */
function replay(attach) {
  const { registry, packets, jitter, lost } = makeRegistry();
  const listener = attach(registry);
  const j = new Float64Array(STREAMS);
  const lastTransit = new Float64Array(STREAMS);
  const labels = Array.from({ length: STREAMS }, (_, i) => ({ stream: `s${i}` }));
  const t0 = Math.floor(Date.now() / 1000) - SECONDS;
  const start = performance.now();
  for (let sec = 0; sec < SECONDS; sec++) {
    for (let p = 0; p < PPS; p++) {
      for (let s = 0; s < STREAMS; s++) {
        const arrival = sec * 8000 + p * 160 + ((p * 7 + s * 13) % 11);
        const transit = arrival - p * 160;
        const d = Math.abs(transit - lastTransit[s]);
        lastTransit[s] = transit;
        j[s] += (d - j[s]) / 16; // RFC 3550 A.8
      }
    }
    for (let s = 0; s < STREAMS; s++) {
      packets.inc(labels[s], PPS);
      jitter.set(labels[s], j[s] / 8000);
      if (sec % 97 === s) lost.inc(labels[s]);
    }
    listener?.onSecond?.(t0 + sec, null);
  }
  return performance.now() - start;
}

async function runOnce(label, target) {
  let writer;
  const logs = [];
  const ms = replay((registry) => {
    if (target === null) return null;
    writer = createRemoteWriter({
      targets: [target], registry, externalLabels: { site: 'bench' }, pushIntervalSeconds: 1,
      stateDir: null, log: (l) => logs.push(l), maxQueuedSamples: 200_000,
    });
    writer.start();
    return remoteWriteListener(writer);
  });
  // the analysis is over here; what follows is the writer's own shutdown
  if (writer !== undefined) await writer.stop(500);
  return { label, ms, stats: writer?.stats, logs };
}

/** plugin entry for test/bench/run.mjs: rows to print */
export async function run(ctx) {
  void ctx;
  return measure(() => undefined);
}

async function measure(print) {
  const dead = createServer();
  await new Promise((r) => dead.listen(0, '127.0.0.1', r));
  const deadUrl = `http://127.0.0.1:${dead.address().port}/api/v1/write`;
  await new Promise((r) => dead.close(r)); // nothing listens there now: connection refused
  const hang = createServer(() => { /* never answers */ });
  await new Promise((r) => hang.listen(0, '127.0.0.1', r));
  const hangUrl = `http://127.0.0.1:${hang.address().port}/api/v1/write`;

  const runs = [];
  for (let round = 0; round < 3; round++) {
    for (const [label, target] of [['no push', null], ['dead receiver', { url: deadUrl }], ['hanging receiver', { url: hangUrl, timeoutMs: 1000 }]]) {
      runs.push(await runOnce(label, target));
    }
  }
  hang.closeAllConnections();
  hang.close();
  const best = (label) => Math.min(...runs.filter((r) => r.label === label).map((r) => r.ms));
  const base = best('no push');
  const packetsTotal = SECONDS * PPS * STREAMS;
  const rows = ['no push', 'dead receiver', 'hanging receiver'].map((label) => ({
    bench: 'remote_write', run: label, ms: Math.round(best(label)), ratio: Number((best(label) / base).toFixed(3)),
  }));
  print(`remote_write bench: ${SECONDS} capture seconds, ${STREAMS} streams x ${PPS} pps (${packetsTotal} packets), best of 3`);
  for (const label of ['no push', 'dead receiver', 'hanging receiver']) {
    const ms = best(label);
    print(`  ${label.padEnd(17)} ${ms.toFixed(0).padStart(6)} ms  ${(packetsTotal / ms / 1000).toFixed(2)} M packets/s  ratio ${(ms / base).toFixed(3)}`);
  }
  const last = runs.filter((r) => r.label === 'dead receiver').pop();
  print(`  dead receiver: queued ${last?.stats?.queuedSamples}, dropped ${last?.stats?.targets[0]?.dropped} (bounded queue)`);
  const ratio = best('dead receiver') / base;
  print(ratio <= 1.05 ? '  OK: within 5 %' : `  OVER BUDGET: dead receiver costs ${((ratio - 1) * 100).toFixed(1)} %`);
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await measure((line) => console.log(line));

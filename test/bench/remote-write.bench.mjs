// Does pushing slow the analysis down? The real pipeline, through the CLI:
//   voipready replay CAPTURE --speed max --exit-after-end
// three ways, interleaved round by round:
//   no push | --remote-write to a dead receiver (connection refused) | to a receiver that hangs
// The push runs use --push-interval 1: the shortest interval, the most push work the analysis could meet.
// Per run: "analysis" = spawn until the "replay ... finished" line (what the push must not slow
// down), "exit" = spawn until the process is gone (includes the writer's shutdown: up to its 5 s
// deadline against a hanging receiver), and the child's CPU time (user + system). Best of N rounds;
// the ratios are to "no push". The acceptance bar: a dead receiver within 5 % of no push.
// Note: at --speed max the file is read synchronously, so no timer (no push attempt) runs until
// the end; what the push path costs the analysis there is the per-capture-second snapshot, and the
// receivers differ only at shutdown ("exit").
// The CLI ratios swing by +-10 % on a busy machine; the in-process attribution (below) does not.
// Measured 2026-11-23 (2 shared cores, 1.0 M packets, 668 streams, ~1250 series, 41 capture s,
// 7 rounds): remote_write listener share of the analysis before the snapshot fixes 7.3 %
// (4.2 ms per snapshot), after 4.7 % median, 3.7 % min (1.7 ms per snapshot); about half of
// what is left is outputs/prometheus' computed gauges (countActive, byVerdict, perActive).
// Run after a build: `npm run bench` (capture = the bench's 1x capture), or standalone:
//   node test/bench/remote-write.bench.mjs [capture.pcap]     (BENCH_ROUNDS=7 for more rounds,
//   BENCH_DIST=dir to run another build)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// BENCH_DIST: another build's outDir (e.g. a scratch build of an older writer, for a before/after)
const dist = process.env.BENCH_DIST ?? join(root, 'dist');
/** argv that runs the CLI of `dist` (bin/voipready for the tree's own build) */
const CLI = process.env.BENCH_DIST === undefined
  ? [join(root, 'bin/voipready')]
  : ['--input-type=module', '-e', `import { run } from ${JSON.stringify(pathToFileURL(join(dist, 'cli/main.js')).href)};
process.exitCode = await run([process.argv[0], 'voipready', ...process.argv.slice(1)]);`];
// the machine is often shared: fewer than 5 interleaved rounds leave the ratio to noise
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const DEFAULT_CAPTURE = '/tmp/voipready-bench/bench-v1-334.pcap';

/**
 * A node preload that reports the child's own CPU time on stderr when the replay says it finished
 * (the analysis' CPU time: less disturbed by other processes than wall time) and at exit.
 */
const REPORT_CPU = `data:text/javascript,${encodeURIComponent(`
const write = process.stderr.write.bind(process.stderr);
const cpu = () => { const u = process.cpuUsage(); return u.user + u.system; };
process.stderr.write = (chunk, ...rest) => {
  if (String(chunk).includes(' finished: ')) write('\\nBENCH_ANALYSIS_CPU_US=' + cpu() + '\\n');
  return write(chunk, ...rest);
};
process.on('exit', () => write('\\nBENCH_CPU_US=' + cpu() + '\\n'));`)}`;

function runReplay(capture, extra) {
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    const args = ['--import', REPORT_CPU, ...CLI, 'replay', capture, '--speed', 'max', '--exit-after-end', '--listen', '127.0.0.1:0', ...extra];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let analysisMs = null;
    child.stderr.on('data', (d) => {
      stderr += d;
      if (analysisMs === null && /replay of .* finished/.test(stderr)) analysisMs = performance.now() - t0;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const exitMs = performance.now() - t0;
      const cpu = /BENCH_CPU_US=(\d+)/.exec(stderr);
      const analysisCpu = /BENCH_ANALYSIS_CPU_US=(\d+)/.exec(stderr);
      if (code !== 0 || analysisMs === null) {
        reject(new Error(`replay ${extra.join(' ')} exited ${code}: ${stderr.slice(-600)}`));
        return;
      }
      const lines = stderr.split('\n').filter((l) => l.includes('remote_write'));
      resolvePromise({
        analysisMs, exitMs, cpuMs: cpu ? Number(cpu[1]) / 1000 : NaN, analysisCpuMs: analysisCpu ? Number(analysisCpu[1]) / 1000 : NaN, log: lines,
      });
    });
  });
}

async function receivers() {
  // dead: port 1 on loopback (nothing listens; connection refused at once)
  const deadUrl = 'http://127.0.0.1:1/api/v1/write';
  const sockets = new Set();
  const hang = createServer(() => { /* reads the request, never answers */ });
  hang.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((r) => hang.listen(0, '127.0.0.1', r));
  const hangUrl = `http://127.0.0.1:${hang.address().port}/api/v1/write`;
  const close = async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => hang.close(r));
  };
  return { deadUrl, hangUrl, close };
}

/**
 * The attribution, robust to a busy machine: in one process, the replay's own wiring (Analyzer,
 * metrics listener, remote_write listener after it, dead receiver; as src/cli/replay.ts does) over
 * the capture at full speed, timing what the remote_write listener takes (its per-second snapshots
 * and the final one) against the whole analysis. Both slow down together when the machine is busy.
 */
async function shareChild(capture) {
  const mod = (p) => import(pathToFileURL(join(dist, p)).href);
  const [{ Analyzer }, { iterateCapture }, { createMetrics }, { loadSettings }, { createRemoteWriter, remoteWriteListener }] = await Promise.all([
    mod('pipeline/analyzer.js'), mod('capture/file-source.js'), mod('outputs/prometheus/metrics.js'), mod('config/load-settings.js'),
    mod('outputs/remote-write/writer.js'),
  ]);
  const settings = loadSettings({});
  const analyzer = new Analyzer({ file: capture, settings });
  const metrics = createMetrics({ settings, defaultMetrics: true });
  analyzer.addListener(metrics.listener);
  metrics.attach(analyzer.view);
  const writer = createRemoteWriter({
    targets: [{ url: 'http://127.0.0.1:1/api/v1/write' }], registry: metrics.registry, externalLabels: settings.externalLabels,
    pushIntervalSeconds: 1, stateDir: null, log: () => undefined,
  });
  writer.start();
  const inner = remoteWriteListener(writer);
  let pushMs = 0;
  let seconds = 0;
  const timed = (fn) => (...args) => {
    const t = performance.now();
    fn(...args);
    pushMs += performance.now() - t;
  };
  analyzer.addListener({ onSecond: timed((s, v) => { seconds++; inner.onSecond(s, v); }), onEnd: timed((r, v) => inner.onEnd?.(r, v)) });
  const t0 = performance.now();
  let records = 0;
  for await (const rec of iterateCapture(capture)) {
    records++;
    analyzer.push(rec);
  }
  analyzer.end({ file: capture, format: 'unknown', records, bytes: 0, linkTypes: [] });
  const totalMs = performance.now() - t0;
  const series = writer.stats.queuedSamples / Math.max(1, seconds + 1);
  writer.abandon();
  process.stdout.write(`${JSON.stringify({ totalMs, pushMs, seconds, series: Math.round(series) })}\n`);
}

function runShareChild(capture) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--share-child', capture], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(JSON.parse(out)) : reject(new Error(`share child exited ${code}`))));
  });
}

/** plugin entry for test/bench/run.mjs: rows to print */
export async function run(ctx) {
  return measure(ctx.capturePath, ctx.packets, () => undefined);
}

async function measure(capture, packets, print) {
  if (!existsSync(join(dist, 'cli/main.js'))) throw new Error(`${dist}/cli/main.js not built: npm run build`);
  if (!existsSync(capture)) throw new Error(`${capture} not found (npm run bench generates it)`);
  const rx = await receivers();
  const variants = [
    ['no push', []],
    ['dead receiver', ['--remote-write', rx.deadUrl, '--push-interval', '1']],
    ['hanging receiver', ['--remote-write', rx.hangUrl, '--push-interval', '1', '--remote-write-timeout', '2']],
  ];
  const runs = [];
  try {
    await runReplay(capture, []); // warm the page cache
    for (let round = 0; round < ROUNDS; round++) {
      for (const [label, extra] of variants) runs.push({ label, ...await runReplay(capture, extra) });
    }
  } finally {
    await rx.close();
  }
  const shares = [];
  for (let round = 0; round < ROUNDS; round++) shares.push(await runShareChild(capture));
  const best = (label, key) => Math.min(...runs.filter((r) => r.label === label).map((r) => r[key]));
  const median = (label, key) => {
    const v = runs.filter((r) => r.label === label).map((r) => r[key]).sort((a, b) => a - b);
    return v[Math.floor(v.length / 2)];
  };
  const ratioOf = (label, key) => best(label, key) / best('no push', key);
  const rows = variants.map(([label]) => ({
    bench: 'remote_write (replay --speed max)', run: label,
    analysisMs: Math.round(best(label, 'analysisMs')), ratio: +ratioOf(label, 'analysisMs').toFixed(3),
    medianAnalysisMs: Math.round(median(label, 'analysisMs')),
    analysisCpuMs: Math.round(best(label, 'analysisCpuMs')), cpuRatio: +ratioOf(label, 'analysisCpuMs').toFixed(3),
    exitMs: Math.round(best(label, 'exitMs')), totalCpuMs: Math.round(best(label, 'cpuMs')),
    ...(packets ? { packetsPerSecond: Math.round(packets / (best(label, 'analysisMs') / 1000)) } : {}),
  }));
  print(`remote_write bench: voipready replay ${capture} --speed max --exit-after-end, best of ${ROUNDS} rounds (interleaved)`);
  print('  run               analysis: wall ms  ratio  (median)  cpu ms  ratio    exit: wall ms  cpu ms');
  for (const r of rows) {
    print(`  ${r.run.padEnd(17)} ${String(r.analysisMs).padStart(17)}  ${r.ratio.toFixed(3)}  ${String(r.medianAnalysisMs).padStart(8)}  ${String(r.analysisCpuMs).padStart(6)}  ${r.cpuRatio.toFixed(3)}  ${String(r.exitMs).padStart(14)}  ${String(r.totalCpuMs).padStart(6)}`);
  }
  const pct = shares.map((x) => (100 * x.pushMs) / x.totalMs).sort((a, b) => a - b);
  const share = { min: pct[0], median: pct[Math.floor(pct.length / 2)] };
  const one = shares[0];
  rows.push({
    bench: 'remote_write (in-process attribution)', run: 'remote_write listener / analysis',
    sharePercentMin: +share.min.toFixed(2), sharePercentMedian: +share.median.toFixed(2),
    msPerSnapshot: +(one.pushMs / (one.seconds + 1)).toFixed(2), seriesPerSnapshot: one.series, captureSeconds: one.seconds,
  });
  print(`  in-process: the remote_write listener takes ${share.median.toFixed(2)} % of the analysis (median of ${ROUNDS}; min ${share.min.toFixed(2)} %),`);
  print(`  ${(one.pushMs / (one.seconds + 1)).toFixed(2)} ms per snapshot of ${one.series} series, ${one.seconds} capture seconds`);
  const dead = runs.filter((r) => r.label === 'dead receiver').pop();
  print(`  dead receiver log: ${dead?.log.join(' | ')}`);
  // wall time is what the issue asks about; CPU time says whether a miss is ours or the machine's
  const [wall, cpu] = [rows[1].ratio, rows[1].cpuRatio];
  print(wall <= 1.05 ? '  OK: dead receiver within 5 % of no push (wall)'
    : `  OVER BUDGET: a dead receiver costs ${((wall - 1) * 100).toFixed(1)} % wall time (${((cpu - 1) * 100).toFixed(1)} % CPU time)`);
  print(share.median <= 5 ? '  OK: the push path is within 5 % of the analysis (in-process)' : `  OVER BUDGET: the push path takes ${share.median.toFixed(1)} % of the analysis`);
  return rows;
}

if (process.argv[2] === '--share-child') {
  await shareChild(process.argv[3]);
} else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await measure(process.argv[2] ?? process.env.BENCH_CAPTURE ?? DEFAULT_CAPTURE, undefined, (line) => console.log(line));
}

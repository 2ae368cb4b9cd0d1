#!/usr/bin/env node
// Macro benchmark, ratios in one run: the bare record walk, `voipready analyze --json` and
// `tshark -z rtp,streams` on the same synthetic captures (~1 M packets, and 3x that to show memory
// stays flat in file size): wall time, packets/s and peak RSS (VmHWM polled every 20 ms, plus
// the child's own maxRSS reported at exit for node children), as the median of BENCH_REPEATS interleaved
// rounds (default 3). Then every test/bench/*.bench.mjs
// plugin: `export async function run(ctx)` with ctx = { capturePath, packets, tmpDir }, returning
// rows (objects) to print. Run with `npm run bench` (builds dist/ first).
// Env: BENCH_SCALE=0.1 for a quick run; BENCH_SKIP_LARGE=1 to skip the 3x capture; BENCH_6X=1 to add a
// 6x one (6 M packets, 1.4 GB: the size the memory target names); BENCH_REPEATS=n;
// BENCH_DIST=dir.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
// BENCH_DIST: another build's outDir (partial builds while the tree does not compile)
const dist = process.env.BENCH_DIST ?? join(root, 'dist');
const scale = Number(process.env.BENCH_SCALE ?? 1);
const tmpDir = join(tmpdir(), 'voipready-bench');
mkdirSync(tmpDir, { recursive: true });

/** ~3000 packets per call (2 x 50 pkt/s x 30 s) + SIP + RTCP; calls overlap by hundreds */
function benchScenario(calls) {
  return {
    name: `bench-${calls}`, seed: 4242, background: { packets: 0, intervalMs: 100 },
    groups: [{
      count: calls, concurrent: Math.min(calls, 400), staggerMs: 25, durationMs: 30000, rtcpIntervalMs: 5000,
      forward: { loss: { kind: 'bernoulli', p: 0.01 }, jitter: { kind: 'uniform', maxMs: 8 } },
      backward: { jitter: { kind: 'normal', meanMs: 4, sigmaMs: 2 } },
    }],
  };
}

async function ensureCapture(calls, format = 'pcap') {
  const path = join(tmpDir, `bench-v1-${calls}.${format}`);
  const meta = `${path}.truth.json`;
  if (existsSync(path) && existsSync(meta)) return { path, packets: JSON.parse(readFileSync(meta, 'utf8')).frames };
  const { defineScenario, generateCapture, truthToJSON } = await import(pathToFileURL(join(dist, 'synth/index.js')).href);
  const t0 = performance.now();
  const truth = generateCapture(defineScenario(benchScenario(calls)), path, format);
  writeFileSync(meta, truthToJSON(truth));
  process.stderr.write(`generated ${path}: ${truth.frames} packets in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return { path, packets: truth.frames };
}

function vmHwmKb(pid) {
  try {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** a node preload that reports the process's own peak RSS on stderr just before exit */
const REPORT_RSS = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nBENCH_MAXRSS_KB='+process.resourceUsage().maxRSS+'\\n'))`;

function measure(cmd, args) {
  return new Promise((resolvePromise) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let peak = 0;
    let stderr = '';
    const timer = setInterval(() => { peak = Math.max(peak, vmHwmKb(child.pid)); }, 20);
    child.stderr.on('data', (d) => { stderr += d; if (stderr.length > 1e6) stderr = stderr.slice(-1e5); });
    child.on('close', (code) => {
      clearInterval(timer);
      const wall = (performance.now() - t0) / 1000;
      const m = /BENCH_MAXRSS_KB=(\d+)/.exec(stderr);
      if (m) peak = Math.max(peak, Number(m[1]));
      resolvePromise({ code, wall, peakKb: peak, stderr: stderr.trim().split('\n').slice(-3).join(' | ') });
    });
  });
}

function walkerScript(path) {
  return `
    const m = await import(${JSON.stringify(pathToFileURL(join(dist, 'capture/file-source.js')).href)});
    let n = 0;
    const r = m.readCaptureFile(${JSON.stringify(path)}, () => { n++; });
    await r;
    if (n === 0) throw new Error('no records walked');`;
}

/** every tool this machine can run on the capture: [name, command, args] */
function toolsFor(cap) {
  const tools = [];
  if (existsSync(join(dist, 'capture/file-source.js'))) {
    tools.push(['bare record walk', process.execPath, ['--import', REPORT_RSS, '--input-type=module', '-e', walkerScript(cap.path)]]);
  } else {
    process.stderr.write('skip bare walk: dist/capture/file-source.js not built\n');
  }
  if (existsSync(join(dist, 'cli-bundle/main.js'))) {
    tools.push(['voipready analyze --json', process.execPath, ['--import', REPORT_RSS, join(root, 'bin/voipready'), 'analyze', cap.path, '--json']]);
  } else {
    process.stderr.write('skip analyze: dist/cli-bundle/main.js not built\n');
  }
  if (spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0) {
    tools.push(['tshark -z rtp,streams', 'tshark', ['-n', '-q', '-z', 'rtp,streams', '-r', cap.path]]);
  }
  return tools;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/**
 * BENCH_REPEATS rounds (default 3), each running every tool once in turn, so that a slow spell of the
 * machine hits all tools alike; each row gives the median wall time (and the range) and the highest peak RSS.
 */
async function rowsFor(cap, label, only = '') {
  const tools = toolsFor(cap).filter(([tool]) => tool.startsWith(only));
  const runs = tools.map(() => []);
  const repeats = Math.max(1, Number(process.env.BENCH_REPEATS ?? 3));
  for (let round = 0; round < repeats; round++) {
    for (let i = 0; i < tools.length; i++) runs[i].push(await measure(tools[i][1], tools[i][2]));
  }
  return tools.map(([tool], i) => {
    const rs = runs[i];
    const failed = rs.find((r) => r.code !== 0);
    const walls = rs.map((r) => r.wall);
    const wall = median(walls);
    return {
      capture: label, tool, packets: cap.packets, ok: failed === undefined, runs: rs.length,
      wallSeconds: +wall.toFixed(3), wallRange: `${Math.min(...walls).toFixed(2)}-${Math.max(...walls).toFixed(2)}`,
      packetsPerSecond: Math.round(cap.packets / wall), peakRssMB: +(Math.max(...rs.map((r) => r.peakKb)) / 1024).toFixed(1),
      ...(failed === undefined ? {} : { error: failed.stderr }),
    };
  });
}

function table(rows) {
  if (rows.length === 0) return '(no rows)\n';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(cols), line(cols.map(() => '---')), ...rows.map((r) => line(cols.map((c) => String(r[c] ?? ''))))].join('\n') + '\n';
}

/** what every run pays before its first packet: node itself, and voipready on a capture of a few packets */
async function startupRows() {
  const tiny = join(root, 'fixtures/captures/only-sip.pcap');
  const tools = [['node -e 0 (node start-up alone)', process.execPath, ['-e', '0']]];
  if (existsSync(join(dist, 'cli/main.js')) && existsSync(tiny)) {
    tools.push(['voipready analyze --json, tiny capture', process.execPath, [join(root, 'bin/voipready'), 'analyze', tiny, '--json']]);
  }
  const out = [];
  for (const [tool, cmd, args] of tools) {
    const walls = [];
    for (let i = 0; i < 5; i++) walls.push((await measure(cmd, args)).wall);
    out.push({ tool, runs: walls.length, medianSeconds: +median(walls).toFixed(3) });
  }
  return out;
}

const calls = Math.max(2, Math.round(334 * scale));
const main = await ensureCapture(calls);
const rows = await rowsFor(main, '1x');
if (!process.env.BENCH_SKIP_LARGE) rows.push(...await rowsFor(await ensureCapture(calls * 3), '3x'));
if (process.env.BENCH_6X) rows.push(...await rowsFor(await ensureCapture(calls * 6), '6x'));
process.stdout.write(`\n## analyze vs tshark vs bare walk\n\n${table(rows)}`);
const ratios = {};
for (const label of ['1x', '3x', '6x']) {
  const v = rows.find((r) => r.capture === label && r.tool.startsWith('voipready') && r.ok);
  const t = rows.find((r) => r.capture === label && r.tool.startsWith('tshark') && r.ok);
  if (v && t) {
    ratios[label] = +(v.packetsPerSecond / t.packetsPerSecond).toFixed(2);
    process.stdout.write(`\nvoipready / tshark packets/s (${label}): ${ratios[label]}x\n`);
  }
}

// the same calls written as pcapng (Wireshark's default format): analyze alone, to compare with the 1x pcap row
const ng = await ensureCapture(calls, 'pcapng');
const ngRows = await rowsFor(ng, '1x pcapng', 'voipready');
process.stdout.write(`\n## the 1x calls as pcapng\n\n${table(ngRows)}`);
rows.push(...ngRows);

const startup = await startupRows();
process.stdout.write(`\n## fixed cost per run (start-up, module loading, report)\n\n${table(startup)}`);
if (process.env.NODE_EXTRA_CA_CERTS) process.stdout.write('(NODE_EXTRA_CA_CERTS is set: node loads those certificates at every start-up)\n');

const plugins = {};
for (const f of readdirSync(dirname(fileURLToPath(import.meta.url))).filter((n) => n.endsWith('.bench.mjs')).sort()) {
  try {
    const mod = await import(pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), f)).href);
    const out = await mod.run({ capturePath: main.path, packets: main.packets, tmpDir });
    plugins[f] = out;
    process.stdout.write(`\n## ${f}\n\n${table(Array.isArray(out) ? out : [])}`);
  } catch (err) {
    plugins[f] = { error: String(err && err.stack ? err.stack : err) };
    process.stdout.write(`\n## ${f}\n\nfailed: ${err}\n`);
  }
}

mkdirSync(join(root, 'test-artifacts'), { recursive: true });
writeFileSync(join(root, 'test-artifacts/bench.json'), `${JSON.stringify({
  date: new Date().toISOString(), node: process.version, scale, rows, ratios, startup, plugins,
}, null, 1)}\n`);
process.stdout.write('\nwrote test-artifacts/bench.json\n');

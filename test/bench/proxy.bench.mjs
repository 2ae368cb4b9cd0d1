// Load benchmark of `voipready proxy` against Debian's rtpengine (userspace), in one run and on the
// same steps: N concurrent G.711 calls (50 packets/s each way) relayed on loopback, driven by the C
// generator in ../shared/tools/proxy-load (rtpgen.c). For voipready the N calls are set up through
// the proxy's SIP side (proxy-sip-setup.mjs); for rtpengine through its ng protocol by the shared
// run.sh. Reported per N and relay: generator-measured relay loss, p99 added latency on the kernel
// receive stamp, CPU microseconds per forwarded packet, RSS; and the largest N with no loss and
// p99 < 1 ms for each. Env: PROXY_BENCH_N="250 500 1000", PROXY_BENCH_DURATION=10 (seconds),
// BENCH_SKIP_PROXY=1 to skip, BENCH_SKIP_RTPENGINE=1 to run voipready only, PROXY_BENCH_PRIORITY to pass
// --relay-priority (realtime by default), PROXY_BENCH_RECORD=FILE to run the proxy with --record FILE.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setupCallsThroughProxy } from './proxy-sip-setup.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LOAD = resolve(root, '..', 'shared', 'tools', 'proxy-load');
const PROXY_PORT = 25060;
const UPSTREAM_PORT = 25070;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function buildGenerator(tmpDir) {
  const out = join(tmpDir, 'rtpgen');
  const r = spawnSync('gcc', ['-O2', '-Wall', '-o', out, join(LOAD, 'rtpgen.c')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`gcc rtpgen.c: ${r.stderr}`);
  return out;
}

function startProxy() {
  const child = spawn(process.execPath, [join(root, 'bin', 'voipready'), 'proxy', '--listen', `127.0.0.1:${PROXY_PORT}`,
    '--upstream', `127.0.0.1:${UPSTREAM_PORT}`, '--rtp-ports', '30000-39999', '--sip-rate-limit', '0', '--media-timeout', '3600', '--grace', '0', '--json',
    ...(process.env.PROXY_BENCH_PRIORITY ? ['--relay-priority', process.env.PROXY_BENCH_PRIORITY] : []),
    ...(process.env.PROXY_BENCH_RECORD ? ['--record', process.env.PROXY_BENCH_RECORD] : [])],
  { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  return {
    child,
    ready: async () => {
      const end = Date.now() + 15000;
      while (!err.includes('proxy on') && Date.now() < end) {
        if (child.exitCode !== null) throw new Error(`proxy exited: ${err}`);
        await sleep(50);
      }
      if (!err.includes('proxy on')) throw new Error(`proxy not ready: ${err}`);
    },
    stop: async () => {
      child.kill('SIGTERM');
      const end = Date.now() + 20000;
      while (child.exitCode === null && Date.now() < end) await sleep(50);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

function runGenerator(gen, portsFile, pid, duration, label) {
  const r = spawnSync(gen, ['--ports', portsFile, '--duration-s', String(duration), '--warmup-s', '3', '--drain-ms', '2000', '--pid', String(pid), '--label', label],
    { encoding: 'utf8', timeout: (duration + 40) * 1000 });
  if (r.status !== 0) throw new Error(`rtpgen: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function row(relay, n, d) {
  const cpuUsPerPacket = d.pps_rx > 0 ? (d.relay.pid_cpu_pct / 100) * 1e6 / d.pps_rx : null;
  return {
    relay, calls: n, pps: d.pps_rx, loss_pct: d.loss_pct, kern_p99_us: d.lat_kern_us.p99, kern_max_us: d.lat_kern_us.max,
    cpu_pct: d.relay.pid_cpu_pct, cpu_us_per_pkt: cpuUsPerPacket === null ? null : Number(cpuUsPerPacket.toFixed(2)),
    rss_mb: d.relay.rss_mb, steal_pct: d.sys?.steal_pct,
  };
}

async function voipreadyAt(n, gen, tmpDir, duration) {
  const proxy = startProxy();
  try {
    await proxy.ready();
    const setup = await setupCallsThroughProxy({ proxyPort: PROXY_PORT, upstreamPort: UPSTREAM_PORT, n });
    const file = join(tmpDir, `voipready-${n}.tsv`);
    writeFileSync(file, setup.lines);
    process.stderr.write(`proxy bench: ${n} calls set up through the proxy's SIP side in ${setup.seconds.toFixed(1)} s\n`);
    const d = runGenerator(gen, file, proxy.child.pid, duration, 'voipready');
    await setup.close();
    return { ...row('voipready', n, d), setup_s: Number(setup.seconds.toFixed(2)) };
  } finally {
    await proxy.stop();
  }
}

function rtpengineAt(ns, tmpDir, duration) {
  const out = join(tmpDir, 'rtpengine');
  mkdirSync(out, { recursive: true });
  const results = join(out, 'results.jsonl');
  writeFileSync(results, '');
  const r = spawnSync('bash', [join(LOAD, 'run.sh'), ...ns.map(String)], {
    encoding: 'utf8', timeout: ns.length * (duration + 90) * 1000,
    env: { ...process.env, OUT: out, RESULTS: results, DURATION: String(duration), BURST: '0', STOP: '0' },
  });
  if (r.status !== 0) throw new Error(`run.sh: ${r.stderr.slice(-2000)}`);
  return readFileSync(results, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l))
    .filter((d) => d.mode === 'relay' || d.label === 'relay').map((d) => row('rtpengine', d.n_calls, d));
}

// a step counts only when the generator kept its rate (2 x 50 packets/s per call): a starved generator
// sends less and makes any relay look fast
const meetsBar = (r) => r.loss_pct === 0 && r.kern_p99_us < 1000 && r.pps >= 0.98 * r.calls * 100;

export async function run(ctx) {
  if (process.env.BENCH_SKIP_PROXY === '1') return [];
  if (!existsSync(join(LOAD, 'rtpgen.c'))) return [{ proxy: `skipped: ${LOAD} absent` }];
  const ns = (process.env.PROXY_BENCH_N ?? '250 500 1000').split(/\s+/).filter(Boolean).map(Number);
  const duration = Number(process.env.PROXY_BENCH_DURATION ?? 10);
  const dir = join(ctx.tmpDir, 'proxy-load');
  mkdirSync(dir, { recursive: true });
  const gen = buildGenerator(dir);
  const rows = [];
  for (const n of ns) rows.push(await voipreadyAt(n, gen, dir, duration));
  const haveRtpengine = spawnSync('sh', ['-c', 'command -v rtpengine'], { encoding: 'utf8' }).status === 0;
  if (process.env.BENCH_SKIP_RTPENGINE !== '1' && haveRtpengine) rows.push(...rtpengineAt(ns, dir, duration));
  else rows.push({ relay: 'rtpengine', note: haveRtpengine ? 'skipped (BENCH_SKIP_RTPENGINE=1)' : 'not installed (apt-get install rtpengine-daemon)' });
  for (const relay of ['voipready', 'rtpengine']) {
    const ok = rows.filter((r) => r.relay === relay && r.calls !== undefined && meetsBar(r)).map((r) => r.calls);
    rows.push({ relay, largest_n_no_loss_p99_under_1ms: ok.length > 0 ? Math.max(...ok) : 0 });
  }
  return rows;
}

// `node test/bench/proxy.bench.mjs` runs it alone
if (import.meta.url === `file://${process.argv[1]}`) {
  const tmpDir = join(process.env.TMPDIR ?? '/tmp', 'voipready-bench');
  mkdirSync(tmpDir, { recursive: true });
  for (const r of await run({ tmpDir })) process.stdout.write(JSON.stringify(r) + '\n');
}

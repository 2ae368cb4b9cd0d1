// Interface capture benchmark (`voipready monitor --interface`, with each capture tool in turn:
// tcpdump, the default for one interface, and dumpcap), next to
// `tcpdump -w /dev/null` on the same traffic in the same run: a UDP sender on loopback at rising
// rates (G.711-shaped streams of 50 packets/s each, 3 s per step); both capture with the same BPF filter and the same
// kernel buffer at once. Reported per rate and tool: packets sent, what each says it dropped (the
// monitor's capture tool's and the reference tcpdump's closing counts), voipready's RTP packets analysed (from its report) and its CPU. The
// aim: no drops where tcpdump has none. Env: MONITOR_BENCH_RATES="20000 50000 100000",
// MONITOR_BENCH_TOOLS="tcpdump dumpcap",
// BENCH_SKIP_MONITOR=1 to skip. Needs dumpcap and tcpdump (and the privilege to capture on lo).
// Runnable alone: `node test/bench/monitor-interface.bench.mjs`.
import { spawn, spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** the kernel capture buffer both get (MONITOR_BENCH_BUFFER_MIB, default 32) */
const BUFFER_MIB = Number(process.env.MONITOR_BENCH_BUFFER_MIB ?? 32);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const have = (c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;

/**
 * G.711-shaped traffic: rate / 50 streams (calls' directions), each a packet every 20 ms with
 * sequence and timestamp as a phone sends them (the analysis' RTP heuristic checks both), spread
 * evenly over each 20 ms tick
 */
async function send(port, rate, seconds) {
  const streams = Math.max(1, Math.round(rate / 50));
  // one socket per stream, as phones send: the heuristic ties a stream to its source port
  const socks = [];
  for (let i = 0; i < streams; i++) {
    const sock = createSocket('udp4');
    await new Promise((r) => sock.bind(0, '127.0.0.1', r));
    socks.push(sock);
  }
  let sent = 0;
  const start = performance.now();
  const total = streams * 50 * seconds;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * streams * 50));
    while (sent < due) {
      const stream = sent % streams;
      const seq = Math.floor(sent / streams);
      // a buffer per packet: dgram keeps a reference until the datagram is out
      const pkt = Buffer.alloc(172);
      pkt[0] = 0x80;
      pkt.writeUInt16BE(seq & 0xffff, 2);
      pkt.writeUInt32BE((seq * 160) >>> 0, 4);
      pkt.writeUInt32BE(0x10000 + stream, 8);
      socks[stream].send(pkt, port + 2 * stream, '127.0.0.1');
      sent++;
    }
    await new Promise((r) => setImmediate(r));
  }
  await sleep(200);
  for (const sock of socks) sock.close();
  return sent;
}

function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch {
    return 0;
  }
}

async function step(rate, dir, tool) {
  const port = 44000;
  const filter = `udp dst portrange ${port}-${port + 2 * Math.round(rate / 50)}`;
  const report = join(dir, `monitor-${rate}-${tool}.json`);
  const mon = spawn(process.execPath, [join(root, 'bin', 'voipready'), 'monitor', '--interface', 'lo', '--capture-tool', tool, '--filter', filter, '--buffer-size', String(BUFFER_MIB),
    '--listen', '127.0.0.1:0', '--report', report, '--json'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let monErr = '';
  mon.stderr.on('data', (d) => (monErr += d));
  const td = spawn('tcpdump', ['-i', 'lo', '-n', '-B', String(BUFFER_MIB * 1024), '-w', '/dev/null', filter], { stdio: ['ignore', 'ignore', 'pipe'] });
  let tdErr = '';
  td.stderr.on('data', (d) => (tdErr += d));
  const ready = Date.now() + 15000;
  while ((!/capturing on lo/.test(monErr) || !/listening on lo/.test(tdErr)) && Date.now() < ready) await sleep(50);
  await sleep(500);
  const toolPid = Number(/with \w+ \(pid (\d+)\)/.exec(monErr)?.[1] ?? 0);
  const cpu0 = cpuSeconds(mon.pid) + (toolPid ? cpuSeconds(toolPid) : 0);
  const t0 = performance.now();
  const sent = await send(port, rate, 3);
  const wall = (performance.now() - t0) / 1000;
  const cpu1 = cpuSeconds(mon.pid) + (toolPid ? cpuSeconds(toolPid) : 0);
  await sleep(500);
  const monExit = new Promise((r) => mon.once('exit', r));
  const tdExit = new Promise((r) => td.once('exit', r));
  mon.kill('SIGTERM');
  td.kill('SIGINT');
  await Promise.race([Promise.all([monExit, tdExit]), sleep(20000)]);
  const monDropped = /(\d+) dropped by the kernel, (\d+) by the interface/.exec(monErr);
  const tdDropped = /(\d+) packets? dropped by kernel/.exec(tdErr);
  const tdCaptured = /(\d+) packets? captured/.exec(tdErr);
  let analysed = null;
  try {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    analysed = r.streams.reduce((n, s) => n + s.packets, 0);
  } catch {
    analysed = null;
  }
  return {
    rate, tool, sent, send_pps: Math.round(sent / wall),
    voipready_dropped: monDropped ? Number(monDropped[1]) + Number(monDropped[2]) : null, voipready_rtp_analysed: analysed,
    voipready_cpu_pct: Math.round(((cpu1 - cpu0) / wall) * 100),
    tcpdump_captured: tdCaptured ? Number(tdCaptured[1]) : null, tcpdump_dropped: tdDropped ? Number(tdDropped[1]) : null,
  };
}

export async function run(ctx) {
  if (process.env.BENCH_SKIP_MONITOR === '1') return [];
  if (!have('dumpcap') || !have('tcpdump')) return [{ monitor_interface: 'skipped: dumpcap or tcpdump absent' }];
  const dir = join(ctx.tmpDir, 'monitor-interface');
  mkdirSync(dir, { recursive: true });
  const rates = (process.env.MONITOR_BENCH_RATES ?? '20000 50000 100000').split(/\s+/).filter(Boolean).map(Number);
  const rows = [];
  const tools = (process.env.MONITOR_BENCH_TOOLS ?? 'tcpdump dumpcap').split(/\s+/).filter(Boolean);
  for (const rate of rates) {
    for (const tool of tools) rows.push({ bench: 'monitor --interface lo vs tcpdump', ...(await step(rate, dir, tool)) });
  }
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const tmpDir = join(process.env.TMPDIR ?? '/tmp', 'voipready-bench');
  mkdirSync(tmpDir, { recursive: true });
  for (const r of await run({ tmpDir })) process.stdout.write(JSON.stringify(r) + '\n');
}

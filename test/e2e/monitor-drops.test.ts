/**
 * Capture drops while `monitor --interface` runs (tcpdump backend, counts polled with SIGUSR1), in a
 * network namespace pair joined by a veth (prefix vrdrop-). The monitor captures the sender's own veth
 * end, so every datagram the sender's socket sent (its own count) passed the capture's tap:
 *   - tiny buffer: --buffer-size 1 (the smallest it takes: 1 MiB), one RTP stream; the monitor is
 *     SIGSTOPped (its pipe fills, tcpdump blocks, the kernel buffer overflows) while 30,000 packets are
 *     blasted, then SIGCONTed and a few more packets sent: while it still runs, /metrics and /healthz
 *     show kernel drops > 0, received (libpcap's ps_recv) equals what the sender sent, and what the
 *     analysis counted plus the drops equals it too; the stream's loss is the drops and it gets
 *     CAPTURE_DROPPED_STREAM;
 *   - normal buffer (32 MiB) and a modest rate: 0 drops, received = sent = analysed, no drop finding.
 * Needs root, ip, tcpdump and a built dist/; skipped with the reason otherwise.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';
import { sampleValue } from '../helpers/monitor.js';
import { Lab, missingForNetns, type OwnedProcess } from '../helpers/netns.js';

const A = '10.247.0.1';
const B = '10.247.0.2';
const PORT = 40000;
const BLAST = 30_000;

function whyNot(): string | null {
  const tools = missingForNetns(['ip', 'tcpdump']);
  if (tools !== null) return tools;
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ not built (npm run build)';
  return null;
}
const skip = whyNot();
if (skip !== null) process.stderr.write(`monitor-drops e2e skipped: ${skip}\n`);

// one RTP stream from A:SRC to B:PORT: packets [first, first + count), `gap` ms apart (0: as fast as the
// socket takes them); prints how many the socket sent (callbacks without an error)
const SENDER = `
import { createSocket } from 'node:dgram';
const [src, first, count, gap] = process.argv.slice(2).map(Number);
const s = createSocket('udp4');
s.bind(src, '${A}', async () => {
  let sent = 0;
  let done = 0;
  for (let i = first; i < first + count; i++) {
    const p = Buffer.alloc(172);
    p[0] = 0x80; p[1] = 0; p.writeUInt16BE(i & 0xffff, 2); p.writeUInt32BE((160 * i) >>> 0, 4); p.writeUInt32BE(0xd20b0000 + src, 8);
    s.send(p, ${PORT}, '${B}', (err) => { done++; if (!err) sent++; });
    if (gap > 0) await new Promise((r) => setTimeout(r, gap));
    else if (i % 200 === 0) await new Promise((r) => setImmediate(r));
  }
  while (done < count) await new Promise((r) => setTimeout(r, 10));
  process.stdout.write(JSON.stringify({ sent }) + '\\n');
  s.close();
});
`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(skip !== null)(`monitor --interface: capture drops counted while it runs${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab | undefined;
  let dir = '';
  let nsA = '';
  let dev = '';

  const send = async (src: number, first: number, count: number, gap: number): Promise<number> => {
    const p = lab!.spawn(nsA, [process.execPath, join(dir, 'send.mjs'), String(src), String(first), String(count), String(gap)], { name: 'sender' });
    const code = await p.wait(30_000);
    if (code !== 0) throw new Error(`sender exited ${code}: ${p.stderr.slice(-400)}`);
    return (JSON.parse(p.stdout) as { sent: number }).sent;
  };
  const get = (port: number, path: string): string =>
    lab!.exec(nsA, [process.execPath, '-e', `fetch('http://127.0.0.1:${port}${path}').then((r) => r.text()).then((t) => process.stdout.write(t))`]);
  const startMonitor = async (name: string, extra: string[]): Promise<{ mon: OwnedProcess; port: number; report: string }> => {
    const report = join(dir, `${name}.json`);
    const mon = lab!.spawn(nsA, [process.execPath, BIN, 'monitor', '-i', dev, '--filter', `udp dst port ${PORT}`, '--listen', '127.0.0.1:0', '--report', report, ...extra], { name });
    await mon.waitFor(/capturing on .* with tcpdump/, 15_000);
    const port = Number(/serving http:\/\/[^ ]*:(\d+)\//.exec(mon.stderr)![1]);
    // tcpdump says "listening" once its capture is open; its first counts come within the poll interval
    const until = Date.now() + 10_000;
    while (JSON.parse(get(port, '/healthz')).capture.drops === null && Date.now() < until) await sleep(200);
    return { mon, port, report };
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-monitor-drops-'));
    writeFileSync(join(dir, 'send.mjs'), SENDER);
    lab = Lab.create(['a', 'b'], 'vrdrop');
    nsA = lab.ns('a');
    dev = `vda-${lab.suffix}`;
    lab.link({ ns: nsA, dev, cidr: `${A}/24` }, { ns: lab.ns('b'), dev: `vdb-${lab.suffix}`, cidr: `${B}/24` });
    // B's address resolved before any monitor runs: packets waiting for ARP are counted as sent by the
    // socket but may be dropped before the capture sees them
    await send(21004, 0, 5, 20);
  }, 30_000);

  afterAll(async () => {
    for (const p of lab?.procs ?? []) if (p.running && p.pid !== undefined) process.kill(p.pid, 'SIGCONT');
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a 1 MiB buffer and a blast while the monitor is stopped: drops in /metrics and /healthz while it runs, consistent with what was sent', async () => {
    const { mon, port, report } = await startMonitor('tiny', ['--buffer-size', '1']);
    let sent = await send(21000, 0, 200, 2);
    process.kill(mon.pid!, 'SIGSTOP');
    try {
      sent += await send(21000, 200, BLAST, 0);
    } finally {
      process.kill(mon.pid!, 'SIGCONT');
    }
    sent += await send(21000, 200 + BLAST, 200, 2);
    // within a few seconds (tcpdump is asked every 2 s), while the monitor still runs
    let metrics = '';
    const until = Date.now() + 10_000;
    for (;;) {
      metrics = get(port, '/metrics');
      const received = sampleValue(metrics, 'voipready_capture_received_packets_total', { interface: dev });
      if (received >= sent || Date.now() > until) break;
      await sleep(500);
    }
    const health = JSON.parse(get(port, '/healthz'));
    expect(mon.running).toBe(true);
    const kernel = sampleValue(metrics, 'voipready_capture_dropped_packets_total', { interface: dev, where: 'kernel' });
    const received = sampleValue(metrics, 'voipready_capture_received_packets_total', { interface: dev });
    expect(kernel).toBeGreaterThan(1000);
    expect(received).toBe(sent);
    expect(health.capture).toMatchObject({ tool: 'tcpdump', running: true, dropped: kernel, drops: [{ configured: dev, received: sent, dropped: kernel, ifDropped: 0 }] });
    const live = JSON.parse(get(port, '/api/report'));
    expect(live.findings.filter((f: any) => f.code === 'CAPTURE_DROPPED_STREAM')).toHaveLength(1);

    await mon.stop('SIGTERM', 15_000);
    const r = JSON.parse(readFileSync(report, 'utf8'));
    expect(r.streams).toHaveLength(1);
    const stream = r.streams[0];
    // everything tcpdump captured was analysed: captured + dropped = received = sent (the sender's count)
    expect(stream.packets + kernel).toBe(sent);
    // the packets the capture missed are the stream's loss, exactly: the veth loses nothing, and the last
    // packets (sent after SIGCONT) were captured, so every dropped one lies inside the stream
    expect(stream.lost).toBe(kernel);
    expect(r.findings.find((f: any) => f.code === 'CAPTURE_DROPPED_STREAM')).toMatchObject({ streamId: stream.id, severity: 'warn' });
    expect(r.findings.find((f: any) => f.code === 'CAPTURE_DROPPED')).toMatchObject({ measured: kernel });
    process.stderr.write(`monitor-drops: sent ${sent}, received ${received}, dropped ${kernel}, analysed ${stream.packets}, stream lost ${stream.lost}\n`);
    expect(mon.stderr).toMatch(new RegExp(`${dev}: ${sent} received, ${kernel} dropped by the kernel, 0 by the interface`));
  }, 60_000);

  it('a normal buffer and a modest rate: 0 drops, received = sent = analysed', async () => {
    const { mon, port, report } = await startMonitor('normal', []);
    const sent = await send(21002, 0, 1500, 1);
    let metrics = '';
    const until = Date.now() + 10_000;
    do {
      await sleep(500);
      metrics = get(port, '/metrics');
    } while (sampleValue(metrics, 'voipready_capture_received_packets_total', { interface: dev }) < sent && Date.now() < until);
    expect(sampleValue(metrics, 'voipready_capture_received_packets_total', { interface: dev })).toBe(sent);
    expect(sampleValue(metrics, 'voipready_capture_dropped_packets_total', { interface: dev, where: 'kernel' })).toBe(0);
    expect(metrics).toContain(`voipready_capture_dropped_packets_total{interface="${dev}",where="kernel"} 0`);
    expect(JSON.parse(get(port, '/healthz')).capture).toMatchObject({ tool: 'tcpdump', running: true, dropped: 0, drops: [{ received: sent, dropped: 0, ifDropped: 0 }] });
    await mon.stop('SIGTERM', 15_000);
    const r = JSON.parse(readFileSync(report, 'utf8'));
    expect(r.streams.map((s: any) => [s.packets, s.lost])).toEqual([[sent, 0]]);
    expect(r.findings.filter((f: any) => String(f.code).startsWith('CAPTURE_DROPPED'))).toEqual([]);
  }, 40_000);
});

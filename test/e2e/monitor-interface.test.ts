/**
 * `voipready monitor --interface` end to end in network namespaces: sipp places CALLS calls from vr-a
 * (10.245.0.1) to an echoing sipp uas in vr-b (10.245.0.2) over a veth pair, while a small RTP sender
 * in vr-a sends one G.711 stream that the uas echoes. In vr-b, on the same veth at the same time:
 *   - monitor 1: `monitor -i VETH` (tcpdump child, the default for one interface: pcap pipe, wall clock);
 *   - monitor 2: `monitor -i VETH --filter "udp port 5060"`: the BPF filter leaves out RTP;
 *   - dumpcap writing a file, analysed afterwards with `voipready analyze`.
 * Monitor 1's calls and streams equal analyze's of the file; monitor 2 has the calls and no stream;
 * both say how many packets tcpdump dropped (0 here), also in /healthz. Needs root, ip, sipp, tcpdump, dumpcap
 * and a built dist/; skipped with the reason otherwise. Everything lives in namespaces the test deletes.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeJson, BIN, ROOT } from '../helpers/cli.js';
import { Lab, missingForNetns, type OwnedProcess } from '../helpers/netns.js';

const A = '10.245.0.1';
const B = '10.245.0.2';
const CALLS = 2;
const RTP_PACKETS = 100;

function whyNot(): string | null {
  const tools = missingForNetns(['ip', 'sipp', 'tcpdump', 'dumpcap']);
  if (tools !== null) return tools;
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ not built (npm run build)';
  return null;
}
const skip = whyNot();
if (skip !== null) process.stderr.write(`monitor-interface e2e skipped: ${skip}\n`);

// (jitter is compared to 1e-6 ms: the time origins differ, so do the last digits of the float arithmetic)
// one G.711 stream A:21000 -> B:16000 (the uas echoes it back), 20 ms apart
const RTP_SENDER = `
import { createSocket } from 'node:dgram';
const s = createSocket('udp4');
s.bind(21000, '${A}', async () => {
  for (let i = 0; i < ${RTP_PACKETS}; i++) {
    const p = Buffer.alloc(172);
    p[0] = 0x80; p[1] = 8; p.writeUInt16BE(1000 + i, 2); p.writeUInt32BE(160 * i, 4); p.writeUInt32BE(0x5eed0001, 8);
    s.send(p, 16000, '${B}');
    await new Promise((r) => setTimeout(r, 20));
  }
  s.close();
});
`;

const callFields = (c: any) => ({ callId: c.callId, state: c.state, finalStatus: c.finalStatus, sipSrc: c.sipSrc, sipDst: c.sipDst, messages: c.messages, startTime: c.startTime, setupMs: c.setupMs });
const streamFields = (s: any) => ({ ssrc: s.ssrc, src: s.src, dst: s.dst, packets: s.packets, lost: s.lost, codec: s.codec, startTime: s.startTime, jitterMaxMs: Number(s.jitterMaxMs.toFixed(6)) });
const sorted = <T>(xs: T[]): T[] => [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe.skipIf(skip !== null)(`monitor --interface in namespaces with sipp calls${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab | undefined;
  let dir = '';
  let full: any;
  let filtered: any;
  let both: any;
  let fileReport: any;
  let monitors: OwnedProcess[] = [];
  let health: any;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-monitor-if-'));
    lab = Lab.create(['a', 'b']);
    const a = lab.ns('a');
    const b = lab.ns('b');
    const vb = `vb-${lab.suffix}`;
    lab.link({ ns: a, dev: `va-${lab.suffix}`, cidr: `${A}/24` }, { ns: b, dev: vb, cidr: `${B}/24` });
    writeFileSync(join(dir, 'rtp.mjs'), RTP_SENDER);
    const mon = (name: string, extra: string[]): OwnedProcess => lab!.spawn(b, [process.execPath, BIN, 'monitor', '-i', vb, '--listen', '127.0.0.1:0', '--report', join(dir, `${name}.json`), ...extra], { name });
    // and the veth with the namespace's loopback: two interfaces, one tcpdump each, one analysis
    monitors = [mon('full', []), mon('filtered', ['--filter', 'udp port 5060']), mon('both', ['-i', 'lo'])];
    const dumpcap = lab.spawn(b, ['dumpcap', '-q', '-i', vb, '-w', join(dir, 'veth.pcapng')], { name: 'dumpcap' });
    for (const m of monitors) await m.waitFor(/capturing on/, 15_000);
    await dumpcap.waitFor(/Capturing on/, 10_000);
    await new Promise((r) => setTimeout(r, 1500));
    const port = Number(/serving http:\/\/[^ ]*:(\d+)\//.exec(monitors[0]!.stderr)![1]);
    const uas = lab.spawn(b, ['sipp', '-sn', 'uas', '-rtp_echo', '-i', B, '-mi', B, '-mp', '16000', '-p', '5060', '-m', String(CALLS), '-nostdin', '-timeout', '30s'], { cwd: dir, name: 'sipp uas' });
    await new Promise((r) => setTimeout(r, 500));
    const rtp = lab.spawn(a, [process.execPath, join(dir, 'rtp.mjs')], { name: 'rtp' });
    const uac = lab.spawn(a, ['sipp', `${B}:5060`, '-sn', 'uac', '-i', A, '-p', '5060', '-mp', '20000', '-m', String(CALLS), '-r', '2', '-d', '1000', '-nostdin', '-timeout', '30s'], { cwd: dir, name: 'sipp uac' });
    const uacExit = await uac.wait(40_000);
    if (uacExit !== 0) throw new Error(`sipp uac exited ${uacExit}: ${uac.stdout.slice(-800)}`);
    await rtp.wait(20_000);
    await uas.wait(10_000);
    await new Promise((r) => setTimeout(r, 500));
    health = JSON.parse(lab.exec(b, [process.execPath, '-e', `fetch('http://127.0.0.1:${port}/healthz').then((r) => r.text()).then((t) => process.stdout.write(t))`]));
    for (const m of monitors) await m.stop('SIGTERM', 15_000);
    await dumpcap.stop('SIGINT', 5000);
    full = JSON.parse(readFileSync(join(dir, 'full.json'), 'utf8'));
    filtered = JSON.parse(readFileSync(join(dir, 'filtered.json'), 'utf8'));
    both = JSON.parse(readFileSync(join(dir, 'both.json'), 'utf8'));
    fileReport = analyzeJson(join(dir, 'veth.pcapng')).report;
  }, 180_000);

  afterAll(async () => {
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sees sipp\'s calls and the streams exactly as analyze of a capture of the same veth', () => {
    expect(full.calls).toHaveLength(CALLS);
    expect(sorted(full.calls.map(callFields))).toEqual(sorted(fileReport.calls.map(callFields)));
    expect(full.streams.length).toBeGreaterThanOrEqual(2);
    expect(sorted(full.streams.map(streamFields))).toEqual(sorted(fileReport.streams.map(streamFields)));
    const sent = full.streams.find((s: any) => s.ssrc === '0x5eed0001' && s.srcPort === 21000);
    expect(sent).toMatchObject({ packets: RTP_PACKETS, lost: 0 });
  });

  it('two interfaces (the veth and lo, a tcpdump each) give the same calls and streams, and drops per interface', () => {
    expect(monitors[2]!.stderr).toMatch(new RegExp(`capturing on vb-${lab!.suffix}, lo with tcpdump \\(pid \\d+, \\d+\\), drops counted live`));
    expect(sorted(both.calls.map(callFields))).toEqual(sorted(fileReport.calls.map(callFields)));
    expect(sorted(both.streams.map(streamFields))).toEqual(sorted(fileReport.streams.map(streamFields)));
    for (const i of [`vb-${lab!.suffix}`, 'lo']) expect(monitors[2]!.stderr).toMatch(new RegExp(`${i}: \\d+ received, 0 dropped by the kernel, 0 by the interface`));
  });

  it('a BPF filter that leaves out RTP gives the calls and no stream', () => {
    expect(sorted(filtered.calls.map(callFields))).toEqual(sorted(fileReport.calls.map(callFields)));
    expect(filtered.streams).toEqual([]);
  });

  it('reports the capture tool\'s drops (0 here) on stderr and, while it runs, in /healthz', () => {
    for (const m of monitors) {
      expect(m.stderr).toMatch(new RegExp(`vb-${lab!.suffix}: \\d+ received, 0 dropped by the kernel, 0 by the interface`));
    }
    expect(health).toMatchObject({ status: 'ok', capture: { interfaces: [`vb-${lab!.suffix}`], tool: 'tcpdump', running: true, dropped: 0 } });
    expect(typeof health.lastPacketAt).toBe('string');
  });
});

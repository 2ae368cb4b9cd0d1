/**
 * A second real HEP sender and an independent HEP decoder: Debian's sngrep 1.6.
 *  - `sngrep -N -q -I fixture -H udp:127.0.0.1:PORT` sends each fixture capture's SIP as HEPv3 to
 *    `voipready monitor`; the monitor's calls must equal `voipready analyze` of the same capture's SIP
 *    (Call-ID, state, status, endpoints, transport, message count, times) for SIP over UDP (IPv4, IPv6);
 *    for SIP over TCP, sngrep 1.6's own reassembly loses the BYE's 200 and resends the INVITE's 200 with
 *    the 180's time (seen in what it sends), so only the call and its endpoints are compared;
 *  - the monitor's `--hep-forward` goes to `sngrep -L udp:... -O forwarded.pcap`, a decoder we did not
 *    write: `analyze` of what it received has the monitor's calls again (sngrep -L writes IPv6 HEP as
 *    0.0.0.0, so endpoints are not compared there).
 * sngrep writes the capture-agent id chunk (12) as a 16-bit id in network order inside 32 bits.
 * Needs sngrep and a built dist/; skipped with the reason otherwise.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeJson, ROOT } from '../helpers/cli.js';
import { exitOf, freePort, hasCommand, sampleValue, startMonitor, type RunningMonitor } from '../helpers/monitor.js';

const FIXTURES = ['clean-call.pcap', 'ipv6-call.pcapng', 'sip-tcp-vlan.pcap', 'sample-call.pcapng'].map((f) => join(ROOT, 'fixtures', 'captures', f));
const CALL_FIELDS = ['callId', 'state', 'finalStatus', 'from', 'to', 'sipSrc', 'sipDst', 'transport', 'messages', 'startTime', 'setupMs', 'ringMs', 'durationSeconds'] as const;

function whyNot(): string | null {
  if (!hasCommand('sngrep')) return 'missing sngrep (Debian package sngrep)';
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ not built (npm run build)';
  return null;
}
const skip = whyNot();
if (skip !== null) process.stderr.write(`monitor-sngrep e2e skipped: ${skip}\n`);

const pick = (c: any): Record<string, unknown> => Object.fromEntries(CALL_FIELDS.map((k) => [k, c[k]]));
const byId = (calls: any[]): any[] => calls.map(pick).sort((a, b) => String(a.callId).localeCompare(String(b.callId)));

describe.skipIf(skip !== null)(`sngrep -H (HEPv3) -> monitor -> --hep-forward -> sngrep -L${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir = '';
  let listener: ChildProcess | null = null;
  let mon: RunningMonitor;
  let result: Awaited<ReturnType<RunningMonitor['stop']>>;
  let metricsText = '';
  const expected: any[] = [];
  const senderExits: Array<number | null> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-monitor-sngrep-'));
    for (const f of FIXTURES) expected.push(...analyzeJson(f).report.calls);
    const fwdPort = await freePort();
    listener = spawn('sngrep', ['-N', '-q', '-F', '-L', `udp:127.0.0.1:${fwdPort}`, '-O', join(dir, 'forwarded.pcap')], { cwd: dir, stdio: 'ignore' });
    mon = await startMonitor(['--hep-listen', '127.0.0.1:0', '--hep-forward', `127.0.0.1:${fwdPort}`], join(dir, 'report.json'));
    for (const f of FIXTURES) {
      const sender = spawn('sngrep', ['-N', '-q', '-F', '-I', f, '-H', `udp:127.0.0.1:${mon.hepPort}`], { cwd: dir, stdio: 'ignore' });
      senderExits.push(await exitOf(sender, 20_000));
    }
    const messages = expected.reduce((n, c) => n + c.messages, 0);
    const until = Date.now() + 5000;
    while (Date.now() < until) {
      metricsText = await mon.metrics();
      if (sampleValue(metricsText, 'voipready_hep_packets_total', { proto: 'sip' }) >= messages) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 300));
    result = await mon.stop();
    listener.kill('SIGTERM');
    await exitOf(listener, 10_000);
  }, 120_000);

  afterAll(() => {
    if (listener && listener.exitCode === null && listener.signalCode === null) listener.kill('SIGKILL');
    if (mon && mon.proc.exitCode === null) mon.proc.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sngrep sent every fixture', () => {
    expect(senderExits).toEqual(FIXTURES.map(() => 0));
    expect(expected.length).toBeGreaterThanOrEqual(5);
  });

  it('the monitor\'s calls equal analyze of the same captures (UDP over IPv4 and IPv6)', () => {
    expect(result.code, result.stderr).toBe(0);
    const udp = (calls: any[]): any[] => byId(calls.filter((c) => c.transport === 'udp'));
    expect(udp(result.report.calls)).toEqual(udp(expected));
    expect(udp(expected).length).toBeGreaterThanOrEqual(4);
    expect(sampleValue(metricsText, 'voipready_hep_errors_total', { reason: 'not_hep' })).toBe(0);
  });

  it('TCP SIP: the same call and endpoints (sngrep 1.6 itself drops the BYE\'s 200 and resends the INVITE\'s 200 late)', () => {
    const endpoints = (calls: any[]): any[] => byId(calls.filter((c) => c.transport === 'tcp'))
      .map((c) => ({ callId: c.callId, from: c.from, to: c.to, sipSrc: c.sipSrc, sipDst: c.sipDst, transport: c.transport }));
    expect(endpoints(result.report.calls)).toEqual(endpoints(expected));
    expect(endpoints(expected)).toHaveLength(1);
  });

  it('sngrep -L decodes what --hep-forward passed on into the monitor\'s calls', () => {
    const fw = analyzeJson(join(dir, 'forwarded.pcap')).report;
    // sngrep -L writes IPv6 HEP packets with 0.0.0.0 addresses: endpoints are not compared here
    const brief = (calls: any[]): any[] => byId(calls).map((c) => ({ callId: c.callId, state: c.state, messages: c.messages, finalStatus: c.finalStatus }));
    expect(brief(fw.calls)).toEqual(brief(result.report.calls));
  });
});

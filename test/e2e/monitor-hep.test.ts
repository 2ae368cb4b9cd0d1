/**
 * `voipready monitor --hep-listen` end to end, with the test as the HEP sender: one SIP call (with a
 * UTF-8 body) as HEPv3 over UDP, the same over TCP cut at odd places, a HEPv2 packet, a packet with a
 * wrong password and one that is not HEP; `--hep-forward` to a UDP socket of the test gets every
 * accepted packet byte for byte. SIGTERM writes the report: the calls with the HEP addresses and times.
 */
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeHep2, encodeHep3, type HepEncodable } from '../../src/encode/hep.js';
import { ROOT } from '../helpers/cli.js';
import { sampleValue, startMonitor, type RunningMonitor } from '../helpers/monitor.js';

const skip = existsSync(join(ROOT, 'dist', 'cli', 'main.js')) ? null : 'dist/ not built (npm run build)';
const T0 = 1_760_000_000;

function call(callId: string, a: string, b: string): Array<{ from: string; to: string; dt: number; text: string }> {
  const body = 'v=0\r\no=Jürgen 1 1 IN IP4 ' + a + '\r\ns=Grüße\r\nc=IN IP4 ' + a + '\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n';
  const h = (first: string, cseq: string, extra = ''): string =>
    `${first}\r\nVia: SIP/2.0/UDP ${a}:5060;branch=z9hG4bK-${callId}\r\nFrom: <sip:alice@${a}>;tag=1\r\nTo: <sip:bob@${b}>${first.startsWith('INVITE') ? '' : ';tag=2'}\r\n` +
    `Call-ID: ${callId}\r\nCSeq: ${cseq}\r\nContact: <sip:alice@${a}:5060>\r\n${extra}`;
  const withBody = (s: string): string => `${s}Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  const empty = (s: string): string => `${s}Content-Length: 0\r\n\r\n`;
  return [
    { from: a, to: b, dt: 0, text: withBody(h(`INVITE sip:bob@${b} SIP/2.0`, '1 INVITE')) },
    { from: b, to: a, dt: 0.05, text: empty(h('SIP/2.0 180 Ringing', '1 INVITE')) },
    { from: b, to: a, dt: 1.5, text: withBody(h('SIP/2.0 200 OK', '1 INVITE')).replace(`IN IP4 ${a}`, `IN IP4 ${b}`) },
    { from: a, to: b, dt: 1.6, text: empty(h(`ACK sip:bob@${b} SIP/2.0`, '1 ACK')) },
    { from: a, to: b, dt: 10, text: empty(h(`BYE sip:bob@${b} SIP/2.0`, '2 BYE')) },
    { from: b, to: a, dt: 10.1, text: empty(h('SIP/2.0 200 OK', '2 BYE')) },
  ];
}

function hepOf(msg: { from: string; to: string; dt: number; text: string }, t0: number, over: Partial<HepEncodable> = {}): HepEncodable {
  const sec = Math.floor(t0 + msg.dt);
  return {
    src: msg.from, dst: msg.to, srcPort: 5060, dstPort: 5060, tsSec: sec, tsUsec: Math.round((t0 + msg.dt - sec) * 1e6),
    protoType: 1, agentId: 2001, payload: Buffer.from(msg.text, 'utf8'), authKey: 'pw', ...over,
  };
}

describe.skipIf(skip !== null)(`monitor --hep-listen${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir = '';
  let fwd: Socket;
  const forwarded: Buffer[] = [];
  const sent: Buffer[] = [];
  let mon: RunningMonitor;
  let result: Awaited<ReturnType<RunningMonitor['stop']>>;
  let metricsText = '';
  let midRun: any = null;
  let running = false;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-monitor-hep-'));
    fwd = createSocket('udp4');
    fwd.on('message', (m) => forwarded.push(m));
    await new Promise<void>((r) => fwd.bind(0, '127.0.0.1', () => r()));
    mon = await startMonitor(['--hep-listen', '127.0.0.1:0', '--hep-password', 'pw', '--hep-forward', `127.0.0.1:${fwd.address().port}`], join(dir, 'report.json'));
    const udp = createSocket('udp4');
    // call 1 over UDP (HEPv3), with one packet HEPv2 (which has no password: rejected when one is set)
    for (const m of call('udp-call@test', '192.0.2.10', '198.51.100.20')) {
      const bytes = encodeHep3(hepOf(m, T0));
      sent.push(bytes);
      udp.send(bytes, mon.hepPort, '127.0.0.1');
    }
    udp.send(encodeHep3(hepOf(call('bad-pw@test', '192.0.2.1', '192.0.2.2')[0]!, T0, { authKey: 'wrong' })), mon.hepPort, '127.0.0.1');
    udp.send(encodeHep2(hepOf(call('v2@test', '192.0.2.1', '192.0.2.2')[0]!, T0)), mon.hepPort, '127.0.0.1');
    udp.send(Buffer.from('hello, not HEP'), mon.hepPort, '127.0.0.1');
    // call 2 over TCP (IPv6 addresses, SIP captured on TCP: chunk 2 = 6), the stream cut every 7 bytes
    const tcpBytes = call('tcp-call@test', '2001:db8::10', '2001:db8::20').map((m) => encodeHep3(hepOf(m, T0 + 100, { agentId: 7, ipProtocol: 6 })));
    sent.push(...tcpBytes);
    const stream = Buffer.concat(tcpBytes);
    await new Promise<void>((resolve, reject) => {
      const s = connect(mon.hepPort, '127.0.0.1', async () => {
        for (let i = 0; i < stream.length; i += 7) {
          s.write(stream.subarray(i, i + 7));
          if (i % 140 === 0) await new Promise((r) => setTimeout(r, 1));
        }
        s.end(resolve);
      });
      s.on('error', reject);
    });
    const deadline = Date.now() + 10_000;
    while (forwarded.length < sent.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    metricsText = await mon.metrics();
    udp.close();
    // SIGUSR1: the report of the run so far, while it goes on
    mon.proc.kill('SIGUSR1');
    const untilReport = Date.now() + 5000;
    while (!existsSync(join(dir, 'report.json')) && Date.now() < untilReport) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    midRun = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    running = mon.proc.exitCode === null;
    result = await mon.stop();
  });

  afterAll(() => {
    if (mon && mon.proc.exitCode === null) mon.proc.kill('SIGKILL');
    fwd?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('stops on SIGTERM with exit 0 and a JSON report', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(result.report).not.toBeNull();
    expect(result.stdout).toMatch(/verdict/i);
  });

  it('tracks both calls with the HEP addresses, ports and times', () => {
    const calls = [...result.report.calls].sort((a: any, b: any) => a.callId.localeCompare(b.callId));
    expect(calls.map((c: any) => c.callId)).toEqual(['tcp-call@test', 'udp-call@test']);
    const [tcp, udp] = calls;
    expect(udp).toMatchObject({ state: 'ended', finalStatus: 200, transport: 'udp', sipSrc: '192.0.2.10:5060', sipDst: '198.51.100.20:5060', messages: 6 });
    expect(udp.setupMs).toBeCloseTo(1500, 0);
    expect(udp.ringMs).toBeCloseTo(50, 0);
    expect(Date.parse(udp.startTime) / 1000).toBeCloseTo(T0, 3);
    expect(udp.durationSeconds).toBeCloseTo(8.5, 1);
    expect(tcp).toMatchObject({ state: 'ended', finalStatus: 200, transport: 'tcp', sipSrc: '[2001:db8::10]:5060', messages: 6 });
    expect(Date.parse(tcp.startTime) / 1000).toBeCloseTo(T0 + 100, 3);
  });

  it('counts packets per agent and protocol, and refusals per reason', () => {
    expect(sampleValue(metricsText, 'voipready_hep_packets_total', { agent: '2001', proto: 'sip' })).toBe(6);
    expect(sampleValue(metricsText, 'voipready_hep_packets_total', { agent: '7', proto: 'sip' })).toBe(6);
    expect(sampleValue(metricsText, 'voipready_hep_errors_total', { reason: 'auth' })).toBe(2);
    expect(sampleValue(metricsText, 'voipready_hep_errors_total', { reason: 'not_hep' })).toBe(1);
  });

  it('SIGUSR1 writes the report of the run so far and the run goes on', () => {
    expect(running).toBe(true);
    expect(midRun.calls.map((c: any) => c.callId).sort()).toEqual(['tcp-call@test', 'udp-call@test']);
  });

  it('--hep-forward passes every accepted packet on byte for byte', () => {
    const key = (b: Buffer): string => b.toString('hex');
    expect(forwarded.map(key).sort()).toEqual(sent.map(key).sort());
  });
});

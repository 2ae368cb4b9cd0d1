/**
 * `monitor --record`: what the monitor captured, written as pcapng. A fixture piped into `monitor -`
 * comes out frame for frame (link type, time, bytes, original length) and `analyze` of the recording
 * equals `analyze` of the fixture; with `--record-rotate SIZE --record-keep N` the files are named by
 * their UTC start time, at most N are left, each readable on its own (our reader and tshark), and
 * together they are the tail of the capture; a full disk or an unwritable path is reported once and
 * the run still produces its report.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCaptureFile } from '../../src/capture/file-source.js';
import { analyzeJson, BIN, ROOT } from '../helpers/cli.js';
import { hasTshark } from '../helpers/tshark.js';

const skip = existsSync(join(ROOT, 'dist', 'cli', 'main.js')) ? null : 'dist/ not built (npm run build)';
const dir = mkdtempSync(join(tmpdir(), 'vr-monitor-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pick = (r: any) => ({
  calls: r.calls.map((c: any) => [c.callId, c.state, c.sipSrc, c.startTime, c.messages, c.setupMs]),
  streams: r.streams.map((s: any) => [s.ssrc, s.src, s.dst, s.packets, s.lost, s.startTime, Number(s.jitterMaxMs.toFixed(6))]),
  verdict: r.verdict,
});

interface Frame {
  linkType: number;
  ts: string;
  origLen: number;
  hex: string;
}

function frames(file: string): Frame[] {
  const out: Frame[] = [];
  const s = readCaptureFile(file, (r) => out.push({ linkType: r.linkType, ts: `${r.tsSec}.${r.tsNsec}`, origLen: r.origLen, hex: r.data.toString('hex') }));
  if (s.error !== undefined) throw s.error;
  return out;
}

function monitor(fixture: string, args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, 'monitor', '-', '--listen', '127.0.0.1:0', '--json', ...args], {
    cwd: ROOT, input: readFileSync(fixture), encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(skip !== null)(`monitor --record${skip ? ` (skipped: ${skip})` : ''}`, () => {
  for (const f of ['sample-call.pcapng', 'clean-call.pcap', 'sip-tcp-vlan.pcap', 'sll-fragments.pcap']) {
    it(`${f}: the recording is the capture frame for frame, and analyze of it equals analyze of the capture`, () => {
      const fixture = join(ROOT, 'fixtures', 'captures', f);
      const out = join(dir, `${f}.rec.pcapng`);
      const r = monitor(fixture, ['--record', out]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`--record ${out.replace(/[.]/g, '\\.')}: \\d+ packets in 1 file\\n`));
      expect(frames(out)).toEqual(frames(fixture));
      const again = analyzeJson(out).report;
      expect(pick(again)).toEqual(pick(analyzeJson(fixture).report));
      expect(pick(again)).toEqual(pick(JSON.parse(r.stdout)));
    });
  }

  it('--record DIR --record-rotate 20kB --record-keep 3: three files named by UTC start time, each whole, together the tail of the capture', () => {
    const fixture = join(ROOT, 'fixtures', 'captures', 'many-streams.pcap');
    const d = mkdtempSync(join(dir, 'rotate-'));
    const r = monitor(fixture, ['--record', d, '--record-rotate', '20kB', '--record-keep', '3']);
    expect(r.status, r.stderr).toBe(0);
    const files = Number(/packets in (\d+) files/.exec(r.stderr)?.[1]);
    expect(files).toBeGreaterThan(10);
    const left = readdirSync(d).sort();
    expect(left).toHaveLength(3);
    const started = Date.now();
    for (const name of left) {
      const m = /^voipready-(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)\.(\d{3})Z(-\d+)?\.pcapng$/.exec(name);
      expect(m, name).not.toBeNull();
      const at = Date.UTC(Number(m![1]), Number(m![2]) - 1, Number(m![3]), Number(m![4]), Number(m![5]), Number(m![6]), Number(m![7]));
      expect(Math.abs(started - at)).toBeLessThan(120_000);
    }
    const all = frames(fixture);
    const kept = left.map((n) => frames(join(d, n)));
    for (const k of kept) expect(k.length).toBeGreaterThan(0);
    const tail = kept.flat();
    expect(tail).toEqual(all.slice(all.length - tail.length));
    if (hasTshark) {
      for (const [i, n] of left.entries()) {
        const count = execFileSync('tshark', ['-n', '-r', join(d, n), '-T', 'fields', '-e', 'frame.number'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').length;
        expect(count).toBe(kept[i]!.length);
      }
    }
  });

  it('a full disk (/dev/full): reported once, naming the file; the report is still produced, equal to analyze', () => {
    const fixture = join(ROOT, 'fixtures', 'captures', 'many-streams.pcap');
    const r = monitor(fixture, ['--record', '/dev/full']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.match(/cannot write/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/--record: cannot write \/dev\/full: .*ENOSPC/);
    expect(r.stderr).toMatch(/dropped \(disk too slow or failing\)/);
    expect(pick(JSON.parse(r.stdout))).toEqual(pick(analyzeJson(fixture).report));
  });

  it('an unwritable path: reported once; the report is still produced', () => {
    const fixture = join(ROOT, 'fixtures', 'captures', 'clean-call.pcap');
    const r = monitor(fixture, ['--record', join(dir, 'no', 'such', 'x.pcapng')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr.match(/cannot write/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/no\/such\/x\.pcapng: .*ENOENT/);
    expect(pick(JSON.parse(r.stdout))).toEqual(pick(analyzeJson(fixture).report));
  });

  it('refuses a bad --record-rotate and rotation options without --record', () => {
    const bad = spawnSync(process.execPath, [BIN, 'monitor', '-', '--record', dir, '--record-rotate', '10 parsecs'], { cwd: ROOT, encoding: 'utf8', input: '' });
    expect(bad.status).toBe(3);
    expect(bad.stderr).toMatch(/--record-rotate "10 parsecs" must be a size/);
    const none = spawnSync(process.execPath, [BIN, 'monitor', '-', '--record-keep', '3'], { cwd: ROOT, encoding: 'utf8', input: '' });
    expect(none.status).toBe(3);
    expect(none.stderr).toMatch(/need --record/);
  });
});

describe.skipIf(skip !== null)(`monitor --hep-listen --record${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const T0 = 1_760_000_000;
  function call(callId: string, a: string, b: string, transport: 'UDP' | 'TCP'): Array<{ from: string; to: string; dt: number; text: string }> {
    const body = `v=0\r\no=- 1 1 IN IP${a.includes(':') ? 6 : 4} ${a}\r\ns=-\r\nc=IN IP${a.includes(':') ? 6 : 4} ${a}\r\nt=0 0\r\nm=audio 40000 RTP/AVP 8\r\n`;
    const h = (first: string, cseq: string): string =>
      `${first}\r\nVia: SIP/2.0/${transport} ${a.includes(':') ? `[${a}]` : a}:5060;branch=z9hG4bK-${callId}\r\nFrom: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>${first.startsWith('INVITE') ? '' : ';tag=2'}\r\n` +
      `Call-ID: ${callId}\r\nCSeq: ${cseq}\r\n`;
    const withBody = (s: string): string => `${s}Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const empty = (s: string): string => `${s}Content-Length: 0\r\n\r\n`;
    return [
      { from: a, to: b, dt: 0, text: withBody(h('INVITE sip:bob@example.com SIP/2.0', '1 INVITE')) },
      { from: b, to: a, dt: 1.5, text: withBody(h('SIP/2.0 200 OK', '1 INVITE')) },
      { from: a, to: b, dt: 1.6, text: empty(h('ACK sip:bob@example.com SIP/2.0', '1 ACK')) },
      { from: a, to: b, dt: 10, text: empty(h('BYE sip:bob@example.com SIP/2.0', '2 BYE')) },
      { from: b, to: a, dt: 10.1, text: empty(h('SIP/2.0 200 OK', '2 BYE')) },
    ];
  }

  it('HEP datagrams (SIP over UDP/IPv4 and TCP/IPv6) are recorded as raw IP: analyze of the recording has the monitor\'s calls; tshark decodes them', async () => {
    const { createSocket } = await import('node:dgram');
    const { encodeHep3 } = await import('../../src/encode/hep.js');
    const { startMonitor } = await import('../helpers/monitor.js');
    const rec = join(dir, 'hep.pcapng');
    const mon = await startMonitor(['--hep-listen', '127.0.0.1:0', '--record', rec], join(dir, 'hep-report.json'));
    const udp = createSocket('udp4');
    const msgs = [
      ...call('udp-call@test', '192.0.2.10', '198.51.100.20', 'UDP').map((m) => ({ m, t0: T0, agentId: 2001, ipProtocol: 17 })),
      ...call('tcp-call@test', '2001:db8::10', '2001:db8::20', 'TCP').map((m) => ({ m, t0: T0 + 100, agentId: 7, ipProtocol: 6 })),
    ];
    for (const { m, t0, agentId, ipProtocol } of msgs) {
      const sec = Math.floor(t0 + m.dt);
      const bytes = encodeHep3({
        src: m.from, dst: m.to, srcPort: 5060, dstPort: 5060, tsSec: sec, tsUsec: Math.round((t0 + m.dt - sec) * 1e6),
        protoType: 1, agentId, payload: Buffer.from(m.text), ipProtocol,
      });
      await new Promise<void>((r) => udp.send(bytes, mon.hepPort, '127.0.0.1', () => r()));
    }
    udp.close();
    await new Promise((r) => setTimeout(r, 500));
    const result = await mon.stop();
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/--record .*hep\.pcapng: 10 packets in 1 file\n/);
    const key = (c: any) => [c.callId, c.state, c.finalStatus, c.transport, c.sipSrc, c.sipDst, c.startTime, c.messages, c.setupMs];
    const live = (result.report.calls as any[]).map(key).sort();
    expect(live).toHaveLength(2);
    expect((analyzeJson(rec).report.calls as any[]).map(key).sort()).toEqual(live);
    if (hasTshark) {
      const out = execFileSync('tshark', ['-n', '-r', rec, '-Y', 'sip', '-T', 'fields', '-e', 'frame.interface_name', '-e', 'sip.Call-ID', '-e', 'tcp.srcport', '-e', 'udp.srcport'],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n');
      expect(out.filter((l) => l.startsWith('hep:2001\tudp-call@test\t\t5060'))).toHaveLength(5);
      expect(out.filter((l) => l.startsWith('hep:7\ttcp-call@test\t5060'))).toHaveLength(5);
      expect(execFileSync('tshark', ['-n', '-r', rec, '-Y', '_ws.malformed || tcp.analysis.flags'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).toBe('');
    }
  });
});

describe.skipIf(skip !== null)(`monitor --interface --record (a stand-in dumpcap)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('records what the capture delivered, on an interface named after the captured one', async () => {
    const { spawn } = await import('node:child_process');
    const fixture = join(ROOT, 'fixtures', 'captures', 'sample-call.pcapng');
    const rec = join(dir, 'iface.pcapng');
    const p = spawn(process.execPath, [BIN, 'monitor', '-i', 'fake0', '--listen', '127.0.0.1:0', '--record', rec, '--report', join(dir, 'iface.json')], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, VOIPREADY_DUMPCAP: join(ROOT, 'test', 'helpers', 'fake-dumpcap.mjs'), FAKE_DUMPCAP_FILE: fixture },
    });
    let err = '';
    p.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    try {
      const until = Date.now() + 20_000;
      while (!/capturing on fake0/.test(err) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 1500));
      p.kill('SIGTERM');
      expect(await exited, err).toBe(0);
      expect(frames(rec)).toEqual(frames(fixture));
      if (hasTshark) {
        const names = execFileSync('tshark', ['-n', '-r', rec, '-T', 'fields', '-e', 'frame.interface_name'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        expect(new Set(names.trim().split('\n'))).toEqual(new Set(['fake0']));
      }
      const report = JSON.parse(readFileSync(join(dir, 'iface.json'), 'utf8'));
      expect(pick(analyzeJson(rec).report).streams).toEqual(pick(report).streams);
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
    }
  });
});

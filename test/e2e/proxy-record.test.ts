/**
 * `voipready proxy --record FILE` with real user agents: Debian's sipp places 2 G.711 calls (uac_pcap:
 * g711a.pcap + an RFC 4733 digit) through the proxy to a sipp UAS that echoes the RTP, over UDP and
 * over TCP, each in a network namespace of its own (prefix vrrec-) where iptables marks the caller's
 * RTP EF (the echo stays CS0). The UDP run uses the loop relay (native thread), the TCP run `--relay
 * native` (JavaScript forwarding on the addon's sockets).
 *
 * Checked against the proxy's own live report of the same calls: `voipready analyze` of the recording
 * finds every stream the proxy measured (both legs, as received) with the same packets, loss and
 * jitter, and the same calls; the forwarded copies are there too (relay port to each side, the same
 * SSRC and packet count, marked EF); tshark reads the recording with no malformed packet, decodes
 * SIP (over TCP too) and finds the same RTP figures. Needs root, ip, iptables, sipp, tshark and dist/.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeJson, ROOT } from '../helpers/cli.js';
import { Lab, missingForNetns } from '../helpers/netns.js';
import { compareStreams, streamKey, type RefStream } from '../helpers/reference.js';
import { tsharkRtpStreams } from '../helpers/tshark.js';

const SIPP_PCAPS = '/usr/share/sip-tester';
const LO = '127.0.0.1';
const PROXY_PORT = 5060;
const UAS_PORT = 5070;
const UAC_PORT = 5080;
const UAC_MEDIA = 20000;
const UAS_MEDIA = 16000;
const CALLS = 2;

function whyNot(): string | null {
  const tools = missingForNetns(['ip', 'iptables', 'sipp', 'tshark', 'ss']);
  if (tools !== null) return tools;
  if (!existsSync(join(SIPP_PCAPS, 'g711a.pcap'))) return `${SIPP_PCAPS}/g711a.pcap absent (package sip-tester)`;
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ not built (npm run build)';
  return null;
}
const skip = whyNot();
if (skip !== null) process.stderr.write(`proxy-record e2e skipped: ${skip}\n`);

/** the shared lab with this test's own namespace prefix (vrrec-), so parallel helpers never meet it */
class RecordLab extends Lab {
  override ns(role: string): string {
    return `vrrec-${role}-${this.suffix}`;
  }

  static make(roles: string[]): RecordLab {
    const lab = new RecordLab();
    for (const role of roles) (lab as unknown as { addNamespace(r: string): void }).addNamespace(role);
    return lab;
  }
}

interface Run {
  report: any;
  recording: string;
  stderr: string;
}

const port = (endpoint: string): number => Number(endpoint.split(':').pop());
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

async function callsThroughProxy(lab: Lab, dir: string, transport: 'udp' | 'tcp', role: string = transport, recordTo?: string): Promise<Run> {
  const ns = lab.ns(role);
  lab.exec(ns, ['iptables', '-t', 'mangle', '-A', 'OUTPUT', '-p', 'udp', '--sport', `${UAC_MEDIA}:${UAC_MEDIA + 99}`, '-j', 'DSCP', '--set-dscp', '46']);
  const recording = recordTo ?? join(dir, `${role}.pcapng`);
  const reportFile = join(dir, `${role}-report.json`);
  const proxy = lab.spawn(ns, [process.execPath, join(ROOT, 'bin', 'voipready'), 'proxy', '--listen', `${LO}:${PROXY_PORT}`,
    '--upstream', `${LO}:${UAS_PORT}`, '--upstream-transport', transport, '--rtp-ports', '40000-40099', '--grace', '1',
    // the TCP run forwards in JavaScript (--relay native): both relay implementations hand the recording their packets
    ...(transport === 'tcp' ? ['--relay', 'native'] : []), '--record', recording, '--report', reportFile, '--json'], { name: `proxy ${transport}` });
  await proxy.waitFor(/proxy on udp\+tcp/, 15_000);
  const t = transport === 'tcp' ? ['-t', 't1'] : [];
  const uas = lab.spawn(ns, ['sipp', '-sn', 'uas', '-rtp_echo', '-i', LO, '-mi', LO, '-mp', String(UAS_MEDIA), ...t,
    '-p', String(UAS_PORT), '-m', String(CALLS), '-nostdin', '-timeout', '40s'], { cwd: dir, name: `sipp uas ${transport}` });
  await until(() => lab.exec(ns, ['ss', transport === 'tcp' ? '-Hltn' : '-Hlun', `sport = :${UAS_PORT}`]).includes(`:${UAS_PORT}`), 5_000, 'sipp uas listening');
  const uac = lab.spawn(ns, ['sipp', `${LO}:${PROXY_PORT}`, '-sn', 'uac_pcap', '-i', LO, '-p', String(UAC_PORT), '-mi', LO, ...t,
    '-mp', String(UAC_MEDIA), '-r', String(CALLS), '-rp', '1000', '-m', String(CALLS), '-nostdin', '-timeout', '40s'],
  { cwd: dir, name: `sipp uac ${transport}` });
  const uacExit = await uac.wait(45_000);
  await uas.wait(5_000);
  await sleep(300);
  await proxy.stop('SIGINT', 10_000);
  if (uacExit !== 0) throw new Error(`sipp uac (${transport}) exited ${uacExit}: ${uac.stdout.slice(-1500)}\nproxy: ${proxy.stderr.slice(-1500)}`);
  return { report: JSON.parse(readFileSync(reportFile, 'utf8')), recording, stderr: proxy.stderr };
}

function tshark(file: string, args: string[]): string[] {
  return execFileSync('tshark', ['-n', '-r', file, ...args], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter((l) => l !== '');
}

const figures = (s: any) => ({ packets: s.packets, lost: s.lost, jitterMeanMs: Number(s.jitterMeanMs.toFixed(6)), jitterMaxMs: Number(s.jitterMaxMs.toFixed(6)), payloadType: s.payloadType });

describe.skipIf(skip !== null)(`voipready proxy --record${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab | undefined;
  let dir = '';
  const runs = new Map<'udp' | 'tcp', Run>();
  let full: Run | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-proxy-record-'));
    symlinkSync(SIPP_PCAPS, join(dir, 'pcap'));
    lab = RecordLab.make(['udp', 'tcp', 'full']);
    const [u, t, f] = await Promise.all([callsThroughProxy(lab, dir, 'udp'), callsThroughProxy(lab, dir, 'tcp'), callsThroughProxy(lab, dir, 'udp', 'full', '/dev/full')]);
    runs.set('udp', u);
    runs.set('tcp', t);
    full = f;
  }, 120_000);

  afterAll(async () => {
    await lab?.destroy();
    if (dir !== '' && process.env.VR_KEEP_TEST_DIR === undefined) rmSync(dir, { recursive: true, force: true });
  });

  for (const transport of ['udp', 'tcp'] as const) {
    describe(transport, () => {
      it('analyze of the recording: every stream the proxy measured live, with its packets, loss and jitter, and the same calls', () => {
        const r = runs.get(transport)!;
        expect(r.stderr).toMatch(/--record .*: \d+ packets in 1 file\n/);
        expect(r.stderr).not.toMatch(/dropped/);
        const live = r.report.streams as any[];
        expect(live).toHaveLength(CALLS * 4);
        const again = analyzeJson(r.recording).report;
        const byKey = new Map((again.streams as any[]).map((s) => [streamKey(s), s]));
        for (const s of live) {
          const a = byKey.get(streamKey(s));
          expect(a, `${streamKey(s)} in the recording`).toBeDefined();
          expect(figures(a)).toEqual(figures(s));
          expect(a.dscp).toEqual(s.dscp);
        }
        const calls = (c: any) => [c.callId, c.finalStatus, c.state];
        expect((again.calls as any[]).map(calls).sort()).toEqual((r.report.calls as any[]).map(calls).sort());
      });

      it('the forwarded copies: from the relay\'s port to each side, same SSRC and packets as received, marked EF', () => {
        const r = runs.get(transport)!;
        const again = analyzeJson(r.recording).report;
        const live = r.report.streams as any[];
        const copies = (again.streams as any[]).filter((s) => port(s.src) >= 40000 && port(s.src) <= 40099);
        expect(copies).toHaveLength(live.length);
        // the same streams again, as sent on: SSRC, payload type and packets (both calls share sipp's SSRC)
        const sig = (s: any) => `${s.ssrc} ${s.payloadType} ${s.packets}`;
        expect(copies.map(sig).sort()).toEqual(live.map(sig).sort());
        for (const c of copies) expect(Object.keys(c.dscp)).toEqual(['46']);
        // to the other side: what came from the caller goes to the echo (the UAS), the echo to the caller
        const toUas = copies.filter((c) => port(c.dst) === UAS_MEDIA);
        const toUac = copies.filter((c) => port(c.dst) >= UAC_MEDIA && port(c.dst) < UAC_MEDIA + 100);
        expect(toUas).toHaveLength(live.filter((s) => port(s.src) >= UAC_MEDIA).length);
        expect(toUac).toHaveLength(live.filter((s) => port(s.src) === UAS_MEDIA).length);
        expect(r.report.proxy.media.forwarded).toBe(copies.reduce((n, s) => n + s.packets, 0));
      });

      it('tshark: no malformed packet; SIP decoded (over TCP too) in both directions; RTP with the proxy\'s figures', () => {
        const r = runs.get(transport)!;
        expect(tshark(r.recording, ['-Y', '_ws.malformed || tcp.analysis.lost_segment || tcp.analysis.retransmission'])).toEqual([]);
        const sipDecode = transport === 'tcp' ? ['-d', `tcp.port==${UAS_PORT},sip`, '-d', `tcp.port==${UAC_PORT},sip`] : [];
        const sip = tshark(r.recording, [...sipDecode, '-Y', 'sip', '-T', 'fields', '-e', 'frame.interface_name', '-e', 'sip.CSeq.method', '-e', 'sip.Status-Code']);
        for (const what of ['INVITE\t', 'INVITE\t200', 'ACK\t', 'BYE\t', 'BYE\t200']) {
          // each message as received (interface proxy:sip) and as sent on (proxy:sip-out)
          expect(sip.filter((l) => l === `proxy:sip\t${what}`).length, `received ${what}`).toBe(CALLS);
          expect(sip.filter((l) => l === `proxy:sip-out\t${what}`).length, `sent ${what}`).toBe(CALLS);
        }
        const ref: RefStream[] = tsharkRtpStreams(r.recording, false).map((s) => ({
          src: s.src, dst: s.dst, ssrc: `0x${s.ssrc.toString(16).padStart(8, '0')}`, packets: s.packets, lost: s.lost, jitterMeanMs: s.meanJitterMs, jitterMaxMs: s.maxJitterMs,
        }));
        const live = r.report.streams as any[];
        const g711 = live.filter((s) => s.payloadType === 8);
        const mine = ref.filter((t) => g711.some((s) => streamKey(s) === streamKey(t)));
        expect(mine).toHaveLength(g711.length);
        expect(compareStreams(live, mine)).toEqual([]);
      });
    });
  }

  it('--record /dev/full (a full disk): reported once, naming the file; the calls go through and the report is complete', () => {
    const r = full!;
    expect(r.stderr.match(/cannot write/g)).toHaveLength(1);
    expect(r.stderr).toMatch(/--record: cannot write \/dev\/full: .*ENOSPC/);
    expect(r.stderr).toMatch(/dropped \(disk too slow or failing\)/);
    const calls = r.report.calls as any[];
    expect(calls).toHaveLength(CALLS);
    for (const c of calls) expect([c.finalStatus, c.state]).toEqual([200, 'ended']);
    expect(r.report.streams).toHaveLength(CALLS * 4);
    expect(r.report.proxy.media.droppedStrictSource + r.report.proxy.media.droppedNoPeer + r.report.proxy.media.sendErrors).toBe(0);
    expect(r.report.proxy.media.forwarded).toBe((r.report.streams as any[]).reduce((n, s) => n + s.packets, 0));
  });
});

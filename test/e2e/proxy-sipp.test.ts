/**
 * End to end with real user agents through `voipready proxy`: Debian's sipp places 2 G.711 calls
 * (uac_pcap: g711a.pcap + an RFC 4733 DTMF digit) to a sipp UAS that echoes the RTP (uas -rtp_echo),
 * with voipready proxy in between anchoring the media, once over UDP and once over TCP. Everything
 * runs on the loopback of a network namespace the test creates, where iptables marks the caller's
 * RTP EF and its SIP CS3 (the echo stays unmarked), and dumpcap records all of it.
 *
 *   sipp uac 127.0.0.1:5080 (RTP from :20000, EF) --> proxy :5060, relay 40000-40099 --> sipp uas :5070 (RTP :16000, echo CS0)
 *
 * Checked: the calls succeed; every stream the proxy reports (what reached it on each leg) has the
 * packet count, loss and jitter tshark finds for the same stream in the capture; what the relay
 * forwarded is marked EF and the proxy's SIP CS3 in the capture; the DSCP the proxy read per leg is
 * what iptables set (the callee leg's CS0 is a finding for that stream); the SDP each side got names
 * the relay, not the other side. Needs root, ip, iptables, sipp, dumpcap, tshark and a built dist/.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { Lab, missingForNetns, run } from '../helpers/netns.js';
import { compareStreams, type RefStream } from '../helpers/reference.js';
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
  const tools = missingForNetns(['ip', 'iptables', 'sipp', 'dumpcap', 'tshark', 'ss']);
  if (tools !== null) return tools;
  if (!existsSync(join(SIPP_PCAPS, 'g711a.pcap'))) return `${SIPP_PCAPS}/g711a.pcap absent (package sip-tester)`;
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ not built (npm run build)';
  return null;
}
const skip = whyNot();
if (skip !== null) process.stderr.write(`proxy-sipp e2e skipped: ${skip}\n`);

interface ProxyRun {
  uacExit: number | null;
  uasExit: number | null;
  report: any;
  tshark: RefStream[];
  /** DSCP values (tshark) of the packets the relay sent, by destination port */
  forwardedDscp: Map<number, Set<number>>;
  /** DSCP of SIP sent from the proxy's port */
  proxySipDscp: Set<number>;
  /** the media ports each side was told in the SDP it received (from the capture) */
  sdpToUac: number[];
  sdpToUas: number[];
  proxyStderr: string;
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

async function runThroughProxy(lab: Lab, dir: string, transport: 'udp' | 'tcp'): Promise<ProxyRun> {
  const ns = lab.ns(transport);
  const ipt = (rule: string): string => lab.exec(ns, ['iptables', ...rule.split(' ')]);
  ipt(`-t mangle -A OUTPUT -p udp --sport ${UAC_MEDIA}:${UAC_MEDIA + 99} -j DSCP --set-dscp 46`);
  ipt(`-t mangle -A OUTPUT -p ${transport} --sport ${UAC_PORT} -j DSCP --set-dscp 24`);
  const capture = join(dir, `${transport}.pcapng`);
  const reportFile = join(dir, `${transport}-report.json`);
  const dumpcap = lab.spawn(ns, ['dumpcap', '-q', '-i', 'lo', '-f', 'udp or tcp', '-w', capture], { name: `dumpcap ${transport}` });
  await dumpcap.waitFor(/Capturing on/, 10_000);
  const proxy = lab.spawn(ns, [process.execPath, join(ROOT, 'bin', 'voipready'), 'proxy', '--listen', `${LO}:${PROXY_PORT}`,
    '--upstream', `${LO}:${UAS_PORT}`, '--upstream-transport', transport, '--rtp-ports', '40000-40099', '--grace', '1',
    '--report', reportFile, '--json'], { name: `proxy ${transport}` });
  await proxy.waitFor(/proxy on udp\+tcp/, 15_000);
  const t = transport === 'tcp' ? ['-t', 't1'] : [];
  const uas = lab.spawn(ns, ['sipp', '-sn', 'uas', '-rtp_echo', '-i', LO, '-mi', LO, '-mp', String(UAS_MEDIA), ...t,
    '-p', String(UAS_PORT), '-m', String(CALLS), '-nostdin', '-timeout', '40s'], { cwd: dir, name: `sipp uas ${transport}` });
  await until(() => lab.exec(ns, ['ss', transport === 'tcp' ? '-Hltn' : '-Hlun', `sport = :${UAS_PORT}`]).includes(`:${UAS_PORT}`), 5_000, 'sipp uas listening');
  const uac = lab.spawn(ns, ['sipp', `${LO}:${PROXY_PORT}`, '-sn', 'uac_pcap', '-i', LO, '-p', String(UAC_PORT), '-mi', LO, ...t,
    '-mp', String(UAC_MEDIA), '-r', String(CALLS), '-rp', '1000', '-m', String(CALLS), '-nostdin', '-timeout', '40s'],
  { cwd: dir, name: `sipp uac ${transport}` });
  const uacExit = await uac.wait(45_000);
  const uasExit = await uas.wait(5_000);
  await sleep(300);
  await proxy.stop('SIGINT', 10_000);
  await dumpcap.stop('SIGINT', 5_000);
  if (uacExit !== 0) throw new Error(`sipp uac (${transport}) exited ${uacExit}: ${uac.stdout.slice(-1500)}\nproxy: ${proxy.stderr.slice(-1500)}`);
  const report = JSON.parse(readFileSync(reportFile, 'utf8'));
  return { uacExit, uasExit, report, tshark: reference(capture), ...forwarded(capture), ...sdpPorts(capture), proxyStderr: proxy.stderr };
}

function reference(capture: string): RefStream[] {
  return tsharkRtpStreams(capture, false).map((s) => ({
    src: s.src, dst: s.dst, ssrc: `0x${s.ssrc.toString(16).padStart(8, '0')}`, packets: s.packets, lost: s.lost,
    jitterMeanMs: s.meanJitterMs, jitterMaxMs: s.maxJitterMs, maxDeltaMs: s.maxDeltaMs,
  }));
}

function forwarded(capture: string): { forwardedDscp: Map<number, Set<number>>; proxySipDscp: Set<number> } {
  const out = run(['tshark', '-n', '-r', capture, '-Y', 'udp.srcport >= 40000 && udp.srcport <= 40099', '-T', 'fields', '-e', 'udp.dstport', '-e', 'ip.dsfield.dscp'], 60_000);
  const forwardedDscp = new Map<number, Set<number>>();
  for (const line of out.split('\n')) {
    const [port, d] = line.split('\t');
    if (d === undefined) continue;
    const set = forwardedDscp.get(Number(port)) ?? new Set<number>();
    set.add(Number(d));
    forwardedDscp.set(Number(port), set);
  }
  const sip = run(['tshark', '-n', '-r', capture, '-Y', `sip && (udp.srcport == ${PROXY_PORT} || tcp.srcport == ${PROXY_PORT})`, '-T', 'fields', '-e', 'ip.dsfield.dscp'], 60_000);
  return { forwardedDscp, proxySipDscp: new Set(sip.split('\n').filter((l) => l !== '').map(Number)) };
}

/** the m= ports in the SDP of the messages the proxy sent to each side */
function sdpPorts(capture: string): { sdpToUac: number[]; sdpToUas: number[] } {
  const out = run(['tshark', '-n', '-r', capture, '-Y', 'sdp', '-T', 'fields', '-e', 'udp.dstport', '-e', 'tcp.dstport', '-e', 'udp.srcport', '-e', 'tcp.srcport', '-e', 'sdp.media.port'], 60_000);
  const sdpToUac: number[] = [];
  const sdpToUas: number[] = [];
  for (const line of out.split('\n')) {
    const [ud, td, us, ts, port] = line.split('\t');
    if (port === undefined || port === '') continue;
    const dst = Number(ud || td);
    const src = Number(us || ts);
    // only the proxy sends to the UAS; what leaves the proxy's SIP port otherwise goes to the UAC
    if (dst === UAS_PORT) sdpToUas.push(Number(port.split(',')[0]));
    else if (src === PROXY_PORT) sdpToUac.push(Number(port.split(',')[0]));
  }
  return { sdpToUac, sdpToUas };
}

describe.skipIf(skip !== null)(`sipp calls through voipready proxy${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab | undefined;
  let dir = '';
  const runs = new Map<'udp' | 'tcp', ProxyRun>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-proxy-sipp-'));
    symlinkSync(SIPP_PCAPS, join(dir, 'pcap'));
    lab = Lab.create(['udp', 'tcp']);
    // both transports at once: each in its own namespace
    const [u, t] = await Promise.all([runThroughProxy(lab, dir, 'udp'), runThroughProxy(lab, dir, 'tcp')]);
    runs.set('udp', u);
    runs.set('tcp', t);
  }, 120_000);

  afterAll(async () => {
    await lab?.destroy();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  for (const transport of ['udp', 'tcp'] as const) {
    describe(transport, () => {
      it('both calls succeed and are answered, set up and ended in the report', () => {
        const r = runs.get(transport)!;
        expect(r.uacExit).toBe(0);
        expect(r.uasExit).toBe(0);
        const calls = r.report.calls as any[];
        expect(calls).toHaveLength(CALLS);
        for (const c of calls) {
          expect(c.finalStatus).toBe(200);
          expect(c.state).toBe('ended');
        }
      });

      it('the report has the proxy\'s own figures: every relayed packet counted, and the delay it added per leg', () => {
        const r = runs.get(transport)!;
        const p = r.report.proxy;
        expect(p.calls).toBe(CALLS);
        const packets = (r.report.streams as any[]).reduce((n, s) => n + s.packets, 0);
        expect(p.media.forwarded).toBe(packets);
        expect(p.media.received).toBe(packets);
        expect(p.media.droppedStrictSource + p.media.droppedJunk + p.media.droppedNoPeer).toBe(0);
        expect(p.media.notAnalysed).toBe(0);
        // run as root here: the loop relay's forwarding thread gets realtime scheduling (or says what it got)
        if (p.relay === 'loop') expect(['realtime', 'high']).toContain(p.relayThread);
        expect(p.sip.malformed + p.sip.rejectedForbidden + p.sip.rejectedNotFound).toBe(0);
        for (const leg of ['a-leg', 'b-leg']) {
          const d = p.addedDelayMs[leg];
          if (p.relay === 'dgram') {
            expect(d).toBeNull();
            continue;
          }
          expect(d.min).toBeGreaterThanOrEqual(0);
          expect(d.p50).toBeLessThanOrEqual(d.p99);
          expect(d.p99).toBeLessThanOrEqual(d.max);
        }
      });

      it('each side was told the relay\'s ports in the SDP, never the other side\'s', () => {
        const r = runs.get(transport)!;
        expect(r.sdpToUas.length).toBeGreaterThanOrEqual(CALLS);
        expect(r.sdpToUac.length).toBeGreaterThanOrEqual(CALLS);
        for (const p of [...r.sdpToUas, ...r.sdpToUac]) expect(p >= 40000 && p <= 40099).toBe(true);
      });

      it('every stream reaching the proxy, on both legs, has tshark\'s packets, loss and jitter', () => {
        const r = runs.get(transport)!;
        const streams = r.report.streams as any[];
        // per call: G.711 and telephone-event, caller -> relay (a-leg) and echo -> relay (b-leg)
        expect(streams).toHaveLength(CALLS * 4);
        const mine = r.tshark.filter((t) => streams.some((s) => s.src === t.src && s.dst === t.dst));
        expect(mine).toHaveLength(CALLS * 4);
        expect(compareStreams(streams, mine.filter((t) => streams.find((s) => s.src === t.src && s.dst === t.dst)?.payloadType === 8))).toEqual([]);
        const fromCaller = streams.filter((s) => port(s.src) >= UAC_MEDIA && s.payloadType === 8);
        expect(fromCaller).toHaveLength(CALLS);
        for (const s of streams) expect(port(s.dst)).toBeGreaterThanOrEqual(40000);
      });

      it('the relay marks what it forwards EF and the proxy marks SIP CS3; it reads EF from the caller and CS0 from the echo', () => {
        const r = runs.get(transport)!;
        const sent = [...r.forwardedDscp.values()].flatMap((s) => [...s]);
        expect(sent.length).toBeGreaterThan(0);
        expect(new Set(sent)).toEqual(new Set([46]));
        // SIP over TCP keeps the socket default: Node's net cannot set IP_TOS
        if (transport === 'udp') expect(r.proxySipDscp).toEqual(new Set([24]));
        const streams = r.report.streams as any[];
        const caller = streams.filter((s) => port(s.src) >= UAC_MEDIA);
        expect(caller.length).toBe(CALLS * 2);
        for (const s of caller) expect(Object.keys(s.dscp)).toEqual(['46']);
        const echo = streams.filter((s) => s.src === `${LO}:${UAS_MEDIA}`);
        expect(echo.length).toBe(CALLS * 2);
        // one finding per cause: a DTMF echo on its voice echo's path is named in the voice echo's finding
        const findings = (r.report.findings as any[]).filter((f) => f.code === 'DSCP_RTP_NOT_EF');
        const dtmf = (x: any) => x.telephoneEventPackets >= x.packets;
        expect(new Set(findings.map((f) => f.streamId))).toEqual(new Set(echo.filter((x) => !dtmf(x)).map((x) => x.id)));
        for (const d of echo.filter(dtmf)) expect(findings.some((f) => f.evidence.some((e: string) => e.startsWith(`also the DTMF stream ${d.id} `)))).toBe(true);
      });
    });
  }
});

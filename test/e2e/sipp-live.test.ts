/**
 * End to end with real calls: Debian's sipp places 2 G.711 calls (uac_pcap: g711a.pcap + RFC 4733 DTMF '1')
 * from namespace vr-a-XXXX to an echoing UAS (uas -rtp_echo) in vr-b-XXXX; dumpcap records the callee's
 * veth; `voipready analyze --json` must agree with tshark 4.0 (`-z rtp,streams`) on the same file and
 * with what the test did to the traffic:
 *
 *   vr-a (caller, 10.244.0.1; sipp's raw RTP leaves from 10.244.0.101 on lo)          vr-b (callee, 10.244.0.2)
 *     sipp uac --RTP to .2:16000--> nat OUTPUT DNAT --> impair-relay.mjs (drops every 25th G.711 packet,
 *     seeded phase) --from .1:P (P as in the INVITE's SDP)--> mangle OUTPUT (RTP EF, SIP CS3) --veth-->  sipp uas
 *                                                                   <-- echo, unmarked (CS0) --  dumpcap here
 *
 * The relay records which sequence numbers it dropped, so the expected `lost` of each caller stream is
 * known, and the echo mirrors it. Needs root, ip, iptables, sipp, dumpcap, tshark and a built dist/;
 * skipped with the reason otherwise. Everything runs inside namespaces the test creates and deletes.
 * The capture is kept in /tmp (path printed) when a test fails, or always with VOIPREADY_KEEP_CAPTURE=1.
 */
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFailed } from 'vitest';
import { analyzeJson, ROOT } from '../helpers/cli.js';
import { Lab, listNamespaces, missingForNetns, run, type OwnedProcess } from '../helpers/netns.js';
import { compareStreams, streamKey, type RefStream } from '../helpers/reference.js';
import { tsharkRtpStreams } from '../helpers/tshark.js';

const SIPP_PCAPS = '/usr/share/sip-tester';
const RELAY = join(ROOT, 'test', 'helpers', 'impair-relay.mjs');
const CALLER = '10.244.0.1';
const CALLER_RAW = '10.244.0.101';
const CALLEE = '10.244.0.2';
const UAS_MEDIA_PORT = 16000;
const UAC_MEDIA_PORT = 20000;
const RELAY_PORT = 30000;
const CALLS = 2;
const EVERY = 25;
const SEED = Number(process.env.VOIPREADY_E2E_SEED ?? 42);

function whyNot(): string | null {
  const tools = missingForNetns(['ip', 'iptables', 'sipp', 'dumpcap', 'tshark', 'ss']);
  if (tools !== null) return tools;
  if (!existsSync(join(SIPP_PCAPS, 'g711a.pcap'))) return `${SIPP_PCAPS}/g711a.pcap absent (package sip-tester)`;
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ not built (npm run build)';
  return null;
}
const skip = whyNot();
if (skip !== null) process.stderr.write(`sipp-live e2e skipped: ${skip}\n`);

interface TruthStream {
  srcPort: number;
  ssrc: string;
  payloadType: number;
  forwarded: number;
  firstSeq: number | null;
  lastSeq: number | null;
  droppedSeqs: number[];
  echoes: number;
  phase: number | null;
}

interface LiveRun {
  capture: string;
  uacExit: number | null;
  truth: TruthStream[];
  report: any;
  tshark: RefStream[];
  sipDscp: Map<string, Record<string, number>>;
  /** Call-ID -> the caller's media port in its INVITE's SDP */
  sdpPort: Map<string, number>;
  seconds: { calls: number; total: number };
}

describe.skipIf(skip !== null)(`live sipp calls through an impairing relay, captured and analysed${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab | undefined;
  let dir = '';
  let keep = process.env.VOIPREADY_KEEP_CAPTURE === '1';
  let live: LiveRun;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-sipp-live-'));
    try {
      lab = Lab.create(['a', 'b']);
      live = await runCalls(lab, dir);
    } catch (err) {
      keep = true;
      throw err;
    }
  }, 80_000);

  beforeEach(() => {
    onTestFailed(({ task }) => {
      if (task.fails !== true) keep = true; // an expected failure (it.fails) is not a reason to keep the capture
    });
  });

  afterAll(async () => {
    await lab?.destroy();
    if (keep && lab !== undefined) {
      lab.procs.forEach((p, i) => writeFileSync(join(dir, `${i}-${p.name.replace(/\W+/g, '-')}.log`), `${p.stdout}\n--- stderr\n${p.stderr}`));
      process.stderr.write(`sipp-live e2e: capture and logs kept in ${dir}\n`);
    } else if (dir !== '') {
      rmSync(dir, { recursive: true, force: true });
    }
    if (lab !== undefined) expect(listNamespaces().filter((n) => n.endsWith(lab!.suffix))).toEqual([]);
  });

  it('sipp completed 2 calls; voipready sees both answered with a final 200 and a setup time', () => {
    expect(live.uacExit).toBe(0);
    const calls = live.report.calls as any[];
    expect(calls).toHaveLength(CALLS);
    expect.assertions(2 + CALLS * 6);
    for (const c of calls) {
      expect(c.finalStatus).toBe(200);
      expect(c.state).toBe('ended');
      expect(c.setupMs).toBeGreaterThan(0);
      expect(c.sipSrc).toBe(`${CALLER}:5060`);
      // INVITE, ACK, BYE marked CS3 by the caller; 180, 200, 200 from the callee unmarked (as tshark reads them)
      expect(c.sipDscp).toEqual(live.sipDscp.get(c.callId));
      expect(c.sipDscp).toEqual({ 0: 3, 24: 3 });
    }
  });

  it('every call has G.711 A-law and telephone-event both ways, on the ports of its SDP', () => {
    const streams = live.report.streams as any[];
    expect(streams).toHaveLength(CALLS * 4);
    expect([...live.sdpPort.values()].sort()).toEqual(Array.from({ length: CALLS }, (_, i) => UAC_MEDIA_PORT + 4 * i));
    for (const c of live.report.calls as any[]) {
      const out = `${CALLER}:${live.sdpPort.get(c.callId)} > ${CALLEE}:${UAS_MEDIA_PORT}`;
      const back = `${CALLEE}:${UAS_MEDIA_PORT} > ${CALLER}:${live.sdpPort.get(c.callId)}`;
      const mine = streams.filter((s) => s.src === `${CALLER}:${live.sdpPort.get(c.callId)}` || s.dst === `${CALLER}:${live.sdpPort.get(c.callId)}`);
      const pairs = mine.map((s) => `${s.src} > ${s.dst} PT ${s.payloadType}`).sort();
      expect(pairs).toEqual([`${out} PT 101`, `${out} PT 8`, `${back} PT 101`, `${back} PT 8`].sort());
      expect(mine.every((s) => s.detection === 'sdp')).toBe(true);
      // unambiguous: G.711 starts before the next call's SDP; echoes go to the caller port only this call signalled
      const sure = mine.filter((s) => s.payloadType === 8 || s.src.startsWith(`${CALLEE}:`));
      expect(sure.map((s) => s.callId)).toEqual(Array(3).fill(c.callId));
    }
  });

  // Regression: both calls' 200 OK announce the UAS's one media port 10.244.0.2:16000. The registry looks the
  // destination up first (as Wireshark's conversations do), which alone gave the first call's caller->callee
  // telephone-event stream (it starts after the second call's SDP) the second call's Call-ID; the stream now
  // belongs to the call whose SDP named both of its endpoints.
  it('every stream belongs to the call whose SDP named both its endpoints, even when two calls share an answer port', () => {
    const streams = live.report.streams as any[];
    const wrong = streams.filter((s) => {
      const callerPort = Number((s.src.startsWith(`${CALLER}:`) ? s.src : s.dst).split(':')[1]);
      return live.sdpPort.get(s.callId) !== callerPort;
    });
    expect(wrong.map((s) => `${s.id} ${s.src} > ${s.dst} PT ${s.payloadType} in ${s.callId}`)).toEqual([]);
  });

  it('packets, lost and DSCP equal tshark on the same capture; jitter (mean and max) within 1 %', () => {
    const streams = live.report.streams as any[];
    expect(live.tshark).toHaveLength(streams.length);
    expect(compareStreams(streams, live.tshark)).toEqual([]);
    const byKey = new Map(streams.map((s) => [streamKey(s), s]));
    const off: string[] = [];
    for (const r of live.tshark) {
      const s = byKey.get(streamKey(r));
      for (const k of ['jitterMeanMs', 'jitterMaxMs'] as const) {
        if (Math.abs(s[k] - r[k]) > Math.max(0.01, 0.01 * r[k])) off.push(`${streamKey(r)} ${k} ${s[k]} vs ${r[k]}`);
      }
    }
    expect(off).toEqual([]);
  });

  it('DSCP as marked: EF on every caller stream, CS0 on every echo, and DSCP_RTP_NOT_EF for exactly the echoes', () => {
    const streams = live.report.streams as any[];
    const fromCaller = streams.filter((s) => s.src.startsWith(`${CALLER}:`));
    const echoes = streams.filter((s) => s.src.startsWith(`${CALLEE}:`));
    expect(fromCaller).toHaveLength(CALLS * 2);
    expect(echoes).toHaveLength(CALLS * 2);
    for (const s of fromCaller) expect(s.dscp).toEqual({ 46: s.packets });
    for (const s of echoes) expect(s.dscp).toEqual({ 0: s.packets });
    // one finding per cause: a DTMF echo on its voice echo's path is named in the voice echo's finding
    const found = live.report.findings.filter((f: any) => f.code === 'DSCP_RTP_NOT_EF');
    const dtmf = (x: any) => x.telephoneEventPackets >= x.packets;
    expect(found.map((f: any) => f.streamId).sort()).toEqual(echoes.filter((x) => !dtmf(x)).map((x) => x.id).sort());
    for (const d of echoes.filter(dtmf)) expect(found.some((f: any) => f.evidence.some((e: string) => e.startsWith(`also the DTMF stream ${d.id} `)))).toBe(true);
  });

  it("the relay's dropped packets are voipready's lost, in the caller's G.711 stream and in its echo", () => {
    const streams = live.report.streams as any[];
    const g711 = live.truth.filter((t) => t.payloadType === 8);
    expect(g711).toHaveLength(CALLS);
    expect.assertions(1 + CALLS * 7 + 1);
    for (const t of g711) {
      const out = streams.find((s) => s.src === `${CALLER}:${t.srcPort}` && s.payloadType === 8);
      const back = streams.find((s) => s.dst === `${CALLER}:${t.srcPort}` && s.payloadType === 8);
      // a drop before the first or after the last forwarded packet is not visible as a sequence gap
      const lost = t.droppedSeqs.filter((q) => between(q, t.firstSeq!, t.lastSeq!)).length;
      expect(t.droppedSeqs.length).toBeGreaterThanOrEqual(9);
      expect(out?.ssrc).toBe(t.ssrc);
      expect(out?.packets).toBe(t.forwarded);
      expect(out?.lost).toBe(lost);
      expect(out?.expected).toBe(t.forwarded + lost);
      expect(back?.packets).toBe(t.echoes);
      expect(back?.lost).toBe(lost);
    }
    const dtmf = live.truth.filter((t) => t.payloadType === 101);
    expect(dtmf.map((t) => [t.forwarded, t.droppedSeqs.length])).toEqual(Array(CALLS).fill([10, 0]));
  });

  it('the verdict fails on loss above 3 % (LOSS_HIGH for each impaired stream) and on the unmarked echo', () => {
    const streams = live.report.streams as any[];
    const impaired = streams.filter((s) => s.payloadType === 8);
    for (const s of impaired) expect(s.lossPercent).toBeGreaterThan(3);
    const loss = live.report.findings.filter((f: any) => f.code === 'LOSS_HIGH');
    expect(loss.map((f: any) => [f.streamId, f.severity]).sort()).toEqual(impaired.map((s) => [s.id, 'fail']).sort());
    expect(live.report.verdict).toBe('fail');
    const summary = new Map(live.report.summary.map((c: any) => [c.criterion, c.verdict]));
    expect(summary.get('loss')).toBe('fail');
    expect(summary.get('dscp')).toBe('fail');
    expect(summary.get('jitter')).toBe('pass');
  });

  it('stays within its time budget', () => {
    process.stderr.write(`sipp-live e2e: calls ${live.seconds.calls.toFixed(1)} s, whole run ${live.seconds.total.toFixed(1)} s, seed ${SEED}\n`);
    expect(live.seconds.total).toBeLessThan(60);
  });
});

/** sets up the two namespaces, runs the calls, stops everything and analyses the capture */
async function runCalls(lab: Lab, dir: string): Promise<LiveRun> {
  const t0 = Date.now();
  const a = lab.ns('a');
  const b = lab.ns('b');
  const vethB = `vrb-${lab.suffix}`;
  lab.link({ ns: a, dev: `vra-${lab.suffix}`, cidr: `${CALLER}/24` }, { ns: b, dev: vethB, cidr: `${CALLEE}/24` });
  lab.exec(a, ['ip', 'addr', 'add', `${CALLER_RAW}/32`, 'dev', 'lo']);
  const ipt = (rule: string): string => lab.exec(a, ['iptables', ...rule.split(' ')]);
  ipt(`-t nat -A OUTPUT -s ${CALLER_RAW} -d ${CALLEE} -p udp --dport ${UAS_MEDIA_PORT} -j DNAT --to-destination ${CALLER}:${RELAY_PORT}`);
  ipt(`-t mangle -A OUTPUT -p udp --sport ${UAC_MEDIA_PORT}:${UAC_MEDIA_PORT + 99} -j DSCP --set-dscp 46`);
  ipt('-t mangle -A OUTPUT -p udp --dport 5060 -j DSCP --set-dscp 24');
  // sipp's uac_pcap scenario plays pcap/g711a.pcap relative to its working directory
  symlinkSync(SIPP_PCAPS, join(dir, 'pcap'));
  const capture = join(dir, 'callee.pcapng');

  const relay = lab.spawn(a, [process.execPath, RELAY, '--listen', `${CALLER}:${RELAY_PORT}`, '--to', `${CALLEE}:${UAS_MEDIA_PORT}`,
    '--out-ip', CALLER, '--every', String(EVERY), '--pt', '8', '--seed', String(SEED), '--max-seconds', '60'], { name: 'relay' });
  const dumpcap = lab.spawn(b, ['dumpcap', '-q', '-i', vethB, '-f', 'udp', '-w', capture], { name: 'dumpcap' });
  const uas = lab.spawn(b, ['sipp', '-sn', 'uas', '-rtp_echo', '-i', CALLEE, '-mi', CALLEE, '-mp', String(UAS_MEDIA_PORT),
    '-p', '5060', '-m', String(CALLS), '-nostdin', '-timeout', '40s'], { cwd: dir, name: 'sipp uas' });
  await relay.waitFor(/"ready":true/, 10_000);
  await dumpcap.waitFor(/Capturing on/, 10_000);
  await until(() => existsSync(capture) || !dumpcap.running, 5_000, 'dumpcap writing');
  if (!dumpcap.running) throw new Error(`dumpcap failed: ${dumpcap.stderr.slice(-800)}`);
  await until(() => lab.exec(b, ['ss', '-Hlun', 'sport = :5060']).includes(':5060'), 5_000, 'sipp uas on UDP 5060');

  const t1 = Date.now();
  const uac = lab.spawn(a, ['sipp', `${CALLEE}:5060`, '-sn', 'uac_pcap', '-i', CALLER, '-p', '5060', '-mi', CALLER_RAW,
    '-mp', String(UAC_MEDIA_PORT), '-r', String(CALLS), '-rp', '1000', '-m', String(CALLS), '-nostdin', '-timeout', '40s'],
  { cwd: dir, name: 'sipp uac' });
  const uacExit = await uac.wait(45_000);
  const callSeconds = (Date.now() - t1) / 1000;
  await uas.wait(5_000);
  await sleep(300); // the last echoes on the wire
  const dumpcapExit = await dumpcap.stop('SIGINT', 5_000);
  await relay.stop('SIGTERM', 3_000);
  if (dumpcapExit !== 0) throw new Error(`dumpcap exited ${dumpcapExit}: ${dumpcap.stderr.slice(-800)}`);
  const truth = parseTruth(relay);
  if (uacExit !== 0) throw new Error(`sipp uac exited ${uacExit}: ${uac.stdout.slice(-1500)}`);

  const { report } = analyzeJson(capture);
  return {
    capture, uacExit, truth, report, tshark: tsharkReference(capture), ...tsharkSip(capture),
    seconds: { calls: callSeconds, total: (Date.now() - t0) / 1000 },
  };
}

async function until(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

function parseTruth(relay: OwnedProcess): TruthStream[] {
  const line = relay.stdout.split('\n').find((l) => l.startsWith('{"truth"'));
  if (line === undefined) throw new Error(`relay reported no truth: ${relay.stdout.slice(-800)} ${relay.stderr.slice(-800)}`);
  return (JSON.parse(line) as { truth: TruthStream[] }).truth;
}

/** tshark's RTP streams from the SIP/SDP (no heuristic RTP), with DSCP counts as tshark_ref.py makes them */
function tsharkReference(capture: string): RefStream[] {
  const dscp = new Map<string, Record<string, number>>();
  const fields = run(['tshark', '-n', '-r', capture, '-Y', 'rtp', '-T', 'fields', '-e', 'ip.src', '-e', 'udp.srcport',
    '-e', 'ip.dst', '-e', 'udp.dstport', '-e', 'rtp.ssrc', '-e', 'ip.dsfield.dscp'], 60_000);
  for (const line of fields.split('\n')) {
    const [src, sport, dst, dport, ssrc, d] = line.split('\t');
    if (ssrc === undefined || d === undefined) continue;
    const key = streamKey({ src: `${src}:${sport}`, dst: `${dst}:${dport}`, ssrc });
    const counts = dscp.get(key) ?? {};
    counts[d] = (counts[d] ?? 0) + 1;
    dscp.set(key, counts);
  }
  return tsharkRtpStreams(capture, false).map((t) => {
    const ref = { src: t.src, dst: t.dst, ssrc: `0x${t.ssrc.toString(16).padStart(8, '0')}`, packets: t.packets, lost: t.lost,
      jitterMeanMs: t.meanJitterMs, jitterMaxMs: t.maxJitterMs, maxDeltaMs: t.maxDeltaMs };
    return { ...ref, dscp: dscp.get(streamKey(ref)) ?? {} };
  });
}

/** per Call-ID, read by tshark: the DSCP counts of its SIP messages and the caller's SDP media port */
function tsharkSip(capture: string): { sipDscp: Map<string, Record<string, number>>; sdpPort: Map<string, number> } {
  const sipDscp = new Map<string, Record<string, number>>();
  const sdpPort = new Map<string, number>();
  const fields = run(['tshark', '-n', '-r', capture, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID', '-e', 'ip.dsfield.dscp',
    '-e', 'sip.Method', '-e', 'sdp.media.port'], 60_000);
  for (const line of fields.split('\n')) {
    const [callId, d, method, port] = line.split('\t');
    if (!callId || d === undefined) continue;
    const counts = sipDscp.get(callId) ?? {};
    counts[d] = (counts[d] ?? 0) + 1;
    sipDscp.set(callId, counts);
    if (method === 'INVITE' && port) sdpPort.set(callId, Number(port));
  }
  return { sipDscp, sdpPort };
}

/** q strictly after first and before last, in 16-bit sequence space (RFC 3550 A.1) */
function between(q: number, first: number, last: number): boolean {
  const d = (q - first) & 0xffff;
  return d > 0 && d < ((last - first) & 0xffff);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

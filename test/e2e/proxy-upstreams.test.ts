/**
 * End to end: `voipready proxy` with several upstreams, between Debian's sipp user agents, on the
 * loopback of network namespaces the test creates (prefix vrup-), two at once:
 *
 * (i) by domain, ns vrup-dom:
 *   sipp uac :5080 "bob@pbx-a.example" ─┐                        ┌─> sipp uas :5070 (RTP echo :16000)  pbx-a.example
 *   sipp uac :5082 "bob@pbx-b.example" ─┴─> proxy :5060 ──────────┴─> sipp uas :5072 (RTP echo :16100)  pbx-b.example
 *   each call (uac_pcap's G.711 with the Request-URI naming the domain) reaches its domain's UAS (each
 *   UAS's own screen counts exactly one INVITE received), the media is relayed and measured (the
 *   packets sipp played, counted by tshark in the pcap files it plays, are the packets measured), and
 *   /metrics counts one request per upstream.
 *
 * (ii)+(iii) failover, ns vrup-fail: --upstream A(:5070) --upstream B(:5072), Timer B scaled to 1 s,
 *   hold-down 2 s, OPTIONS probe every 1 s. A is not running: the first call goes to A, times out,
 *   succeeds through B; /metrics shows the failover and A down. Then A starts (answering OPTIONS,
 *   sipp -aa): once a probe is answered after the hold-down A is up again, and the next call goes to A.
 *
 * (ii) every failover reason in one call, ns vrup-why: --upstream tcp:A(:5074, nothing listens)
 *   --upstream B(:5070, sipp answering 503) --upstream C(:5072): the TCP connect to A is refused, B's
 *   503 is ACKed by the proxy (B's scenario completes only with that ACK) and never reaches the
 *   caller, C takes the call.
 *
 * CANCEL after a failover, ns vrup-cncl: A not running, B a sipp that rings until cancelled; the
 *   caller cancels while B rings: the CANCEL and the ACK of the 487 reach B (its scenario completes
 *   only then), and the caller gets the 200 to its CANCEL and the 487.
 *
 * The UASs run without -m (sipp counts each OPTIONS it auto-answers as a call toward -m) and are
 * stopped by the test; what each received is read from the statistics screen it prints when it stops.
 *
 * Needs root, ip, sipp, tshark and a built dist/.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { Lab, missingForNetns, run, type OwnedProcess } from '../helpers/netns.js';

const SIPP_PCAPS = '/usr/share/sip-tester';
const SCENARIOS = join(ROOT, 'test', 'e2e', 'sipp');
const LO = '127.0.0.1';
const HTTP = `${LO}:9464`;

function whyNot(): string | null {
  const tools = missingForNetns(['ip', 'sipp', 'tshark', 'ss']);
  if (tools !== null) return tools;
  if (!existsSync(join(SIPP_PCAPS, 'g711a.pcap'))) return `${SIPP_PCAPS}/g711a.pcap absent (package sip-tester)`;
  if (!existsSync(join(ROOT, 'dist', 'cli', 'main.js'))) return 'dist/ not built (npm run build)';
  return null;
}
const skip = whyNot();
if (skip !== null) process.stderr.write(`proxy-upstreams e2e skipped: ${skip}\n`);

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** one sample of a /metrics text, by its exact series (name{labels} as printed), or undefined */
function sample(metrics: string, series: string): number | undefined {
  for (const line of metrics.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/**
 * The RTP streams of the pcap files sipp plays (tshark, decoding the port as RTP): the truth of what
 * it sent, by SSRC: packets, and lost as tshark counts it (expected by sequence - received; the
 * RFC 4733 digit repeats its end packets, so its stream has 2 more packets than sequence numbers).
 */
function playedStreams(): Map<string, { packets: number; lost: number }> {
  const out = new Map<string, { packets: number; lost: number }>();
  for (const [file, port] of [['g711a.pcap', 2006], ['dtmf_2833_1.pcap', 10000]] as const) {
    const rows = run(['tshark', '-n', '-r', join(SIPP_PCAPS, file), '-d', `udp.port==${port},rtp`, '-T', 'fields', '-e', 'rtp.ssrc', '-e', 'rtp.seq'], 30_000)
      .split('\n').filter((l) => l.includes('\t')).map((l) => l.split('\t'));
    const seqs = rows.map((r) => Number(r[1]));
    const ssrc = `0x${Number(rows[0]![0]).toString(16).padStart(8, '0')}`;
    out.set(ssrc, { packets: rows.length, lost: Math.max(...seqs) - Math.min(...seqs) + 1 - rows.length });
  }
  return out;
}

class Namespace {
  constructor(readonly lab: Lab, readonly ns: string, readonly dir: string) {}

  metrics(): string {
    const script = `fetch('http://${HTTP}/metrics').then((r) => r.text()).then((t) => process.stdout.write(t), () => process.exit(1))`;
    try {
      return this.lab.exec(this.ns, [process.execPath, '-e', script]);
    } catch {
      return '';
    }
  }

  async until(ok: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!ok()) {
      if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(100);
    }
  }

  async proxy(upstreams: string[], extra: string[], report: string): Promise<OwnedProcess> {
    const args = upstreams.flatMap((u) => ['--upstream', u]);
    const p = this.lab.spawn(this.ns, [process.execPath, join(ROOT, 'bin', 'voipready'), 'proxy', '--listen', `${LO}:5060`, ...args,
      '--rtp-ports', '40000-40099', '--grace', '1', '--serve', '--listen-http', HTTP, '--report', join(this.dir, report), '--json', '--no-live', ...extra],
    { name: `proxy ${this.ns}` });
    await p.waitFor(/proxy on udp\+tcp/, 20_000);
    return p;
  }

  /** sipp's UAS (RTP echo), answering OPTIONS itself (-aa: the proxy's probes), once it listens */
  async uas(port: number, mediaPort: number, name: string, scenario = ['-sn', 'uas', '-aa', '-rtp_echo']): Promise<OwnedProcess> {
    const p = this.lab.spawn(this.ns, ['sipp', ...scenario, '-i', LO, '-mi', LO, '-mp', String(mediaPort), '-p', String(port),
      '-nostdin', '-timeout', '45s'], { cwd: this.dir, name });
    await this.until(() => this.lab.exec(this.ns, ['ss', '-Hlun', `sport = :${port}`]).includes(`:${port}`), 5_000, `${name} listening`);
    return p;
  }

  /** stops a UAS (SIGINT: it prints its final screens) and reads how many INVITEs it received, by its own count */
  async invitesOf(uas: OwnedProcess): Promise<number> {
    await uas.stop('SIGINT', 5_000);
    const counts = [...uas.stdout.matchAll(/----------> INVITE\s+(\d+)/g)].map((m) => Number(m[1]));
    if (counts.length === 0) throw new Error(`${uas.name}: no INVITE row on its screen: ${uas.stdout.slice(-2000)}`);
    return counts.at(-1)!;
  }

  uac(argv: string[], name: string): OwnedProcess {
    return this.lab.spawn(this.ns, ['sipp', `${LO}:5060`, '-i', LO, ...argv, '-m', '1', '-nostdin', '-timeout', '30s'], { cwd: this.dir, name });
  }
}

interface DomainRun {
  uacExit: Array<number | null>;
  /** INVITEs each UAS received, by its own count: pbx-a's, pbx-b's */
  uasInvites: number[];
  metrics: string;
  report: any;
  stderr: string;
}

async function byDomain(n: Namespace): Promise<DomainRun> {
  const proxy = await n.proxy(['pbx-a.example=127.0.0.1:5070', 'pbx-b.example=127.0.0.1:5072'], [], 'domain.json');
  const uasA = await n.uas(5070, 16000, 'uas pbx-a');
  const uasB = await n.uas(5072, 16100, 'uas pbx-b');
  const call = (domain: string, port: number, media: number): OwnedProcess => n.uac(['-sf', join(SCENARIOS, 'uac-domain.xml'), '-key', 'domain', domain,
    '-s', 'bob', '-p', String(port), '-mi', LO, '-mp', String(media)], `uac ${domain}`);
  const uacs = [call('pbx-a.example', 5080, 20000), call('pbx-b.example', 5082, 20100)];
  const uacExit = await Promise.all(uacs.map((u) => u.wait(30_000)));
  await sleep(300);
  const metrics = n.metrics();
  const uasInvites = [await n.invitesOf(uasA), await n.invitesOf(uasB)];
  await proxy.stop('SIGINT', 10_000);
  if (uacExit.some((c) => c !== 0)) throw new Error(`uac exits ${uacExit.join(', ')}: ${uacs.map((u) => u.stdout.slice(-800)).join('\n')}\nproxy: ${proxy.stderr.slice(-1500)}`);
  return { uacExit, uasInvites, metrics, report: JSON.parse(readFileSync(join(n.dir, 'domain.json'), 'utf8')), stderr: proxy.stderr };
}

interface FailoverRun {
  firstCall: number | null;
  secondCall: number | null;
  /** INVITEs each UAS received, by its own count */
  uasBInvites: number;
  uasAInvites: number;
  afterFailover: string;
  afterRecovery: string;
  final: string;
  report: any;
  stderr: string;
}

async function failover(n: Namespace): Promise<FailoverRun> {
  const proxy = await n.proxy(['127.0.0.1:5070', '127.0.0.1:5072'],
    ['--upstream-timeout', '1s', '--upstream-hold-down', '2s', '--upstream-probe', '1s'], 'failover.json');
  const uasB = await n.uas(5072, 16100, 'uas B');
  // (ii) A is not running: the INVITE to A goes unanswered, after 1 s it goes to B
  const t0 = Date.now();
  const first = n.uac(['-sn', 'uac', '-p', '5080', '-mi', LO, '-mp', '20000'], 'uac 1');
  const firstCall = await first.wait(20_000);
  const t1 = Date.now();
  const afterFailover = n.metrics();
  // (iii) A comes up; a probe answered after the hold-down brings it back
  const uasA = await n.uas(5070, 16000, 'uas A');
  const t2 = Date.now();
  await n.until(() => sample(n.metrics(), 'voipready_proxy_upstream_up{upstream="127.0.0.1:5070"}') === 1, 10_000, 'A up again in /metrics');
  const t3 = Date.now();
  const afterRecovery = n.metrics();
  const second = n.uac(['-sn', 'uac', '-p', '5082', '-mi', LO, '-mp', '20100'], 'uac 2');
  const secondCall = await second.wait(20_000);
  // what the run took, for the record (timings on a shared machine: printed, not asserted)
  process.stderr.write(`proxy-upstreams: call with failover ${t1 - t0} ms, A seen up ${t3 - t2} ms after it started, direct call ${Date.now() - t3} ms\n`);
  await sleep(300);
  const final = n.metrics();
  const uasAInvites = await n.invitesOf(uasA);
  const uasBInvites = await n.invitesOf(uasB);
  await proxy.stop('SIGINT', 10_000);
  if (firstCall !== 0 || secondCall !== 0) throw new Error(`uac exits ${firstCall}, ${secondCall}: ${first.stdout.slice(-800)}\n${second.stdout.slice(-800)}\nproxy: ${proxy.stderr.slice(-1500)}`);
  return {
    firstCall, secondCall, uasBInvites, uasAInvites, afterFailover, afterRecovery, final,
    report: JSON.parse(readFileSync(join(n.dir, 'failover.json'), 'utf8')), stderr: proxy.stderr,
  };
}

interface ReasonsRun {
  call: number | null;
  /** the 503 UAS: 0 when its scenario completed, i.e. the proxy ACKed its 503 */
  busyExit: number | null;
  takerInvites: number;
  metrics: string;
  report: any;
}

async function everyReason(n: Namespace): Promise<ReasonsRun> {
  const proxy = await n.proxy(['tcp:127.0.0.1:5074', '127.0.0.1:5070', '127.0.0.1:5072'], ['--upstream-probe', '0'], 'reasons.json');
  const busy = await n.uas(5070, 16000, 'uas 503', ['-sf', join(SCENARIOS, 'uas-503.xml'), '-m', '1']);
  const taker = await n.uas(5072, 16100, 'uas C');
  const uac = n.uac(['-sn', 'uac', '-p', '5080', '-mi', LO, '-mp', '20000'], 'uac');
  const call = await uac.wait(20_000);
  const busyExit = await busy.wait(5_000);
  await sleep(300);
  const metrics = n.metrics();
  const takerInvites = await n.invitesOf(taker);
  await proxy.stop('SIGINT', 10_000);
  if (call !== 0) throw new Error(`uac exit ${call}: ${uac.stdout.slice(-800)}\nproxy: ${proxy.stderr.slice(-1500)}`);
  return { call, busyExit, takerInvites, metrics, report: JSON.parse(readFileSync(join(n.dir, 'reasons.json'), 'utf8')) };
}

interface CancelRun {
  uacExit: number | null;
  /** the ringing UAS: 0 when it got the CANCEL and the ACK of its 487 */
  ringingExit: number | null;
  metrics: string;
}

async function cancelAfterFailover(n: Namespace): Promise<CancelRun> {
  const proxy = await n.proxy(['127.0.0.1:5070', '127.0.0.1:5072'], ['--upstream-timeout', '1s', '--upstream-probe', '0'], 'cancel.json');
  const ringing = await n.uas(5072, 16100, 'uas ringing', ['-sf', join(SCENARIOS, 'uas-ring-forever.xml'), '-m', '1']);
  const uac = n.uac(['-sf', join(SCENARIOS, 'uac-cancel.xml'), '-p', '5080', '-mi', LO, '-mp', '20000'], 'uac cancel');
  const uacExit = await uac.wait(20_000);
  const ringingExit = await ringing.wait(5_000);
  const metrics = n.metrics();
  await proxy.stop('SIGINT', 10_000);
  if (uacExit !== 0 || ringingExit !== 0) throw new Error(`uac ${uacExit}, uas ${ringingExit}: ${uac.stdout.slice(-1200)}\n${ringing.stdout.slice(-1200)}\nproxy: ${proxy.stderr.slice(-1500)}`);
  return { uacExit, ringingExit, metrics };
}

describe.skipIf(skip !== null)(`voipready proxy with several upstreams${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let lab: Lab | undefined;
  let dir = '';
  let dom: DomainRun;
  let fail: FailoverRun;
  let why: ReasonsRun;
  let cancel: CancelRun;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vr-proxy-upstreams-'));
    // uac_pcap plays pcap/g711a.pcap relative to its working directory
    symlinkSync(SIPP_PCAPS, join(dir, 'pcap'));
    lab = Lab.create(['dom', 'fail', 'why', 'cncl'], 'vrup');
    const l = lab;
    const at = (role: string): Namespace => new Namespace(l, l.ns(role), dir);
    [dom, fail, why, cancel] = await Promise.all([byDomain(at('dom')), failover(at('fail')), everyReason(at('why')), cancelAfterFailover(at('cncl'))]);
  }, 90_000);

  afterAll(async () => {
    await lab?.destroy();
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  describe('(i) by domain', () => {
    it('names both upstreams with their domains at start', () => {
      expect(dom.stderr).toContain('-> udp 127.0.0.1:5070 (pbx-a.example), udp 127.0.0.1:5072 (pbx-b.example)');
    });

    it('each call reaches its domain\'s UAS: both calls succeed and each UAS got exactly one INVITE', () => {
      expect(dom.uacExit).toEqual([0, 0]);
      expect(dom.uasInvites).toEqual([1, 1]);
      expect(sample(dom.metrics, 'voipready_proxy_upstream_requests_total{upstream="127.0.0.1:5070"}')).toBe(1);
      expect(sample(dom.metrics, 'voipready_proxy_upstream_requests_total{upstream="127.0.0.1:5072"}')).toBe(1);
      expect(sample(dom.metrics, 'voipready_proxy_upstream_up{upstream="127.0.0.1:5070"}')).toBe(1);
      // what the analysis holds, on the Monitor health row for the proxy too
      expect(sample(dom.metrics, 'voipready_monitor_held_objects{kind="calls"}')).toBeGreaterThanOrEqual(0);
      const calls = dom.report.calls as any[];
      expect(calls).toHaveLength(2);
      for (const c of calls) expect(c.finalStatus).toBe(200);
    });

    it('the media of each call is relayed through the proxy and measured: what sipp played, toward each UAS\'s own port', () => {
      const truth = playedStreams();
      expect(truth.size).toBe(2);
      const played = [...truth.values()].reduce((n, t) => n + t.packets, 0);
      const streams = dom.report.streams as any[];
      for (const [media, uasMedia] of [[20000, 16000], [20100, 16100]] as const) {
        // the caller's side: from sipp's media port to the relay; each stream sipp played, as tshark counts it in the file
        const fromCaller = streams.filter((s) => s.srcPort === media);
        expect(fromCaller.map((s) => s.ssrc).sort()).toEqual([...truth.keys()].sort());
        for (const s of fromCaller) expect({ packets: s.packets, lost: s.lost }).toEqual(truth.get(s.ssrc));
        // the callee's side: the echo of that UAS, from its own media port
        const fromCallee = streams.filter((s) => s.srcPort === uasMedia);
        expect(fromCallee.length).toBeGreaterThan(0);
        expect(fromCallee.reduce((n, s) => n + s.packets, 0)).toBeGreaterThan(played * 0.95);
      }
      const p = dom.report.proxy;
      expect(p.media.forwarded).toBe(streams.reduce((n, s) => n + s.packets, 0));
      expect(p.upstreams.map((u: any) => [u.upstream, u.domain, u.requests])).toEqual([['127.0.0.1:5070', 'pbx-a.example', 1], ['127.0.0.1:5072', 'pbx-b.example', 1]]);
    });
  });

  describe('(ii) failover', () => {
    it('with A not running, the call succeeds through B, and the failover is counted in /metrics', () => {
      expect(fail.firstCall).toBe(0);
      const m = fail.afterFailover;
      expect(sample(m, 'voipready_proxy_upstream_failovers_total{upstream="127.0.0.1:5070",reason="timeout"}')).toBe(1);
      expect(sample(m, 'voipready_proxy_upstream_failovers_total{upstream="127.0.0.1:5072",reason="timeout"}')).toBe(0);
      expect(sample(m, 'voipready_proxy_upstream_requests_total{upstream="127.0.0.1:5070"}')).toBe(1);
      expect(sample(m, 'voipready_proxy_upstream_requests_total{upstream="127.0.0.1:5072"}')).toBe(1);
      expect(sample(m, 'voipready_proxy_upstream_up{upstream="127.0.0.1:5070"}')).toBe(0);
      expect(sample(m, 'voipready_proxy_upstream_up{upstream="127.0.0.1:5072"}')).toBe(1);
    });
  });

  describe('(ii) every failover reason in one call', () => {
    it('TCP connect refused, then 503 (ACKed by the proxy), then the third upstream takes the call', () => {
      expect(why.call).toBe(0);
      expect(why.busyExit).toBe(0);
      expect(why.takerInvites).toBe(1);
      const m = why.metrics;
      expect(sample(m, 'voipready_proxy_upstream_failovers_total{upstream="127.0.0.1:5074",reason="unreachable"}')).toBe(1);
      expect(sample(m, 'voipready_proxy_upstream_failovers_total{upstream="127.0.0.1:5070",reason="unavailable"}')).toBe(1);
      expect(sample(m, 'voipready_proxy_upstream_requests_total{upstream="127.0.0.1:5072"}')).toBe(1);
      expect(['127.0.0.1:5074', '127.0.0.1:5070', '127.0.0.1:5072'].map((u) => sample(m, `voipready_proxy_upstream_up{upstream="${u}"}`))).toEqual([0, 0, 1]);
      // the caller saw the call answered, never the 503
      const calls = why.report.calls as any[];
      expect(calls).toHaveLength(1);
      expect(calls[0].finalStatus).toBe(200);
      expect(why.report.proxy.upstreams.map((u: any) => u.transport)).toEqual(['tcp', 'udp', 'udp']);
    });
  });

  describe('CANCEL after a failover', () => {
    it('the CANCEL and the ACK of the 487 go to the upstream that rings (its scenario completes), the caller gets 200 and 487', () => {
      expect(cancel.uacExit).toBe(0);
      expect(cancel.ringingExit).toBe(0);
      expect(sample(cancel.metrics, 'voipready_proxy_upstream_failovers_total{upstream="127.0.0.1:5070",reason="timeout"}')).toBe(1);
      expect(sample(cancel.metrics, 'voipready_proxy_upstream_requests_total{upstream="127.0.0.1:5072"}')).toBe(1);
    });
  });

  describe('(iii) recovery', () => {
    it('once A answers the OPTIONS probes after its hold-down, the next call goes to A again', () => {
      expect(sample(fail.afterRecovery, 'voipready_proxy_upstream_up{upstream="127.0.0.1:5070"}')).toBe(1);
      expect(fail.secondCall).toBe(0);
      // by the UASs' own counts: the first call went to B (A was not there), the second to A
      expect(fail.uasBInvites).toBe(1);
      expect(fail.uasAInvites).toBe(1);
      expect(sample(fail.final, 'voipready_proxy_upstream_requests_total{upstream="127.0.0.1:5070"}')).toBe(2);
      expect(sample(fail.final, 'voipready_proxy_upstream_requests_total{upstream="127.0.0.1:5072"}')).toBe(1);
      const calls = fail.report.calls as any[];
      expect(calls).toHaveLength(2);
      for (const c of calls) expect(c.finalStatus).toBe(200);
      const a = fail.report.proxy.upstreams[0];
      expect(a).toMatchObject({ upstream: '127.0.0.1:5070', up: true, failovers: { timeout: 1, unreachable: 0, unavailable: 0 } });
      expect(a.probesAnswered).toBeGreaterThan(0);
      expect(a.probesAnswered).toBeLessThan(a.probesSent);
    });
  });
});

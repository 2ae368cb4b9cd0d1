/**
 * The proxy's figures for an impaired leg against the impairment's own truth. sipp places 2 G.711 calls
 * through `voipready proxy` to an echoing sipp UAS (test/helpers/proxy-lab.ts); on the caller's leg the
 * RTP passes a seeded userspace impairment relay (test/helpers/impair-relay.mjs; this kernel has no
 * netem), which records every packet it dropped and forwarded with its send time:
 *
 *   sipp uac --RTP to proxy:4000x--> nat OUTPUT DNAT (one rule per relay port) --> impair-relay :3000x
 *     --from 10.77.1.1:P (as in the SDP), delayed / dropped / reordered, EF (mangle)--> proxy a-leg --> sipp uas (echo, EF)
 *
 * Three runs at once, each in its own namespaces:
 * - mild: 30 ms +- 10 ms (uniform), 1 % loss: the verdict passes;
 * - lossy: the same delay, 8 % loss: the verdict fails on loss alone;
 * - harsh: 60 ms +- 50 ms (uniform: heavy reordering), 8 % loss, and the proxy's namespace re-marks what
 *   arrives on the caller's veth to DSCP 0 (PREROUTING): loss, jitter and DSCP fail, DSCP on the caller's
 *   leg only (the echo arrives EF on the other veth).
 * In both: the proxy's loss is within 1 percentage point and its mean jitter within 10 % of the figures
 * computed the RFC 3550 way (A.3, A.8) from the relay's record (test/helpers/impair-truth.ts).
 * Skipped with the reason when not root or sipp, iptables, ip or dist/ are absent.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { farSide, readRelayTruth, type FarSideFigures, type RelayStreamTruth } from '../helpers/impair-truth.js';
import { listNamespaces } from '../helpers/netns.js';
import {
  CALLEE, CALLER, createProxyLab, PROXY_A, RTP_MAX, RTP_MIN, sleep, startProxy, startUac, startUas, TIMELY, whyNotProxyLab, type ProxyLab,
} from '../helpers/proxy-lab.js';

const RELAY = join(ROOT, 'test', 'helpers', 'impair-relay.mjs');
const RELAY_BASE = 30000;
const CALLS = 2;
/**
 * Each stream's drops and delays come from its own PRNG (seed, port, SSRC), so a seed gives the same
 * impairment every run. Loss is drawn, not fixed: with another seed the mild run's 1 % may come out
 * above 2.4 % (80 % of the limit) on 236 packets, a warning (about 3 % of seeds).
 */
const SEED = Number(process.env.VOIPREADY_E2E_SEED ?? 16);

interface Impairment {
  name: 'mild' | 'lossy' | 'harsh';
  delayMs: number;
  jitterMs: number;
  lossPct: number;
  remark: boolean;
}
const MILD: Impairment = { name: 'mild', delayMs: 30, jitterMs: 10, lossPct: 1, remark: false };
const LOSSY: Impairment = { name: 'lossy', delayMs: 30, jitterMs: 10, lossPct: 8, remark: false };
const HARSH: Impairment = { name: 'harsh', delayMs: 60, jitterMs: 50, lossPct: 8, remark: true };

const skip = whyNotProxyLab();
if (skip !== null) process.stderr.write(`proxy-impair e2e skipped: ${skip}\n`);

interface ImpairRun {
  uacExit: number | null;
  report: any;
  truth: RelayStreamTruth[];
  /** per caller G.711 stream (by source port: sipp plays the same SSRC in every call): the RFC 3550 figures from the relay's record */
  expected: Map<number, FarSideFigures>;
  seconds: number;
}

async function runImpaired(l: ProxyLab, dir: string, imp: Impairment): Promise<ImpairRun> {
  const t0 = Date.now();
  for (let k = 0; k <= RTP_MAX - RTP_MIN; k++) {
    l.ipt(l.a, `-t nat -A OUTPUT -s 10.77.1.101 -d ${PROXY_A} -p udp --dport ${RTP_MIN + k} -j DNAT --to-destination ${CALLER}:${RELAY_BASE + k}`);
  }
  // a switch on the caller's path that re-marks voice to best effort: only what arrives on that veth
  if (imp.remark) l.ipt(l.p, `-t mangle -A PREROUTING -i ${l.proxyDevA} -p udp --dport ${RTP_MIN}:${RTP_MAX} -j DSCP --set-dscp 0`);
  const truthFile = join(dir, 'truth.json');
  const reportFile = join(dir, 'report.json');
  const relay = l.lab.spawn(l.a, [...TIMELY, process.execPath, RELAY, '--listen', `${CALLER}:${RELAY_BASE}-${RELAY_BASE + RTP_MAX - RTP_MIN}`,
    '--to', `${PROXY_A}:${RTP_MIN}`, '--out-ip', CALLER, '--pt', '8', '--seed', String(SEED), '--loss-pct', String(imp.lossPct),
    '--delay-ms', String(imp.delayMs), '--jitter-ms', String(imp.jitterMs), '--truth', truthFile, '--max-seconds', '55'], { name: 'relay' });
  await relay.waitFor(/"ready":true/, 10_000);
  const { proxy } = await startProxy(l, reportFile);
  const uas = await startUas(l, dir, CALLS, true);
  const uac = startUac(l, dir, CALLS, true);
  const uacExit = await uac.wait(45_000);
  await uas.wait(5_000);
  await sleep(imp.delayMs + 2 * imp.jitterMs + 300); // the last held packets, and their echoes
  await relay.stop('SIGTERM', 3_000);
  await proxy.stop('SIGINT', 10_000);
  if (uacExit !== 0) throw new Error(`${imp.name}: sipp uac exited ${uacExit}: ${uac.stdout.slice(-1500)}\nproxy: ${proxy.stderr.slice(-1500)}`);
  const truth = readRelayTruth(truthFile).truth;
  const expected = new Map(truth.filter((t) => t.payloadType === 8).map((t) => [t.srcPort, farSide(t.sent, 8000)]));
  return { uacExit, report: JSON.parse(readFileSync(reportFile, 'utf8')), truth, expected, seconds: (Date.now() - t0) / 1000 };
}

const fromCaller = (r: ImpairRun): any[] => (r.report.streams as any[]).filter((s) => s.src.startsWith(`${CALLER}:`));
const fromCallee = (r: ImpairRun): any[] => (r.report.streams as any[]).filter((s) => s.src.startsWith(`${CALLEE}:`));
const codes = (r: ImpairRun, streamIds: string[]): string[] =>
  [...new Set((r.report.findings as any[]).filter((f) => streamIds.includes(f.streamId)).map((f) => f.code as string))].sort();

describe.skipIf(skip !== null)(`an impaired caller leg through voipready proxy, against the impairment's truth${skip ? ` (skipped: ${skip})` : ''}`, () => {
  let dir = '';
  let keep = process.env.VOIPREADY_KEEP_CAPTURE === '1';
  const labs: ProxyLab[] = [];
  const runs = new Map<string, ImpairRun>();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vrimp-proxy-'));
    try {
      const both = await Promise.all([MILD, LOSSY, HARSH].map(async (imp) => {
        const sub = join(dir, imp.name);
        mkdirSync(sub);
        const l = createProxyLab(sub);
        labs.push(l);
        return [imp.name, await runImpaired(l, sub, imp)] as const;
      }));
      for (const [name, r] of both) runs.set(name, r);
    } catch (err) {
      keep = true;
      throw err;
    }
  }, 110_000);

  afterAll(async () => {
    for (const l of labs) {
      await l.lab.destroy();
      if (keep) l.lab.procs.forEach((p, i) => writeFileSync(join(dir, `${l.lab.suffix}-${i}-${p.name.replace(/\W+/g, '-')}.log`), `${p.stdout}\n--- stderr\n${p.stderr}`));
    }
    if (keep) process.stderr.write(`proxy-impair e2e: logs, truth and reports kept in ${dir}\n`);
    else if (dir !== '') rmSync(dir, { recursive: true, force: true });
    for (const l of labs) expect(listNamespaces().filter((n) => n.endsWith(l.lab.suffix))).toEqual([]);
  });

  for (const imp of [MILD, LOSSY, HARSH]) {
    describe(`${imp.name}: ${imp.delayMs} ms +- ${imp.jitterMs} ms, ${imp.lossPct} % loss${imp.remark ? ', DSCP re-marked to 0 on the caller leg' : ''}`, () => {
      it('both calls succeed through the proxy and every caller packet the relay received is accounted for', () => {
        const r = runs.get(imp.name)!;
        expect(r.uacExit).toBe(0);
        const calls = r.report.calls as any[];
        expect(calls).toHaveLength(CALLS);
        for (const c of calls) expect(c.finalStatus).toBe(200);
        const g711 = r.truth.filter((t) => t.payloadType === 8);
        expect(g711).toHaveLength(CALLS);
        for (const t of r.truth) {
          expect(t.truncated).toBe(false);
          expect(t.forwarded + t.droppedSeqs.length).toBe(t.received);
        }
        for (const t of g711) expect(t.droppedSeqs.length).toBeGreaterThan(0);
        // held packets reorder: with +- 50 ms at 20 ms spacing, many (with +- 10 ms only where sipp sent two packets close together)
        const reordered = [...r.expected.values()].reduce((n, e) => n + e.reordered, 0);
        if (imp.name === 'harsh') expect(reordered).toBeGreaterThan(20);
      });

      it('the caller leg\'s loss is within 1 point and its jitter within 10 % of the RFC 3550 truth from the relay\'s record', () => {
        const r = runs.get(imp.name)!;
        const streams = fromCaller(r).filter((s) => s.payloadType === 8);
        expect(streams).toHaveLength(CALLS);
        expect.assertions(1 + CALLS * 5);
        for (const s of streams) {
          const srcPort = Number(s.src.split(':')[1]);
          const e = r.expected.get(srcPort)!;
          const t = r.truth.find((x) => x.srcPort === srcPort && x.payloadType === 8)!;
          process.stderr.write(`proxy-impair ${imp.name} ${s.src} ${s.ssrc}: relay dropped ${t.droppedSeqs.length}/${t.received}, truth loss ${e.lossPercent.toFixed(2)} % ` +
            `jitter mean ${e.jitterMeanMs.toFixed(2)} ms max ${e.jitterMaxMs.toFixed(2)} ms (${e.reordered} reordered); proxy loss ${s.lossPercent} % ` +
            `jitter mean ${s.jitterMeanMs} ms max ${s.jitterMaxMs} ms, packets ${s.packets}\n`);
          expect(s.ssrc).toBe(t.ssrc);
          expect(s.packets).toBe(t.forwarded);
          expect(Math.abs(s.lossPercent - e.lossPercent)).toBeLessThanOrEqual(1);
          expect(Math.abs(s.jitterMeanMs - e.jitterMeanMs)).toBeLessThanOrEqual(0.1 * e.jitterMeanMs);
          expect(e.jitterMeanMs).toBeGreaterThan(imp.jitterMs / 3);
        }
      });

      it('the echo leg carries what reached the callee: each echo stream has the packets the relay got back, and the caller leg\'s loss', () => {
        const r = runs.get(imp.name)!;
        const a = fromCaller(r).filter((s) => s.payloadType === 8);
        expect.assertions(1 + CALLS * 3);
        expect(a).toHaveLength(CALLS);
        for (const s of a) {
          const t = r.truth.find((x) => x.srcPort === Number(s.src.split(':')[1]) && x.payloadType === 8)!;
          const echo = fromCallee(r).find((x) => x.callId === s.callId && x.payloadType === 8);
          expect(echo?.packets).toBe(s.packets);
          expect(t.echoes).toBe(echo?.packets);
          expect(echo?.lost).toBe(s.lost);
        }
      });

      if (imp.name === 'mild') {
        it('passes: loss, jitter and DSCP within the VoIP-Ready limits, no finding on any stream (only sipp\'s own codec mismatch warns)', () => {
          const r = runs.get(imp.name)!;
          const ids = (r.report.streams as any[]).map((s) => s.id as string);
          expect(codes(r, ids)).toEqual([]);
          const summary = new Map((r.report.summary as any[]).map((c) => [c.criterion, c.verdict]));
          expect(summary.get('loss')).toBe('pass');
          expect(summary.get('jitter')).toBe('pass');
          expect(summary.get('dscp')).toBe('pass');
          // sipp's uac_pcap offers PCMU (PT 0) and plays g711a.pcap (PT 8): CODEC_NOT_NEGOTIATED is true and
          // is the only thing above info; the network itself passes
          const above = (r.report.findings as any[]).filter((f) => f.severity !== 'info');
          expect([...new Set(above.map((f) => f.code))]).toEqual(['CODEC_NOT_NEGOTIATED']);
          expect(r.report.verdict).toBe('warn');
        });
      } else if (imp.name === 'lossy') {
        it('the same delay with loss above 3 % fails on loss alone: LOSS_HIGH on the caller streams, jitter and DSCP pass', () => {
          const r = runs.get(imp.name)!;
          const g711 = fromCaller(r).filter((s) => s.payloadType === 8);
          for (const s of g711) expect(s.lossPercent).toBeGreaterThan(3);
          const findings = (r.report.findings as any[]).filter((f) => g711.some((s) => s.id === f.streamId));
          expect(findings.filter((f) => f.code === 'LOSS_HIGH' && f.severity === 'fail')).toHaveLength(CALLS);
          expect(findings.filter((f) => f.code.startsWith('JITTER') || f.code.startsWith('DSCP'))).toEqual([]);
          const summary = new Map((r.report.summary as any[]).map((c) => [c.criterion, c.verdict]));
          expect(summary.get('loss')).toBe('fail');
          expect(summary.get('jitter')).toBe('pass');
          expect(summary.get('dscp')).toBe('pass');
          expect(r.report.verdict).toBe('fail');
        });
      } else {
        it('fails, naming loss and jitter for the impaired caller streams', () => {
          const r = runs.get(imp.name)!;
          const g711 = fromCaller(r).filter((s) => s.payloadType === 8);
          for (const s of g711) {
            expect(s.lossPercent).toBeGreaterThan(3);
            expect(s.jitterMeanMs).toBeGreaterThan(20);
          }
          const findings = (r.report.findings as any[]).filter((f) => g711.some((s) => s.id === f.streamId));
          expect(findings.filter((f) => f.code === 'LOSS_HIGH' && f.severity === 'fail')).toHaveLength(CALLS);
          expect(findings.filter((f) => f.code === 'JITTER_HIGH' && f.severity === 'fail')).toHaveLength(CALLS);
          const summary = new Map((r.report.summary as any[]).map((c) => [c.criterion, c.verdict]));
          expect(summary.get('loss')).toBe('fail');
          expect(summary.get('jitter')).toBe('fail');
          expect(r.report.verdict).toBe('fail');
        });

        it('the re-marked caller leg shows DSCP 0 and a DSCP finding on its streams only; the echo leg stays EF', () => {
          const r = runs.get(imp.name)!;
          const a = fromCaller(r);
          const b = fromCallee(r);
          expect(a).toHaveLength(CALLS * 2);
          expect(b).toHaveLength(CALLS * 2);
          for (const s of a) expect(s.dscp).toEqual({ 0: s.packets });
          for (const s of b) expect(s.dscp).toEqual({ 46: s.packets });
          // one finding per cause: a DTMF stream's DSCP finding is folded into its voice stream's
          const flagged = (r.report.findings as any[]).filter((f) => f.code === 'DSCP_RTP_NOT_EF').map((f) => f.streamId as string);
          expect([...new Set(flagged)].sort()).toEqual(a.filter((s) => s.payloadType === 8).map((s) => s.id as string).sort());
          expect(codes(r, b.map((s) => s.id as string))).not.toContain('DSCP_RTP_NOT_EF');
        });
      }
    });
  }

  it('stays within its time budget', () => {
    for (const [name, r] of runs) process.stderr.write(`proxy-impair e2e: ${name} run ${r.seconds.toFixed(1)} s, seed ${SEED}\n`);
    for (const r of runs.values()) expect(r.seconds).toBeLessThan(60);
  });
});

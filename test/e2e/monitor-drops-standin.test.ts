/**
 * `monitor --interface` with a stand-in tcpdump (VOIPREADY_TCPDUMP=test/helpers/fake-tcpdump.mjs: a
 * fixture on stdout, counts that grow on each SIGUSR1): no root needed. While the monitor runs, the
 * counts it asked for every 2 s are in /metrics and /healthz, and the fixture's streams are marked
 * CAPTURE_DROPPED_STREAM in /api/report; at the end CAPTURE_DROPPED has the stand-in's final totals and
 * the streams are analyse's of the same file. Needs a built dist/.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeJson, BIN, ROOT } from '../helpers/cli.js';
import { sampleValue } from '../helpers/monitor.js';

const skip = existsSync(join(ROOT, 'dist', 'cli', 'main.js')) ? null : 'dist/ not built (npm run build)';
const streamFields = (s: any) => ({ ssrc: s.ssrc, src: s.src, dst: s.dst, packets: s.packets, lost: s.lost });

describe.skipIf(skip !== null)(`monitor --interface with a stand-in tcpdump: drops counted while it runs${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('shows the growing counts in /metrics and /healthz, marks the streams, and totals them at the end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vr-monitor-drops-standin-'));
    const file = join(ROOT, 'fixtures', 'captures', 'clean-call.pcap');
    const p = spawn(process.execPath, [BIN, 'monitor', '-i', 'fake0', '--listen', '127.0.0.1:0', '--report', join(dir, 'r.json')], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, VOIPREADY_TCPDUMP: join(ROOT, 'test', 'helpers', 'fake-tcpdump.mjs'), FAKE_TCPDUMP_FILE: file },
    });
    let err = '';
    p.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    try {
      const until = Date.now() + 20_000;
      while (!/capturing on fake0 with tcpdump .*drops counted live/.test(err) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      const port = Number(/serving http:\/\/[^ ]*:(\d+)\//.exec(err)?.[1]);
      const get = async (path: string): Promise<string> => (await fetch(`http://127.0.0.1:${port}${path}`)).text();
      let metrics = '';
      // the stand-in adds 1 kernel drop per SIGUSR1: two counts within about 4 s
      while (Date.now() < until) {
        metrics = await get('/metrics');
        if (sampleValue(metrics, 'voipready_capture_dropped_packets_total', { interface: 'fake0', where: 'kernel' }) >= 2) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const health = JSON.parse(await get('/healthz'));
      const kernel = sampleValue(metrics, 'voipready_capture_dropped_packets_total', { interface: 'fake0', where: 'kernel' });
      expect(kernel).toBeGreaterThanOrEqual(2);
      expect(p.exitCode).toBeNull();
      expect(sampleValue(metrics, 'voipready_capture_received_packets_total', { interface: 'fake0' })).toBe(10 * kernel);
      expect(sampleValue(metrics, 'voipready_capture_dropped_packets_total', { interface: 'fake0', where: 'interface' })).toBe(2);
      expect(health.capture).toMatchObject({ interfaces: ['fake0'], tool: 'tcpdump', running: true });
      expect(health.capture.drops[0]).toMatchObject({ configured: 'fake0', ifDropped: 2 });
      expect(health.capture.drops[0].dropped).toBeGreaterThanOrEqual(kernel);
      expect(health.capture.dropped).toBe(health.capture.drops[0].dropped + 2);
      const live = JSON.parse(await get('/api/report'));
      const marked = live.findings.filter((f: any) => f.code === 'CAPTURE_DROPPED_STREAM').map((f: any) => f.streamId).sort();
      expect(marked).toEqual(live.streams.map((s: any) => s.id).sort());
      expect(marked.length).toBeGreaterThan(0);

      p.kill('SIGTERM');
      expect(await exited).toBe(0);
      const final = /fake0: (\d+) received, (\d+) dropped by the kernel, 2 by the interface/.exec(err);
      expect(final).not.toBeNull();
      const dropped = Number(final![2]);
      expect(Number(final![1])).toBe(10 * dropped);
      const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
      expect(report.findings.find((f: any) => f.code === 'CAPTURE_DROPPED')).toMatchObject({ severity: 'warn', measured: dropped + 2 });
      expect(report.findings.find((f: any) => f.code === 'CAPTURE_DROPPED').message).toContain(`; ${marked.length} streams were measured while it dropped (${marked.length} listed as CAPTURE_DROPPED_STREAM)`);
      // marked once each, never again as the counts grew
      expect(report.findings.filter((f: any) => f.code === 'CAPTURE_DROPPED_STREAM')).toHaveLength(marked.length);
      expect(report.streams.map(streamFields)).toEqual(analyzeJson(file).report.streams.map(streamFields));
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

describe.skipIf(skip !== null)(`monitor with two interfaces: one stand-in tcpdump each, drops counted live per interface${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('reads both pipes into one analysis and shows each interface\'s growing counts while it runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vr-monitor-drops-two-'));
    const files = { fake0: join(ROOT, 'fixtures', 'captures', 'clean-call.pcap'), fake1: join(ROOT, 'fixtures', 'captures', 'port-violation.pcap') };
    const p = spawn(process.execPath, [BIN, 'monitor', '-i', 'fake0', '-i', 'fake1', '--listen', '127.0.0.1:0', '--report', join(dir, 'r.json')], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, VOIPREADY_TCPDUMP: join(ROOT, 'test', 'helpers', 'fake-tcpdump.mjs'), FAKE_TCPDUMP_FILE_fake0: files.fake0, FAKE_TCPDUMP_FILE_fake1: files.fake1 },
    });
    let err = '';
    p.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    try {
      const until = Date.now() + 20_000;
      while (!/capturing on fake0, fake1 with tcpdump \(pid \d+, \d+\).*drops counted live/.test(err) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      const port = Number(/serving http:\/\/[^ ]*:(\d+)\//.exec(err)?.[1]);
      const get = async (path: string): Promise<string> => (await fetch(`http://127.0.0.1:${port}${path}`)).text();
      const kernel = (m: string, i: string): number => sampleValue(m, 'voipready_capture_dropped_packets_total', { interface: i, where: 'kernel' });
      let metrics = '';
      while (Date.now() < until) {
        metrics = await get('/metrics');
        if (kernel(metrics, 'fake0') >= 2 && kernel(metrics, 'fake1') >= 2) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(p.exitCode).toBeNull();
      for (const i of ['fake0', 'fake1']) {
        expect(kernel(metrics, i), i).toBeGreaterThanOrEqual(2);
        expect(sampleValue(metrics, 'voipready_capture_received_packets_total', { interface: i })).toBe(10 * kernel(metrics, i));
      }
      const health = JSON.parse(await get('/healthz'));
      expect(health.capture).toMatchObject({ interfaces: ['fake0', 'fake1'], tool: 'tcpdump', running: true });
      expect(health.capture.drops.map((d: any) => d.configured)).toEqual(['fake0', 'fake1']);
      expect(health.capture.dropped).toBe(health.capture.drops.reduce((n: number, d: any) => n + d.dropped + d.ifDropped, 0));

      p.kill('SIGTERM');
      expect(await exited).toBe(0);
      for (const i of ['fake0', 'fake1']) expect(err).toMatch(new RegExp(`${i}: \\d+ received, \\d+ dropped by the kernel, 2 by the interface`));
      const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
      // both captures in one analysis: the streams of each, as analyze measures them alone
      const key = (s: any): string => `${s.ssrc} ${s.src} ${s.dst}`;
      const expected = [...analyzeJson(files.fake0).report.streams, ...analyzeJson(files.fake1).report.streams].map(streamFields).sort((a, b) => key(a).localeCompare(key(b)));
      expect(report.streams.map(streamFields).sort((a: any, b: any) => key(a).localeCompare(key(b)))).toEqual(expected);
      expect(report.findings.find((f: any) => f.code === 'CAPTURE_DROPPED').message).toMatch(/fake0/);
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

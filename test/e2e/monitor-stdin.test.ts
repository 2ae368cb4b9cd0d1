/**
 * `monitor -`: a pcap/pcapng stream on stdin (`tcpdump -U -w - | voipready monitor -`, or over ssh) is a
 * live source: the wall clock runs, /metrics is served, and the end of the stream ends the run with the
 * report. For a fixture piped in, the calls and streams equal `analyze` of the file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeJson, BIN, ROOT } from '../helpers/cli.js';

const skip = existsSync(join(ROOT, 'dist', 'cli', 'main.js')) ? null : 'dist/ not built (npm run build)';
const pick = (r: any) => ({
  calls: r.calls.map((c: any) => [c.callId, c.state, c.sipSrc, c.startTime, c.messages, c.setupMs]),
  streams: r.streams.map((s: any) => [s.ssrc, s.src, s.dst, s.packets, s.lost, s.startTime, Number(s.jitterMaxMs.toFixed(6))]),
  verdict: r.verdict,
});

describe.skipIf(skip !== null)(`monitor - (live pcap on stdin)${skip ? ` (skipped: ${skip})` : ''}`, () => {
  for (const f of ['sample-call.pcapng', 'clean-call.pcap', 'sip-tcp-vlan.pcap']) {
    it(`${f}: ends with the stream and equals analyze`, () => {
      const file = join(ROOT, 'fixtures', 'captures', f);
      const r = spawnSync(process.execPath, [BIN, 'monitor', '-', '--listen', '127.0.0.1:0', '--json'], {
        cwd: ROOT, input: readFileSync(file), encoding: 'utf8', timeout: 60_000, env: { ...process.env, NO_COLOR: '1' },
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/end of stdin: stopping/);
      expect(pick(JSON.parse(r.stdout))).toEqual(pick(analyzeJson(file).report));
    });
  }
  it('refuses a file argument (that is analyze or replay) and no source at all', () => {
    const file = spawnSync(process.execPath, [BIN, 'monitor', 'x.pcap'], { cwd: ROOT, encoding: 'utf8' });
    expect(file.status).toBe(3);
    expect(file.stderr).toMatch(/live sources only/);
    const none = spawnSync(process.execPath, [BIN, 'monitor'], { cwd: ROOT, encoding: 'utf8' });
    expect(none.status).toBe(3);
    expect(none.stderr).toMatch(/needs a live source/);
  });
});

describe.skipIf(skip !== null)(`monitor --interface with a stand-in dumpcap that drops${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('counts the drops, says so in the report (CAPTURE_DROPPED) and still analyses what came', async () => {
    const { spawn } = await import('node:child_process');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'vr-monitor-drops-'));
    const file = join(ROOT, 'fixtures', 'captures', 'clean-call.pcap');
    const p = spawn(process.execPath, [BIN, 'monitor', '-i', 'fake0', '--filter', 'udp', '--listen', '127.0.0.1:0', '--report', join(dir, 'r.json')], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, VOIPREADY_DUMPCAP: join(ROOT, 'test', 'helpers', 'fake-dumpcap.mjs'), FAKE_DUMPCAP_FILE: file, FAKE_DUMPCAP_DROPS: '7' },
    });
    let err = '';
    p.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((r) => p.once('exit', (c) => r(c)));
    try {
      const until = Date.now() + 20_000;
      while (!/capturing on fake0/.test(err) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
      const port = Number(/serving http:\/\/[^ ]*:(\d+)\//.exec(err)?.[1]);
      await new Promise((r) => setTimeout(r, 1500));
      const health = await (await fetch(`http://127.0.0.1:${port}/healthz`)).json();
      expect(health).toMatchObject({ status: 'ok', capture: { interfaces: ['fake0'], running: true, drops: null } });
      p.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(err).toMatch(/fake0: 107 received, 7 dropped by the kernel, 1 by the interface/);
      const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
      expect(report.findings.find((f: any) => f.code === 'CAPTURE_DROPPED')).toMatchObject({ severity: 'warn', measured: 8 });
      expect(pick(report).streams).toEqual(pick(analyzeJson(file).report).streams);
    } finally {
      if (p.exitCode === null) p.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

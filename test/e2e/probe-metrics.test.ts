/**
 * The STAMP probe's one-way delays also land in voipready_rtp_one_way_delay_seconds{method="stamp"},
 * next to the RTCP and two-point methods: a reflector and a sender on loopback, the sender serving
 * /metrics (port 0), scraped while it runs. Loopback: both ends share one clock, so the clocks are
 * synchronised and every reflected packet is a sample in each direction.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';

const owned: ChildProcess[] = [];
afterEach(() => {
  for (const p of owned.splice(0)) if (p.exitCode === null) p.kill('SIGKILL');
});

function start(args: string[]): { proc: ChildProcess; err: () => string; out: () => string; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  owned.push(proc);
  let err = '';
  let out = '';
  proc.stderr!.on('data', (b: Buffer) => (err += b.toString()));
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  return { proc, err: () => err, out: () => out, exited };
}

async function waitFor(what: () => RegExpExecArray | null, ms: number, why: () => string): Promise<RegExpExecArray> {
  const until = Date.now() + ms;
  for (;;) {
    const m = what();
    if (m !== null) return m;
    if (Date.now() > until) throw new Error(`timed out: ${why()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('probe send --serve', () => {
  it('observes each reflected packet in voipready_rtp_one_way_delay_seconds{method="stamp"}, both directions', async () => {
    const reflector = start(['probe', 'reflect', '--listen', '127.0.0.1:0']);
    const port = Number((await waitFor(() => /STAMP reflector on [^\s]*:(\d+)/.exec(reflector.err()), 10_000, reflector.err))[1]);
    const dir = mkdtempSync(join(tmpdir(), 'vr-probe-html-'));
    const html = join(dir, 'probe.html');
    const sender = start(['probe', 'send', '--to', `127.0.0.1:${port}`, '--duration', '3s', '--json', '--html', html, '--serve', '--http-listen', '127.0.0.1:0']);
    const http = Number((await waitFor(() => /serving http:\/\/[^ ]*:(\d+)\/metrics/.exec(sender.err()), 10_000, sender.err))[1]);
    await new Promise((r) => setTimeout(r, 2000));
    const text = await (await fetch(`http://127.0.0.1:${http}/metrics`)).text();
    expect(await sender.exited).toBe(0);
    reflector.proc.kill('SIGTERM');
    const report = JSON.parse(sender.out());
    const counts = [...text.matchAll(/^voipready_rtp_one_way_delay_seconds_count\{([^}]*)\} (\S+)$/gm)].filter((m) => m[1]!.includes('method="stamp"'));
    // one series per direction: forward is outbound, backward inbound
    expect(counts.length).toBe(2);
    expect(counts.map((m) => /direction="(\w+)"/.exec(m[1]!)![1]).sort()).toEqual(['inbound', 'outbound']);
    for (const m of counts) {
      expect(m[1]).toContain('codec="PCMU"');
      const n = Number(m[2]);
      // about 100 packets in the first 2 s of a 50 packet/s stream
      expect(n).toBeGreaterThan(50);
      expect(n).toBeLessThanOrEqual(report.probe.packetsSent);
    }
    // loopback: every sample at or below 50 ms (the one-way limit; a busy machine can delay a few by some ms)
    const fast = [...text.matchAll(/^voipready_rtp_one_way_delay_seconds_bucket\{([^}]*)\} (\S+)$/gm)].filter((m) => m[1]!.includes('method="stamp"') && m[1]!.includes('le="0.05"'));
    expect(fast.map((m) => Number(m[2]))).toEqual(counts.map((m) => Number(m[2])));
    // the HTML report has the probe's table: both directions, the packets sent, the DSCP each way
    const page = readFileSync(html, 'utf8');
    rmSync(dir, { recursive: true, force: true });
    expect(page).toContain('<table id="probe-table">');
    expect(page).toMatch(/forward \(sender → reflector\)/);
    expect(page).toMatch(/backward \(reflector → sender\)/);
    expect(page).toContain(`${String(report.probe.packetsSent).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f')} sent`);
    const p50 = report.probe.forward.oneWayMs.p50.toFixed(3);
    expect(page).toContain(`<td>${p50}</td>`);
  }, 30_000);
});

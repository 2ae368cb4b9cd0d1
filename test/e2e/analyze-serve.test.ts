/**
 * `analyze --serve`: after the report, /metrics and /api/streams serve the same capture, with the
 * same numbers as `--json` of a separate run (the counters equal the sums of the JSON fields).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeJson, BIN, ROOT } from '../helpers/cli.js';
import { freePort } from '../helpers/prometheus.js';


async function fetchWhenUp(url: string, deadlineMs: number): Promise<string> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    try {
      const r = await fetch(url);
      if (r.ok) return await r.text();
    } catch {
      /* not listening yet */
    }
    if (Date.now() > end) throw new Error(`${url} did not answer`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function sample(text: string, name: string): number {
  return text.split('\n').filter((l) => l.startsWith(`${name}{`)).reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe('analyze --serve', () => {
  it('serves /metrics and /api/streams for the analysed capture, equal to --json', async () => {
    const capture = join(ROOT, 'fixtures', 'captures', 'sample-call.pcapng');
    const port = await freePort();
    const child = spawn(process.execPath, [BIN, 'analyze', capture, '--serve', '--listen', `127.0.0.1:${port}`, '--linger', '20', '--no-color'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const metrics = await fetchWhenUp(`http://127.0.0.1:${port}/metrics`, 15_000);
      const api = JSON.parse(await fetchWhenUp(`http://127.0.0.1:${port}/api/streams`, 5_000));
      const { report } = analyzeJson(capture);
      expect(stdout).toMatch(/VERDICT: FAIL/);
      const sum = (f: string) => report.streams.reduce((n: number, s: any) => n + s[f], 0);
      expect(sample(metrics, 'voipready_rtp_packets_received_total')).toBe(sum('packets'));
      expect(sample(metrics, 'voipready_rtp_packets_expected_total')).toBe(sum('expected'));
      expect(sample(metrics, 'voipready_rtp_packets_lost_total')).toBe(sum('lost'));
      expect(sample(metrics, 'voipready_sip_calls_started_total')).toBe(report.calls.length);
      const strip = (s: any) => ({ id: s.id, ssrc: s.ssrc, packets: s.packets, lost: s.lost, jitterMaxMs: s.jitterMaxMs, dscp: s.dscp });
      expect(api.map(strip)).toEqual(report.streams.map(strip));
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(1); // the verdict's exit code, after a clean shutdown on SIGTERM
  });
});

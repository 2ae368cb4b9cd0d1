/**
 * --link-speed: peak and mean utilisation per 1 s window, checked against frame lengths and times
 * read by tshark (the independent decoder); skipped when tshark is not installed.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeJson, ROOT } from '../helpers/cli.js';

function hasTshark(): boolean {
  try {
    execFileSync('tshark', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasTshark())('link utilisation (tshark as reference; skipped without tshark)', () => {
  it('peak and mean per 1 s window equal the frame bytes tshark reads, and 40 % is the limit', () => {
    const capture = join(ROOT, 'fixtures', 'captures', 'sample-call.pcapng');
    const out = execFileSync('tshark', ['-n', '-r', capture, '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'frame.len'], { encoding: 'utf8' });
    const perSecond = new Map<number, number>();
    for (const line of out.trim().split('\n')) {
      const [t, len] = line.split('\t');
      const sec = Math.floor(Number(t));
      perSecond.set(sec, (perSecond.get(sec) ?? 0) + Number(len));
    }
    const secs = [...perSecond.keys()];
    const windows = Math.max(...secs) - Math.min(...secs) + 1;
    const peakBytes = Math.max(...perSecond.values());
    const total = [...perSecond.values()].reduce((a, b) => a + b, 0);
    const speed = 500_000; // a 500 kbit/s link, so two G.711 calls are a real load
    const { report } = analyzeJson(capture, ['--link-speed', '500k']);
    expect(report.link.linkSpeedBitsPerSecond).toBe(speed);
    expect(report.link.peakPercent).toBeCloseTo((peakBytes * 8 * 100) / speed, 6);
    expect(report.link.meanPercent).toBeCloseTo((total * 8 * 100) / speed / windows, 6);
    const expected = report.link.peakPercent > 40 ? 'fail' : report.link.peakPercent > 32 ? 'warn' : 'pass';
    expect(report.link.verdict).toBe(expected);
    expect(report.summary.find((s: { criterion: string }) => s.criterion === 'linkUtilisation').verdict).toBe(expected);
  });
});

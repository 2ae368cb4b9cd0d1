/**
 * The live terminal summary: what one screen shows for the calls up (state, duration, per direction
 * loss, jitter, DSCP, MOS, verdict), never a negative loss, calls beyond the terminal's rows summed
 * up; and the screen is drawn only on a TTY.
 */
import { describe, expect, it } from 'vitest';
import type { LiveCall, LiveStream, LiveView } from '../../../src/pipeline/events.js';
import { renderLiveSummary } from '../../../src/outputs/live-summary.js';
import { startLiveScreen } from '../../../src/cli/live-screen.js';

const NOW = Date.parse('2026-12-03T08:00:00Z');

function stream(over: Partial<LiveStream>): LiveStream {
  return {
    id: 's', ssrc: 1, src: '192.0.2.10:4000', dst: '198.51.100.1:40000', codec: 'PCMA', callId: 'c1', packets: 1000, expected: 1000, lost: 0,
    jitterMs: 1.25, jitterMaxMs: 2, maxDeltaMs: 21, lastSeenEpochMs: NOW, dscpMismatchPackets: 0, portOutOfRange: false, verdict: 'pass', mos: 4.41, ...over,
  };
}

function view(calls: LiveCall[], streams: LiveStream[]): LiveView {
  return {
    profile: 'generic', thresholds: {} as never, streams: () => streams, calls: () => calls, activeStreams: () => streams, activeCalls: () => calls,
    streamVerdicts: () => ({ pass: 3, warn: 1, fail: 0 }), nowEpochMs: () => NOW, report: () => ({}) as never,
  };
}

const call = (id: string, startAgoMs: number): LiveCall => ({ callId: id, state: 'answered', finalStatus: 200, setupMs: 80, startEpochMs: NOW - startAgoMs, endEpochMs: null });

describe('renderLiveSummary', () => {
  it('one line per direction of each call up, with the figures an engineer looks at', () => {
    const lines = renderLiveSummary(view([call('c1', 62_000), call('c2', 5_000)], [
      stream({}),
      stream({ id: 't', src: '203.0.113.5:6000', dst: '198.51.100.1:40002', lost: 21, expected: 1000, packets: 979, jitterMs: 3.04, dscpMismatchPackets: 979, mos: 4.1, verdict: 'warn' }),
    ]), { title: 'voipready proxy', startedMs: NOW - 3_725_000, rows: 40 });
    expect(lines[0]).toMatch(/^voipready proxy \| 08:00:00 UTC \| up 1:02:05 \| 2 call\(s\) active \| streams so far: 3 pass, 1 warn, 0 fail$/);
    expect(lines[1]).toMatch(/^CALL\s+STATE\s+DUR\s+DIRECTION\s+CODEC\s+LOSS\s+JITTER\s+DSCP\s+MOS\s+VERDICT$/);
    expect(lines[2]).toMatch(/^c1\s+answered\s+01:02\s+192\.0\.2\.10:4000 -> 198\.51\.100\.1:40000\s+PCMA\s+0\.0%\s+1\.3ms\s+ok\s+4\.4\s+pass$/);
    expect(lines[3]).toMatch(/^\s+203\.0\.113\.5:6000 -> 198\.51\.100\.1:40002\s+PCMA\s+2\.1%\s+3\.0ms\s+979 off\s+4\.1\s+warn$/);
    expect(lines[4]).toMatch(/^c2\s+answered\s+00:05\s+\(no media yet\)$/);
  });

  it('duplicates (lost < 0) show 0.0 % loss, never a negative figure', () => {
    const lines = renderLiveSummary(view([call('c1', 1000)], [stream({ lost: -12, packets: 1012 })]), { title: 't', startedMs: NOW, rows: 40 });
    expect(lines[2]).toContain(' 0.0% ');
    expect(lines.join('\n')).not.toMatch(/-\d/);
  });

  it('calls beyond the terminal\'s rows are summed up in one line', () => {
    const calls = Array.from({ length: 30 }, (_, i) => call(`call-${i}`, 1000 * (30 - i)));
    const lines = renderLiveSummary(view(calls, []), { title: 't', startedMs: NOW, rows: 12 });
    expect(lines.length).toBeLessThanOrEqual(12);
    expect(lines.at(-1)).toMatch(/^\.\.\. and 22 more call\(s\)/);
  });
});

describe('startLiveScreen', () => {
  it('redraws in place on a TTY, writes nothing otherwise', async () => {
    const tty: string[] = [];
    const pipe: string[] = [];
    const v = view([call('c1', 1000)], [stream({})]);
    const a = startLiveScreen(() => v, 'voipready proxy', { isTTY: true, rows: 20, columns: 200, write: (s) => tty.push(s) }, 10);
    const b = startLiveScreen(() => v, 'voipready proxy', { isTTY: false, write: (s) => pipe.push(s) }, 10);
    await new Promise((r) => setTimeout(r, 60));
    a.stop();
    b.stop();
    expect(tty.length).toBeGreaterThanOrEqual(2);
    expect(tty[0]!.startsWith('\x1b[H\x1b[J')).toBe(true);
    expect(tty[0]).toContain('192.0.2.10:4000 -> 198.51.100.1:40000');
    expect(pipe).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../src/pipeline/build-report.js';
import { renderText } from '../../../src/outputs/text-report.js';
import { loadSettings } from '../../../src/config/load-settings.js';
import { call, stream } from '../../helpers/report-builders.js';

const input = { file: 'x.pcap', format: 'pcap' as const, packets: 1000, bytes: 1e5, durationSeconds: 10, startTime: null, endTime: null, linkTypes: ['Ethernet'], decodeErrors: 0, error: null };

function report(streams = [stream(), stream({ id: 's2', src: '10.0.0.2:20000', dst: '10.0.0.1:10000', lossPercent: 5, lost: 25, packets: 475 })]) {
  return buildReport({ settings: loadSettings(), input, streams, calls: [call()], link: null, findings: [] });
}

describe('text report', () => {
  it('puts the verdict, the reason and what to do first, then limits, findings, calls and streams', () => {
    const text = renderText(report(), { color: false });
    const lines = text.split('\n');
    expect(lines[2]).toMatch(/^VERDICT: FAIL {2}packet loss 5\.00 % \(25 of 500\) on stream s2/);
    expect(lines[3]).toMatch(/^What it means: /);
    expect(lines[4]).toMatch(/^What to do: .*frame\.number == 10/);
    const order = ['VoIP-Ready limits', 'Findings', 'Calls (1)', 'RTP streams (2)'].map((h) => lines.findIndex((l) => l.startsWith(h)));
    expect(order.every((i, k) => i > 0 && (k === 0 || i > order[k - 1]!))).toBe(true);
    expect(text).toMatch(/Packet loss\s+<= 3 %\s+5\.00 % \(s2\)\s+FAIL/);
    expect(text).not.toMatch(/\x1b\[/);
  });

  it('colours only when asked, and a passing capture has no advice line', () => {
    expect(renderText(report(), { color: true })).toMatch(/\x1b\[1;31mVERDICT: FAIL/);
    const pass = renderText(report([stream(), stream({ id: 's2', src: '10.0.0.2:20000', dst: '10.0.0.1:10000' })]), { color: false });
    expect(pass).toMatch(/VERDICT: PASS/);
    expect(pass).not.toMatch(/What to do/);
  });

  it('cuts long stream lists and says where the rest is', () => {
    const many = Array.from({ length: 60 }, (_, i) => stream({ id: `s${i + 1}`, ssrc: `0x${(i + 1).toString(16).padStart(8, '0')}` }));
    const text = renderText(report(many), { color: false, maxStreams: 10 });
    expect(text).toContain('... 50 more (see --json)');
  });
});

/**
 * The report of the last hours of a long run (`/api/report?hours=N`): only the streams with a packet
 * in the window, their findings, graded on their own; what ended before is counted, not listed.
 */
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/load-settings.js';
import { createMetrics } from '../../../src/outputs/prometheus/metrics.js';
import { buildServer } from '../../../src/outputs/server/server.js';
import { Analyzer } from '../../../src/pipeline/analyzer.js';

const T0 = 1_780_000_000;

function rtp(seq: number, ssrc: number): Buffer {
  const b = Buffer.alloc(172);
  b[0] = 0x80;
  b[1] = 8;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(seq * 160, 4);
  b.writeUInt32BE(ssrc, 8);
  return b;
}

/** 200 packets from startSec, one of ten lost when lossy */
function stream(a: Analyzer, startSec: number, port: number, ssrc: number, lossy: boolean): void {
  for (let seq = 1; seq <= 200; seq++) {
    if (lossy && seq % 10 === 5) continue;
    const ms = seq * 20;
    a.pushDatagram({ src: '192.0.2.10', srcPort: port, dst: '198.51.100.1', dstPort: 40000, transport: 'udp', tsSec: startSec + Math.floor(ms / 1000),
      tsNsec: (ms % 1000) * 1e6, dscp: 46, payload: rtp(seq, ssrc), source: 'test' });
  }
}

function run(): Analyzer {
  const a = new Analyzer({ file: 'live', settings: loadSettings() });
  stream(a, T0, 4000, 0x1111, true); // three hours ago, 10 % loss: it failed
  stream(a, T0 + 3 * 3600, 4002, 0x2222, false); // just now, clean
  return a;
}

describe('report of the last hours', () => {
  it('lists only what had a packet in the window, grades it on its own, counts the rest', () => {
    const a = run();
    const whole = a.view.report();
    expect(whole.streams).toHaveLength(2);
    expect(whole.verdict).toBe('fail');
    const now = a.view.nowEpochMs();
    const last = a.view.reportSince!(now - 3600_000);
    expect(last.streams.map((s) => s.ssrc)).toEqual(['0x00002222']);
    expect(last.verdict).toBe('pass');
    expect(last.findings.filter((f) => f.streamId === whole.streams.find((s) => s.ssrc === '0x00001111')!.id)).toEqual([]);
    expect(last.window).toEqual({ from: new Date(now - 3600_000).toISOString(), to: new Date(now).toISOString(), streamsBefore: 1, callsBefore: 0 });
    // four hours back covers both again
    expect(a.view.reportSince!(now - 4 * 3600_000).streams).toHaveLength(2);
  });

  it('/api/report?hours=N serves it; a bad N is a 400', async () => {
    const a = run();
    const m = createMetrics({ settings: loadSettings() });
    const app = buildServer({ registry: m.registry, view: () => a.view });
    const one = (await app.inject({ url: '/api/report?hours=1' })).json();
    expect(one.streams).toHaveLength(1);
    expect(one.window.streamsBefore).toBe(1);
    expect((await app.inject({ url: '/api/streams?hours=1' })).json()).toHaveLength(1);
    expect((await app.inject({ url: '/api/report' })).json().streams).toHaveLength(2);
    const bad = await app.inject({ url: '/api/report?hours=-2' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error).toMatch(/hours must be a positive number/);
    await app.close();
  });
});

/**
 * Analyzer.reconfigure (SIGHUP in monitor and proxy): new thresholds apply to every verdict from then
 * on, the streams and their counts go on where they were, and a new DSCP rule counts from the next
 * packet on.
 */
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/load-settings.js';
import { Analyzer } from '../../../src/pipeline/analyzer.js';

const T0 = 1_780_000_000;

function rtp(seq: number): Buffer {
  const b = Buffer.alloc(172);
  b[0] = 0x80;
  b[1] = 8;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(seq * 160, 4);
  b.writeUInt32BE(0xabcdef01, 8);
  return b;
}

/** packets seq from..to-1 every 20 ms, every 10th lost (10 % loss), DSCP as given */
function feed(a: Analyzer, from: number, to: number, dscp: number): void {
  for (let seq = from; seq < to; seq++) {
    if (seq % 10 === 5) continue;
    const ms = seq * 20;
    a.pushDatagram({ src: '192.0.2.10', srcPort: 4000, dst: '198.51.100.1', dstPort: 40000, transport: 'udp', tsSec: T0 + Math.floor(ms / 1000),
      tsNsec: (ms % 1000) * 1e6, dscp, payload: rtp(seq), source: 'test' });
  }
}

describe('Analyzer.reconfigure', () => {
  it('grades against the new limits from then on, keeping the streams and their counts', () => {
    const settings = loadSettings();
    const a = new Analyzer({ file: 'live', settings });
    feed(a, 1, 201, 46);
    const before = a.view.report();
    expect(before.streams).toHaveLength(1);
    expect(before.streams[0]!.lossPercent).toBeCloseTo(10, 0);
    expect(before.streams[0]!.verdict).toBe('fail');
    const next = loadSettings();
    next.thresholds.lossPercent = 20;
    next.profile = 'reloaded';
    a.reconfigure(next);
    const after = a.view.report();
    expect(after.streams[0]!.packets).toBe(before.streams[0]!.packets);
    // 10 % is within the new 20 % limit: no longer a failure (the E-model MOS of 10 % loss still warns)
    expect(after.streams[0]!.verdict).toBe('warn');
    expect(after.thresholds.lossPercent).toBe(20);
    expect(a.view.profile).toBe('reloaded');
    feed(a, 201, 401, 46);
    const later = a.finish('live');
    expect(later.streams).toHaveLength(1);
    expect(later.streams[0]!.packets).toBe(360);
    expect(later.streams[0]!.verdict).toBe('warn');
  });

  it('a new DSCP rule counts from the next packet on', () => {
    const a = new Analyzer({ file: 'live', settings: loadSettings() });
    feed(a, 1, 101, 0);
    const off = (): number => [...a.view.streams()][0]!.dscpMismatchPackets;
    expect(off()).toBe(90);
    const next = loadSettings();
    next.thresholds.rtpDscp = [0, 46];
    a.reconfigure(next);
    feed(a, 101, 201, 0);
    expect(off()).toBe(90);
  });
});

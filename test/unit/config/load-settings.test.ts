import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VoipreadyError } from '../../../src/errors.js';
import { loadSettings } from '../../../src/config/load-settings.js';
import { parseLinkSpeed } from '../../../src/config/sections/analysis.js';

const dir = mkdtempSync(join(tmpdir(), 'vr-settings-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('loadSettings', () => {
  it('defaults to the VoIP-Ready limits', () => {
    const s = loadSettings();
    expect(s.profile).toBe('default');
    expect(s.thresholds).toMatchObject({ oneWayDelayMs: 50, totalDelayMs: 150, lossPercent: 3, jitterMs: 20, linkUtilisationPercent: 40, rtpDscp: [46], sipDscp: [24, 26], rtpPorts: null });
  });

  it('profiles carry the vendor port plans', () => {
    expect(loadSettings({ profile: 'starface' }).thresholds.rtpPorts).toEqual({ min: 10000, max: 20000 });
    expect(loadSettings({ profile: 'xphone' }).thresholds.rtpPorts).toEqual({ min: 30000, max: 33000 });
    expect(loadSettings({ profile: 'xphone' }).thresholds.stunPorts).toEqual([3478, 3479]);
  });

  it('a YAML config overrides thresholds and ranges; the command line overrides the config', () => {
    const p = file('a.yaml', 'profile: starface\nthresholds:\n  jitterMs: 30\n  rtpPorts: { min: 16000, max: 16999 }\nsite: hq\nexternalLabels:\n  instance: pbx1\nlinkSpeed: 10M\n');
    const s = loadSettings({ config: p });
    expect(s.profile).toBe('starface');
    expect(s.thresholds.jitterMs).toBe(30);
    expect(s.thresholds.lossPercent).toBe(3);
    expect(s.thresholds.rtpPorts).toEqual({ min: 16000, max: 16999 });
    expect(s.externalLabels).toEqual({ site: 'hq', instance: 'pbx1' });
    expect(s.linkSpeedBps).toBe(10e6);
    expect(loadSettings({ config: p, profile: 'xphone', linkSpeed: '1G' })).toMatchObject({ profile: 'xphone', linkSpeedBps: 1e9 });
  });

  it('a JSON config works too', () => {
    const p = file('b.json', JSON.stringify({ thresholds: { lossPercent: 1 } }));
    expect(loadSettings({ config: p }).thresholds.lossPercent).toBe(1);
  });

  it.each([
    ['unknown threshold', 'thresholds:\n  jiterMs: 3\n', /unknown key "thresholds\.jiterMs" \(did you mean "jitterMs"\?\)/],
    ['unknown top-level key', 'profile: starface\nthreshold:\n  jitterMs: 3\n', /unknown key "threshold" \(did you mean "thresholds"\?\)/],
    ['unknown key without a near one', 'frobnicate: 1\n', /unknown key "frobnicate"; known: profile, thresholds/],
    ['unknown retention key', 'retention:\n  streamIdle: 3\n', /unknown key "retention\.streamIdle"; known in retention: streamIdleSeconds/],
    ['unknown quality key', 'quality:\n  jitterBuffer: 3\n', /unknown key "quality\.jitterBuffer" \(did you mean "jitterBufferMs"\?\)/],
    ['unknown remoteWrite key', 'remoteWrite:\n  - { url: "http://x/api/v1/write", timeout: 5 }\n', /unknown key "remoteWrite\[0\]\.timeout"/],
    ['unknown peer key', 'peers:\n  - { name: a, networks: [10.0.0.0/8], net: 1 }\n', /unknown key "peers\[0\]\.net"/],
    ['unknown profile in the file', 'profile: starfase\n', /profile: unknown profile "starfase" \(known: .*starface/],
    ['a time that is not a duration', 'retention:\n  streamIdleSeconds: soon\n', /retention\.streamIdleSeconds: "soon" is not a duration/],
    ['a zero push interval', 'pushIntervalSeconds: 0s\n', /pushIntervalSeconds: "0s" must be above zero/],
    ['negative number', 'thresholds:\n  jitterMs: -1\n', /jitterMs must be a number/],
    ['bad range', 'thresholds:\n  rtpPorts: { min: 20000, max: 10000 }\n', /rtpPorts/],
    ['bad yaml', 'thresholds: [\n', /not valid YAML/],
    ['not a mapping', '- a\n- b\n', /mapping/],
    ['bad label', 'externalLabels:\n  "bad-name": x\n', /not a valid Prometheus label name/],
  ])('rejects a config with %s, naming the file', (_name, text, re) => {
    const p = file(`bad-${Math.random()}.yaml`, text);
    let err: unknown;
    try { loadSettings({ config: p }); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(VoipreadyError);
    expect((err as VoipreadyError).code).toBe('E_CONFIG');
    expect((err as Error).message).toMatch(re);
    expect((err as Error).message).toContain(p);
  });

  it('times in a config file take durations; plain numbers keep their key\'s unit', () => {
    const p = file('d.yaml', [
      'staleSeconds: 500ms', 'pushIntervalSeconds: 1m', 'retention: { streamIdleSeconds: 2m, callGraceSeconds: 90, callIdleSeconds: 1h30m }',
      'quality: { jitterBufferMs: 0.04s, assumedNetworkDelayMs: 20 }', 'remoteWrite: [{ url: "http://x/api/v1/write", timeoutMs: 5s }]', '',
    ].join('\n'));
    const s = loadSettings({ config: p });
    expect(s.staleSeconds).toBe(0.5);
    expect(s.pushIntervalSeconds).toBe(60);
    expect(s.retention).toMatchObject({ streamIdleSeconds: 120, callGraceSeconds: 90, callIdleSeconds: 5400 });
    expect(s.quality).toEqual({ jitterBufferMs: 40, assumedNetworkDelayMs: 20 });
    expect(s.remoteWrite[0]?.timeoutMs).toBe(5000);
    const t = loadSettings({ config: file('t.yaml', 'thresholds: { jitterMs: 30ms, oneWayDelayMs: 0.1s, totalDelayMs: 150 }\n') }).thresholds;
    expect([t.jitterMs, t.oneWayDelayMs, t.totalDelayMs]).toEqual([30, 100, 150]);
  });

  it('a missing config file is E_CONFIG, an unknown profile is a usage error', () => {
    expect(() => loadSettings({ config: join(dir, 'nope.yaml') })).toThrow(/cannot read config/);
    expect(() => loadSettings({ profile: 'asterisk' })).toThrow(/unknown profile "asterisk"/);
  });

  it('parses link speeds', () => {
    expect(parseLinkSpeed('100M')).toBe(100e6);
    expect(parseLinkSpeed('2.5g')).toBe(2.5e9);
    expect(parseLinkSpeed('10Mbit/s')).toBe(10e6);
    expect(parseLinkSpeed('64000')).toBe(64000);
    expect(() => parseLinkSpeed('fast')).toThrow(/not a speed/);
    expect(() => parseLinkSpeed('0')).toThrow(/above zero/);
  });
});

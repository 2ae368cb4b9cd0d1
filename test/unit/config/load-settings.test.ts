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
    ['unknown threshold', 'thresholds:\n  jiter: 3\n', /unknown threshold "jiter"/],
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

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { layerCommandLine, loadSettings } from '../../../src/config/load-settings.js';
import { loadSection, type ConfigSection } from '../../../src/config/section.js';
import { composeSettings, SECTIONS } from '../../../src/config/settings.js';
import { addSharedOptions, OPTION_GROUPS, type OptionGroup } from '../../../src/config/options/index.js';
import { waitForShutdown } from '../../../src/config/shutdown.js';

describe('config sections', () => {
  it('no two sections read the same config-file key', () => {
    const keys = SECTIONS.flatMap((s) => [...s.keys]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('a section sees only its own keys', () => {
    let seen: Record<string, unknown> = {};
    const probe: ConfigSection<{ n: number }> = {
      name: 'probe',
      keys: ['probeTargets', 'probeInterval'],
      load(values) {
        seen = values;
        return { n: Object.keys(values).length };
      },
    };
    expect(loadSection(probe, { probeTargets: ['a'], linkSpeed: '1G', site: 'hq' }, undefined)).toEqual({ n: 1 });
    expect(seen).toEqual({ probeTargets: ['a'] });
  });

  it('Settings is every section\'s part side by side, none overwriting another', () => {
    const parts = SECTIONS.map((s) => Object.keys(loadSection<object>(s, {}, undefined)));
    const all = parts.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(Object.keys(composeSettings({}, undefined)).sort()).toEqual([...all].sort());
    expect(all).toEqual(expect.arrayContaining(['profile', 'thresholds', 'linkSpeedBps', 'staleSeconds']));
    expect(all).toEqual(expect.arrayContaining(['externalLabels', 'site', 'peers', 'remoteWrite', 'pushIntervalSeconds', 'stateDir']));
  });

  it('composes the sections from one mapping of the file\'s keys', () => {
    const s = composeSettings({ profile: 'xphone', site: 'branch', pushIntervalSeconds: 30, staleSeconds: 5 }, undefined);
    expect(s).toMatchObject({ profile: 'xphone', site: 'branch', externalLabels: { site: 'branch' }, pushIntervalSeconds: 30, staleSeconds: 5, stateDir: null });
    expect(s.thresholds.rtpPorts).toEqual({ min: 30000, max: 33000 });
  });
});

describe('precedence: command line > config file > profile', () => {
  it('lays only the given command-line values over the file, leaving the file\'s object alone', () => {
    const file = { profile: 'starface', linkSpeed: '10M', site: 'hq' };
    expect(layerCommandLine(file, { profile: 'xphone' })).toEqual({ profile: 'xphone', linkSpeed: '10M', site: 'hq' });
    expect(layerCommandLine(file, { linkSpeed: '1G', config: 'x.yaml' })).toEqual({ profile: 'starface', linkSpeed: '1G', site: 'hq' });
    expect(layerCommandLine(file, {})).toEqual(file);
    expect(file).toEqual({ profile: 'starface', linkSpeed: '10M', site: 'hq' });
  });

  it('the file\'s thresholds win over the profile named on the command line, key by key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vr-config-'));
    const p = join(dir, 'c.json');
    writeFileSync(p, JSON.stringify({ profile: 'default', linkSpeed: '10M', thresholds: { jitterMs: 25 } }));
    const s = loadSettings({ config: p, profile: 'starface' });
    expect(s.profile).toBe('starface');
    expect(s.thresholds.jitterMs).toBe(25); // file over profile
    expect(s.thresholds.rtpPorts).toEqual({ min: 10000, max: 20000 }); // the profile's, not overridden
    expect(s.linkSpeedBps).toBe(10e6); // file, no command-line value
    expect(loadSettings({ config: p, linkSpeed: '1G' }).linkSpeedBps).toBe(1e9); // command line over file
  });
});

describe('shared command-line options', () => {
  const longs = (cmd: Command): string[] => cmd.options.map((o) => o.long ?? '');

  it('adds the groups in the order given, so --help lists them that way', () => {
    const a = longs(addSharedOptions(new Command('a'), 'serve', 'settings'));
    expect(a).toEqual(['--listen', '--bearer-token-file', '--basic-auth-file', '--local-net', '--profile', '--config', '--link-speed']);
    const b = longs(addSharedOptions(new Command('b'), 'settings', 'serve'));
    expect(b.slice(0, 3)).toEqual(['--profile', '--config', '--link-speed']);
  });

  it('no flag belongs to two groups', () => {
    const all = (Object.keys(OPTION_GROUPS) as OptionGroup[]).flatMap((g) => longs(addSharedOptions(new Command(g), g)));
    expect(all).toEqual(expect.arrayContaining(['--profile', '--listen', '--remote-write', '--push-interval', '--state-dir']));
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('waitForShutdown', () => {
  it('resolves with the reason and removes its signal handlers', async () => {
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const stop = new AbortController();
    const waiting = waitForShutdown(null, stop.signal);
    expect(process.listenerCount('SIGINT')).toBe((before[0] ?? 0) + 1);
    stop.abort();
    expect(await waiting).toBe('aborted');
    expect(await waitForShutdown(0)).toBe('linger');
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(before);
  });

  it('resolves on SIGTERM', async () => {
    const waiting = waitForShutdown(null);
    process.emit('SIGTERM', 'SIGTERM');
    expect(await waiting).toBe('SIGTERM');
  });
});

import { describe, expect, it } from 'vitest';
import { parseDuration, parseSize, recordConfigFrom } from '../../../../src/config/options/record.js';
import { seriesMembers, targetOf, toDelete, utcStamp } from '../../../../src/outputs/record/rotation.js';

describe('--record options', () => {
  it('sizes: decimal and binary units', () => {
    expect(parseSize('100MB')).toBe(100e6);
    expect(parseSize('64MiB')).toBe(64 * 2 ** 20);
    expect(parseSize('500kB')).toBe(500e3);
    expect(parseSize('1.5GB')).toBe(1.5e9);
    expect(parseSize('4096B')).toBe(4096);
    for (const bad of ['100', 'MB', '10 parsecs', '-1MB', '1h']) expect(parseSize(bad), bad).toBeNull();
  });

  it('durations the Prometheus way', () => {
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1w')).toBe(7 * 86_400_000);
    for (const bad of ['1', 'h', '1.5h', '0s', '1H', '100MB']) expect(parseDuration(bad), bad).toBeNull();
  });

  it('recordConfigFrom: size and age together, keep, and the usage errors', () => {
    expect(recordConfigFrom({})).toBeNull();
    expect(recordConfigFrom({ record: '/var/rec', recordRotate: ['100MB', '1h'], recordKeep: '24' })).toEqual({ path: '/var/rec', maxBytes: 100e6, maxAgeMs: 3_600_000, keep: 24 });
    expect(() => recordConfigFrom({ recordKeep: '3' })).toThrow(/need --record/);
    expect(() => recordConfigFrom({ record: 'x', recordRotate: ['soon'] })).toThrow(/must be a size .* or a duration/);
    expect(() => recordConfigFrom({ record: 'x', recordRotate: ['1kB'] })).toThrow(/below the 4 kB minimum/);
    expect(() => recordConfigFrom({ record: 'x', recordKeep: '0' })).toThrow(/--record-keep "0"/);
  });
});

describe('rotation names', () => {
  it('a directory, a rotating file and a fixed file', () => {
    expect(targetOf('/rec', true, false)).toEqual({ file: null, dir: '/rec', stem: 'voipready', ext: '.pcapng' });
    expect(targetOf('/rec/', false, false).file).toBeNull();
    expect(targetOf('/rec/pilot.pcapng', false, true)).toEqual({ file: null, dir: '/rec', stem: 'pilot', ext: '.pcapng' });
    expect(targetOf('/rec/pilot.pcapng', false, false).file).toBe('/rec/pilot.pcapng');
    expect(utcStamp(Date.UTC(2026, 11, 3, 8, 15, 0, 123))).toBe('20261203T081500.123Z');
  });

  it('the series, oldest first (same-millisecond files by their counter), and what to delete for keep N', () => {
    const t = targetOf('/rec', true, false);
    const names = ['voipready-20261203T081500.123Z-10.pcapng', 'other.pcapng', 'voipready-20261203T081500.123Z.pcapng', 'voipready-20261203T081500.123Z-9.pcapng',
      'voipready-20261203T071500.000Z.pcapng', 'voipready-20261203T081500.123Z.pcapng.tmp', 'pilot-20261203T081500.123Z.pcapng'];
    const members = seriesMembers(t, names);
    expect(members).toEqual(['voipready-20261203T071500.000Z.pcapng', 'voipready-20261203T081500.123Z.pcapng', 'voipready-20261203T081500.123Z-9.pcapng', 'voipready-20261203T081500.123Z-10.pcapng']);
    expect(toDelete(members, 2)).toEqual(members.slice(0, 2));
    expect(toDelete(members, 4)).toEqual([]);
    expect(toDelete(members, null)).toEqual([]);
  });
});

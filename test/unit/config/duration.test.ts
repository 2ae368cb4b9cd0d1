/**
 * One duration parser for every time option and config value (issue 15: `--push-interval 2s` was
 * refused). Prometheus is the reference: promtool reads the same text in a config, and its rule
 * "scrape_timeout <= scrape_interval" tells whether two durations are equal (each <= the other).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { durationOption, durationValue, formatDuration, parseDurationMs } from '../../../src/config/duration.js';
import { VoipreadyError } from '../../../src/errors.js';

describe('parseDurationMs', () => {
  it.each([
    ['500ms', 500], ['15s', 15_000], ['1m', 60_000], ['1h30m', 5_400_000], ['2d', 172_800_000],
    ['1w', 604_800_000], ['1y', 31_536_000_000], ['1h0m5s250ms', 3_605_250], ['0s', 0], ['0', 0],
    ['1.5s', 1500], ['.5h', 1_800_000], [' 90s ', 90_000],
  ])('%s = %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });

  it('a plain number is in the option\'s unit: seconds by default, ms where the option says so', () => {
    expect(parseDurationMs('15')).toBe(15_000);
    expect(parseDurationMs('2.5')).toBe(2500);
    expect(parseDurationMs('3000', 'ms')).toBe(3000);
    expect(parseDurationMs('3s', 'ms')).toBe(3000);
  });

  it.each(['', 'soon', '-1s', '1m1h', '1h 30m', '5 s', '1.5h30m', 's', 'ms', '1x', '1e3', 'Infinity', 'NaN'])('"%s" is not a duration', (text) => {
    expect(parseDurationMs(text)).toBeNull();
  });

  it('formatDuration writes what it reads back', () => {
    for (const ms of [0, 1, 999, 1000, 61_500, 5_400_000, 90_061_001]) expect(parseDurationMs(formatDuration(ms))).toBe(ms);
    expect(formatDuration(5_400_000)).toBe('1h30m');
  });
});

describe('durationOption and durationValue', () => {
  it('name the option and say what is wanted', () => {
    expect(() => durationOption('2x', '--push-interval')).toThrow(new VoipreadyError('E_USAGE', '--push-interval "2x" is not a duration (a number of seconds, or e.g. 500ms, 15s, 1m, 1h30m, 2d)'));
    expect(() => durationOption('0', '--push-interval')).toThrow(/"0" must be above zero/);
    expect(durationOption('0', '--linger', { zero: true })).toBe(0);
    expect(() => durationOption('2h', '--lifetime', { maxMs: 3_600_000 })).toThrow(/--lifetime "2h" is above the limit of 1h/);
    expect(() => durationOption('x', '--timeout', { plain: 'ms' })).toThrow(/a number of milliseconds/);
  });

  it('config values: numbers in the key\'s unit, strings as durations', () => {
    expect(durationValue(90, 's')).toEqual({ ms: 90_000 });
    expect(durationValue('2m', 's')).toEqual({ ms: 120_000 });
    expect(durationValue(20, 'ms')).toEqual({ ms: 20 });
    expect(durationValue(-1, 's')).toHaveProperty('error');
    expect(durationValue(true, 's')).toHaveProperty('error');
  });
});

const PROMTOOL = '/usr/bin/promtool';
describe.skipIf(!existsSync(PROMTOOL))('against Prometheus (promtool check config)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vrct-dur-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  /** does Prometheus accept scrape_timeout `timeout` under scrape_interval `interval`? */
  const accepts = (interval: string, timeout: string): boolean => {
    const file = join(dir, `p${++n}.yml`);
    writeFileSync(file, `global:\n  scrape_interval: ${interval}\n  scrape_timeout: ${timeout}\n`);
    try {
      execFileSync(PROMTOOL, ['check', 'config', file], { stdio: 'pipe' });
      return true;
    } catch {
      return false;
    }
  };

  it.each(['500ms', '15s', '1m', '1h30m', '2d', '1w', '1h0m5s250ms', '3d12h'])('%s means to Prometheus what it means to us', (text) => {
    const ms = parseDurationMs(text)!;
    const asMs = `${ms}ms`;
    expect(accepts(asMs, text)).toBe(true); // text <= ours
    expect(accepts(text, asMs)).toBe(true); // ours <= text
    expect(accepts(`${ms - 1}ms`, text)).toBe(false); // and not less
  });

  it('the compound forms we refuse Prometheus refuses too', () => {
    for (const bad of ['1m1h', '1h 30m', 'soon']) {
      expect(parseDurationMs(bad)).toBeNull();
      expect(accepts('1y', bad)).toBe(false);
    }
  });
});

/**
 * The analysis part of Settings: which profile (thresholds and port plans, from verdict/profiles),
 * the file's threshold overrides, the link speed and when a stream counts as gone.
 * Precedence: command line (laid over the file's keys) > config file > profile > VoIP-Ready defaults.
 */
import { VoipreadyError } from '../../errors.js';
import type { Thresholds } from '../../model/report.js';
import { PROFILES, profileNames } from '../../verdict/profiles/index.js';
import type { ConfigSection } from '../section.js';
import { bad, duration, str, unknownKeys, type ConfigObject } from '../values.js';

export interface AnalysisSettings {
  /** 'default' | 'starface' | 'xphone' | a config file's own name */
  profile: string;
  thresholds: Thresholds;
  /** for link utilisation, bits per second; null when not given */
  linkSpeedBps: number | null;
  /** a stream without packets for this long (capture time) is no longer active */
  staleSeconds: number;
}

export const analysisSection: ConfigSection<AnalysisSettings> = {
  name: 'analysis',
  keys: ['profile', 'thresholds', 'linkSpeed', 'staleSeconds'],
  load(values, file) {
    const profileName = str(values, 'profile', file) ?? 'default';
    const profile = PROFILES[profileName];
    if (profile === undefined) {
      // --profile is checked by commander against the same list, so an unknown name here came from the file
      const known = `(known: ${profileNames().join(', ')})`;
      if (file !== undefined) bad(file, `profile: unknown profile "${profileName}" ${known}`);
      throw new VoipreadyError('E_USAGE', `unknown profile "${profileName}" ${known}`);
    }
    const thresholds = mergeThresholds(profile.thresholds, values.thresholds, file);
    const linkSpeedText = str(values, 'linkSpeed', file);
    return {
      profile: profileName,
      thresholds,
      linkSpeedBps: linkSpeedText === undefined ? null : parseLinkSpeed(linkSpeedText),
      staleSeconds: duration(values, 'staleSeconds', file, 's') ?? 10,
    };
  },
};

/** "100M", "1G", "2.5g", "100000000", "10Mbit" -> bits per second */
export function parseLinkSpeed(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(?:bit|bps|b)?(?:\/s)?\s*$/i.exec(text);
  if (m === null || m[1] === undefined) {
    throw new VoipreadyError('E_USAGE', `--link-speed "${text}" is not a speed (examples: 100M, 1G, 2.5G)`);
  }
  const factor = { '': 1, k: 1e3, m: 1e6, g: 1e9 }[(m[2] ?? '').toLowerCase()] ?? 1;
  const bps = Number(m[1]) * factor;
  if (!(bps > 0)) throw new VoipreadyError('E_USAGE', `--link-speed "${text}" must be above zero`);
  return bps;
}

const THRESHOLD_KEYS: Array<keyof Thresholds> = [
  'oneWayDelayMs', 'totalDelayMs', 'lossPercent', 'jitterMs', 'warnFraction', 'linkUtilisationPercent',
  'rtpDscp', 'sipDscp', 'rtpPorts', 'sipPorts', 'stunPorts',
];

/** the profile's thresholds with the file's `thresholds:` laid over them, key by key */
function mergeThresholds(base: Thresholds, raw: unknown, file: string | undefined): Thresholds {
  if (raw === undefined) return { ...base };
  if (typeof raw !== 'object' || raw === null) bad(file, 'thresholds must be a mapping');
  const out: Thresholds = { ...base };
  for (const [key, value] of Object.entries(raw as ConfigObject)) {
    if (!THRESHOLD_KEYS.includes(key as keyof Thresholds)) unknownKeys({ [key]: value }, THRESHOLD_KEYS, 'thresholds', file);
    (out as unknown as ConfigObject)[key] = checkThreshold(key as keyof Thresholds, value, file);
  }
  return out;
}

function checkThreshold(key: keyof Thresholds, value: unknown, file: string | undefined): unknown {
  if (key === 'rtpPorts') {
    if (value === null) return null;
    const v = value as ConfigObject;
    const ok = typeof v === 'object' && isPort(v.min) && isPort(v.max) && (v.min as number) <= (v.max as number);
    if (!ok) bad(file, 'thresholds.rtpPorts must be { min, max } with 1 <= min <= max <= 65535, or null');
    return { min: v.min, max: v.max };
  }
  if (key === 'rtpDscp' || key === 'sipDscp' || key === 'sipPorts' || key === 'stunPorts') {
    const max = key.endsWith('Dscp') ? 63 : 65535;
    if (!Array.isArray(value) || !value.every((n) => Number.isInteger(n) && n >= 0 && n <= max)) {
      bad(file, `thresholds.${key} must be a list of integers 0..${max}`);
    }
    return value;
  }
  if (key.endsWith('Ms') && typeof value === 'string') {
    // the delay and jitter limits are times: "50ms" or "0.15s" read as their ms
    return duration({ [key]: value }, key, file, 'ms', `thresholds.${key}`, { zero: true });
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) bad(file, `thresholds.${key} must be a number >= 0`);
  return value;
}

function isPort(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
}

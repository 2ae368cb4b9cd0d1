/**
 * Builds Settings from a profile, an optional config file (YAML or JSON) and command-line values.
 * Precedence: command line > config file > profile > VoIP-Ready defaults.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { VoipreadyError } from '../errors.js';
import type { Thresholds } from '../model/report.js';
import { PROFILES, profileNames } from './profiles/index.js';
import type { PeerGroup, RemoteWriteTarget, Settings } from './settings.js';

export interface SettingsOptions {
  profile?: string;
  config?: string;
  linkSpeed?: string;
}

export function loadSettings(opts: SettingsOptions = {}): Settings {
  const file = opts.config !== undefined ? readConfig(opts.config) : {};
  const profileName = opts.profile ?? str(file, 'profile', opts.config) ?? 'default';
  const profile = PROFILES[profileName];
  if (profile === undefined) {
    throw new VoipreadyError('E_USAGE', `unknown profile "${profileName}" (known: ${profileNames().join(', ')})`);
  }
  const thresholds = mergeThresholds(profile.thresholds, file.thresholds, opts.config);
  const linkSpeedText = opts.linkSpeed ?? str(file, 'linkSpeed', opts.config);
  const site = str(file, 'site', opts.config) ?? 'default';
  const labels = record(file.externalLabels, 'externalLabels', opts.config);
  return {
    profile: profileName,
    thresholds,
    linkSpeedBps: linkSpeedText === undefined ? null : parseLinkSpeed(linkSpeedText),
    staleSeconds: num(file, 'staleSeconds', opts.config) ?? 10,
    externalLabels: { site, ...labels },
    site,
    peers: peers(file.peers, opts.config),
    remoteWrite: remoteWrite(file.remoteWrite, opts.config),
    pushIntervalSeconds: num(file, 'pushIntervalSeconds', opts.config) ?? 15,
    stateDir: str(file, 'stateDir', opts.config) ?? null,
  };
}

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

type Obj = Record<string, unknown>;

/** yaml is loaded only when a YAML config is read: most runs have none, and it costs ~40 ms to load */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as { parse(text: string): unknown };
  return yaml.parse(text);
}

function readConfig(path: string): Obj {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new VoipreadyError('E_CONFIG', `cannot read config: ${(err as Error).message}`, { file: path });
  }
  let value: unknown;
  try {
    value = path.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new VoipreadyError('E_CONFIG', `not valid ${path.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`, { file: path });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new VoipreadyError('E_CONFIG', 'the config must be a mapping of settings', { file: path });
  }
  return value as Obj;
}

const THRESHOLD_KEYS: Array<keyof Thresholds> = [
  'oneWayDelayMs', 'totalDelayMs', 'lossPercent', 'jitterMs', 'warnFraction', 'linkUtilisationPercent',
  'rtpDscp', 'sipDscp', 'rtpPorts', 'sipPorts', 'stunPorts',
];

function mergeThresholds(base: Thresholds, raw: unknown, file: string | undefined): Thresholds {
  if (raw === undefined) return { ...base };
  if (typeof raw !== 'object' || raw === null) bad(file, 'thresholds must be a mapping');
  const out: Thresholds = { ...base };
  for (const [key, value] of Object.entries(raw as Obj)) {
    if (!THRESHOLD_KEYS.includes(key as keyof Thresholds)) bad(file, `unknown threshold "${key}" (known: ${THRESHOLD_KEYS.join(', ')})`);
    (out as unknown as Obj)[key] = checkThreshold(key as keyof Thresholds, value, file);
  }
  return out;
}

function checkThreshold(key: keyof Thresholds, value: unknown, file: string | undefined): unknown {
  if (key === 'rtpPorts') {
    if (value === null) return null;
    const v = value as Obj;
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
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) bad(file, `thresholds.${key} must be a number >= 0`);
  return value;
}

function isPort(v: unknown): boolean {
  return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535;
}

function str(o: Obj, key: string, file: string | undefined): string | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') bad(file, `${key} must be a string`);
  return String(v);
}

function num(o: Obj, key: string, file: string | undefined): number | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v > 0)) bad(file, `${key} must be a number above zero`);
  return v;
}

function record(v: unknown, key: string, file: string | undefined): Record<string, string> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(file, `${key} must be a mapping of label names to values`);
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v as Obj)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k)) bad(file, `${key}: "${k}" is not a valid Prometheus label name`);
    out[k] = String(val);
  }
  return out;
}

function peers(v: unknown, file: string | undefined): PeerGroup[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) bad(file, 'peers must be a list of { name, networks }');
  return v.map((p: Obj) => {
    if (typeof p?.name !== 'string' || !Array.isArray(p.networks)) bad(file, 'each peer needs a name and a list of networks');
    return { name: p.name as string, networks: (p.networks as unknown[]).map(String) };
  });
}

function remoteWrite(v: unknown, file: string | undefined): RemoteWriteTarget[] {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((t: unknown) => {
    const o = (typeof t === 'string' ? { url: t } : t) as Obj;
    if (typeof o?.url !== 'string') bad(file, 'each remoteWrite target needs a url');
    return o as unknown as RemoteWriteTarget;
  });
}

function bad(file: string | undefined, message: string): never {
  throw new VoipreadyError('E_CONFIG', message, file === undefined ? {} : { file });
}

/**
 * The outputs' part of Settings: the labels every metric carries (site, external labels, peer
 * groups) and where and how often metrics are pushed (remote_write targets, push interval, the
 * state directory of the disk queue). Read from the config file only; the --remote-write,
 * --push-interval and --state-dir flags are laid over it by options/remote-write.ts.
 */
import type { ConfigSection } from '../section.js';
import { bad, duration, labelRecord, str, unknownKeys, type ConfigObject } from '../values.js';

export interface RemoteWriteTarget {
  url: string;
  /** basic auth */
  username?: string;
  password?: string;
  passwordFile?: string;
  /** bearer token, or where to read it (never logged) */
  bearerToken?: string;
  bearerTokenFile?: string;
  bearerTokenEnv?: string;
  caFile?: string;
  insecureSkipVerify?: boolean;
  proxyUrl?: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export interface PeerGroup {
  /** label value for `peer` (bounded: configured names only; anything else is "other") */
  name: string;
  /** CIDRs or addresses, e.g. ["10.1.0.0/16", "192.0.2.7"] */
  networks: string[];
}

export interface LabelSettings {
  /** external labels for pushed series, e.g. { site: "hq", instance: "pbx1" } */
  externalLabels: Record<string, string>;
  site: string;
  peers: PeerGroup[];
}

export interface RemoteWriteSettings {
  remoteWrite: RemoteWriteTarget[];
  pushIntervalSeconds: number;
  stateDir: string | null;
}

export type OutputSettings = LabelSettings & RemoteWriteSettings;

export const outputsSection: ConfigSection<OutputSettings> = {
  name: 'outputs',
  keys: ['site', 'externalLabels', 'peers', 'remoteWrite', 'pushIntervalSeconds', 'stateDir'],
  load(values, file) {
    const site = str(values, 'site', file) ?? 'default';
    const labels = labelRecord(values.externalLabels, 'externalLabels', file);
    return {
      externalLabels: { site, ...labels },
      site,
      peers: peers(values.peers, file),
      remoteWrite: remoteWrite(values.remoteWrite, file),
      pushIntervalSeconds: duration(values, 'pushIntervalSeconds', file, 's') ?? 15,
      stateDir: str(values, 'stateDir', file) ?? null,
    };
  },
};

const TARGET_KEYS: Array<keyof RemoteWriteTarget> = [
  'url', 'username', 'password', 'passwordFile', 'bearerToken', 'bearerTokenFile', 'bearerTokenEnv',
  'caFile', 'insecureSkipVerify', 'proxyUrl', 'timeoutMs', 'headers',
];

function peers(v: unknown, file: string | undefined): PeerGroup[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) bad(file, 'peers must be a list of { name, networks }');
  return v.map((p: ConfigObject, i) => {
    if (typeof p?.name !== 'string' || !Array.isArray(p.networks)) bad(file, 'each peer needs a name and a list of networks');
    unknownKeys(p, ['name', 'networks'], `peers[${i}]`, file);
    return { name: p.name as string, networks: (p.networks as unknown[]).map(String) };
  });
}

function remoteWrite(v: unknown, file: string | undefined): RemoteWriteTarget[] {
  if (v === undefined) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((t: unknown, i) => {
    const o = (typeof t === 'string' ? { url: t } : t) as ConfigObject;
    if (typeof o?.url !== 'string') bad(file, 'each remoteWrite target needs a url');
    const path = Array.isArray(v) ? `remoteWrite[${i}]` : 'remoteWrite';
    unknownKeys(o, TARGET_KEYS, path, file);
    const timeoutMs = duration(o, 'timeoutMs', file, 'ms', `${path}.timeoutMs`);
    return (timeoutMs === undefined ? o : { ...o, timeoutMs }) as unknown as RemoteWriteTarget;
  });
}

/**
 * Everything a run is configured with: the profile's thresholds and port plans, overrides from a
 * config file (YAML or JSON) and the command line, and the outlets' settings (labels, push targets).
 * Loaded once at the edge (src/cli) and passed down; nothing below reads files or the environment.
 */
import type { Thresholds } from '../model/report.js';

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

export interface Settings {
  /** 'default' | 'starface' | 'xphone' | a config file's own name */
  profile: string;
  thresholds: Thresholds;
  /** for link utilisation, bits per second; null when not given */
  linkSpeedBps: number | null;
  /** a stream without packets for this long (capture time) is no longer active */
  staleSeconds: number;
  /** external labels for pushed series, e.g. { site: "hq", instance: "pbx1" } */
  externalLabels: Record<string, string>;
  site: string;
  peers: PeerGroup[];
  remoteWrite: RemoteWriteTarget[];
  pushIntervalSeconds: number;
  stateDir: string | null;
}

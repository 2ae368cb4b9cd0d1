/**
 * Command-line options for remote_write, shared by every command that produces metrics (serve,
 * replay, later the live sources). Targets from the config file come first; each --remote-write
 * URL adds one, with the --remote-write-* credentials and TLS options applied to the URLs given
 * on the command line (config targets carry their own).
 */
import { Option, type Command } from 'commander';
import { VoipreadyError } from '../../errors.js';
import { durationOption } from '../duration.js';
import type { RemoteWriteSettings, RemoteWriteTarget } from '../settings.js';

export interface RemoteWriteCliOptions {
  remoteWrite?: string[];
  pushInterval?: string;
  stateDir?: string;
  remoteWriteUser?: string;
  remoteWritePasswordFile?: string;
  remoteWriteBearerTokenFile?: string;
  remoteWriteBearerTokenEnv?: string;
  remoteWriteCaFile?: string;
  remoteWriteInsecure?: boolean;
  remoteWriteProxy?: string;
  remoteWriteTimeout?: string;
}

export interface PushSettings {
  targets: RemoteWriteTarget[];
  pushIntervalSeconds: number;
  stateDir: string | null;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function addRemoteWriteOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--remote-write <url>', 'push metrics with Prometheus remote_write 1.0 to this URL (repeatable)').argParser(collect))
    .option('--push-interval <duration>', 'time between pushes: seconds, or 500ms, 15s, 1m (default: config pushIntervalSeconds, else 15)')
    .option('--state-dir <dir>', 'keep unsent samples on disk here, so a restart loses nothing')
    .option('--remote-write-user <name>', 'basic auth user for --remote-write URLs')
    .option('--remote-write-password-file <file>', 'basic auth password, read from this file')
    .option('--remote-write-bearer-token-file <file>', 'bearer token, read from this file (re-read on each push)')
    .option('--remote-write-bearer-token-env <var>', 'bearer token, read from this environment variable')
    .option('--remote-write-ca-file <file>', 'PEM CA bundle to verify the receiver\'s certificate')
    .option('--remote-write-insecure', 'do not verify the receiver\'s TLS certificate (testing only)')
    .option('--remote-write-proxy <url>', 'HTTP(S) proxy for remote_write')
    .option('--remote-write-timeout <duration>', 'timeout of one push request: seconds, or 10s, 1m (default 30)');
}

/** config targets followed by the command line's, duplicates (same URL) removed */
export function remoteWriteFromOptions(opts: RemoteWriteCliOptions, settings: RemoteWriteSettings): RemoteWriteTarget[] {
  const shared = sharedTargetOptions(opts);
  const cli = (opts.remoteWrite ?? []).map((url): RemoteWriteTarget => ({ url: checkUrl(url), ...shared }));
  const seen = new Set<string>();
  return [...settings.remoteWrite, ...cli].filter((t) => !seen.has(t.url) && seen.add(t.url) !== undefined);
}

export function pushSettingsFromOptions(opts: RemoteWriteCliOptions, settings: RemoteWriteSettings): PushSettings {
  return {
    targets: remoteWriteFromOptions(opts, settings),
    pushIntervalSeconds: opts.pushInterval !== undefined ? seconds(opts.pushInterval, '--push-interval') : settings.pushIntervalSeconds,
    stateDir: opts.stateDir ?? settings.stateDir,
  };
}

function sharedTargetOptions(opts: RemoteWriteCliOptions): Omit<RemoteWriteTarget, 'url'> {
  const t: Omit<RemoteWriteTarget, 'url'> = {};
  if (opts.remoteWriteUser !== undefined) t.username = opts.remoteWriteUser;
  if (opts.remoteWritePasswordFile !== undefined) {
    if (opts.remoteWriteUser === undefined) usage('--remote-write-password-file needs --remote-write-user');
    t.passwordFile = opts.remoteWritePasswordFile;
  }
  if (opts.remoteWriteBearerTokenFile !== undefined) t.bearerTokenFile = opts.remoteWriteBearerTokenFile;
  if (opts.remoteWriteBearerTokenEnv !== undefined) t.bearerTokenEnv = opts.remoteWriteBearerTokenEnv;
  if (t.username !== undefined && (t.bearerTokenFile !== undefined || t.bearerTokenEnv !== undefined)) {
    usage('choose basic auth (--remote-write-user) or a bearer token, not both');
  }
  if (opts.remoteWriteCaFile !== undefined) t.caFile = opts.remoteWriteCaFile;
  if (opts.remoteWriteInsecure === true) t.insecureSkipVerify = true;
  if (opts.remoteWriteProxy !== undefined) t.proxyUrl = checkUrl(opts.remoteWriteProxy, '--remote-write-proxy');
  if (opts.remoteWriteTimeout !== undefined) t.timeoutMs = seconds(opts.remoteWriteTimeout, '--remote-write-timeout') * 1000;
  return t;
}

function checkUrl(text: string, option = '--remote-write'): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return usage(`${option} "${text.replace(/\/\/[^@/]*@/, '//…@')}" is not a URL (example: http://prometheus:9090/api/v1/write)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') usage(`${option} must be an http:// or https:// URL`);
  return text;
}

/** seconds; durations as Prometheus writes them ("2s", "1m30s") or a plain number of seconds */
function seconds(text: string, option: string): number {
  return durationOption(text, option) / 1000;
}

function usage(message: string): never {
  throw new VoipreadyError('E_USAGE', message);
}

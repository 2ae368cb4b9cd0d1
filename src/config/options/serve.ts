/**
 * The options every serving command shares (`serve`, `replay`, and `--serve` on analyze):
 * --listen, --bearer-token-file, --basic-auth-file, --local-net, turned into the server's settings.
 * The server (outputs/server) receives a ServeConfig and never sees the options or the files.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { VoipreadyError } from '../../errors.js';
import { DEFAULT_HOST, DEFAULT_PORT, parseListen } from './listen.js';
import type { ListenAddress } from './listen.js';

export interface ServeOptionValues {
  listen?: string;
  bearerTokenFile?: string;
  basicAuthFile?: string;
  localNet?: string[];
}

/** optional protection of the HTTP endpoints (checked by outputs/server/auth.ts) */
export interface AuthConfig {
  bearerToken?: string;
  basic?: { username: string; password: string };
}

export interface ServeConfig {
  listen: ListenAddress;
  auth: AuthConfig | undefined;
  localNetworks: string[] | undefined;
}

/** --listen, --bearer-token-file, --basic-auth-file, --local-net (without --serve itself) */
export function addServeOptions(cmd: Command): Command {
  return cmd
    .option('--listen <host:port>', `address for the HTTP server (default ${DEFAULT_HOST}:${DEFAULT_PORT}; loopback only unless told)`)
    .option('--bearer-token-file <path>', 'require "Authorization: Bearer <token>" (token read from this file; or set VOIPREADY_BEARER_TOKEN)')
    .option('--basic-auth-file <path>', 'require HTTP basic auth; the file holds "user:password"')
    .option('--local-net <cidr>', 'a local network for the direction label (repeatable)', collect, []);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** turns the option values into server settings; throws E_USAGE / E_CONFIG with the option's name */
export function serveConfigFrom(opts: ServeOptionValues, env: NodeJS.ProcessEnv = process.env): ServeConfig {
  const listen = parseListen(opts.listen ?? `${DEFAULT_HOST}:${DEFAULT_PORT}`);
  const auth: AuthConfig = {};
  const token = opts.bearerTokenFile !== undefined ? readSecret(opts.bearerTokenFile, '--bearer-token-file') : env.VOIPREADY_BEARER_TOKEN;
  if (token !== undefined && token !== '') auth.bearerToken = token;
  if (opts.basicAuthFile !== undefined) {
    const text = readSecret(opts.basicAuthFile, '--basic-auth-file');
    const colon = text.indexOf(':');
    if (colon <= 0) throw new VoipreadyError('E_CONFIG', '--basic-auth-file must hold "user:password"', { file: opts.basicAuthFile });
    auth.basic = { username: text.slice(0, colon), password: text.slice(colon + 1) };
  }
  const local = opts.localNet ?? [];
  return { listen, auth: Object.keys(auth).length > 0 ? auth : undefined, localNetworks: local.length > 0 ? local : undefined };
}

function readSecret(path: string, option: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    throw new VoipreadyError('E_CONFIG', `${option}: cannot read: ${(err as Error).message}`, { file: path });
  }
}

/**
 * The HEP collector's options (`monitor --hep-listen`): where to listen (UDP and TCP), the capture
 * password, where to pass packets on, and the bound on the `agent` label.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { VoipreadyError } from '../../errors.js';
import { parseListen, type ListenAddress } from './listen.js';

export interface HepOptionValues {
  hepListen?: string;
  hepPassword?: string;
  hepPasswordFile?: string;
  hepForward?: string;
  hepMaxAgents?: string;
}

export interface HepConfig {
  listen: ListenAddress;
  password: string | null;
  forward: ListenAddress | null;
  maxAgents: number;
}

export function addHepOptions(cmd: Command): Command {
  return cmd
    .option('--hep-listen <host:port>', 'collect HEPv3/v2 on this address, UDP and TCP (e.g. 0.0.0.0:9060)')
    .option('--hep-password <text>', 'accept only HEP packets whose auth key (chunk 14) is this')
    .option('--hep-password-file <file>', 'the same, read from a file (keeps it out of the process list)')
    .option('--hep-forward <host:port>', 'pass every accepted HEP packet on unchanged (UDP), e.g. to a HOMER/heplify-server')
    .option('--hep-max-agents <n>', 'capture-agent ids that get their own `agent` label value; later ones are "other"', '32');
}

/** null when --hep-listen is absent */
export function hepConfigFrom(opts: HepOptionValues): HepConfig | null {
  if (opts.hepListen === undefined) {
    if (opts.hepForward !== undefined || opts.hepPassword !== undefined) throw new VoipreadyError('E_USAGE', '--hep-forward and --hep-password need --hep-listen');
    return null;
  }
  const maxAgents = Number(opts.hepMaxAgents ?? '32');
  if (!Number.isInteger(maxAgents) || maxAgents < 0) throw new VoipreadyError('E_USAGE', `--hep-max-agents "${opts.hepMaxAgents}" must be a whole number >= 0`);
  let password = opts.hepPassword ?? null;
  if (opts.hepPasswordFile !== undefined) {
    try {
      password = readFileSync(opts.hepPasswordFile, 'utf8').trim();
    } catch (err) {
      throw new VoipreadyError('E_CONFIG', `--hep-password-file: cannot read: ${(err as Error).message}`, { file: opts.hepPasswordFile });
    }
  }
  return {
    listen: parseListen(opts.hepListen, '--hep-listen'),
    password,
    forward: opts.hepForward === undefined ? null : parseListen(opts.hepForward, '--hep-forward'),
    maxAgents,
  };
}

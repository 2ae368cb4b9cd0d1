/** --profile, --config, --link-speed: shared by every command that analyses traffic */
import { Option, type Command } from 'commander';
import { loadSettings } from '../load-settings.js';
import { profileNames } from '../../verdict/profiles/index.js';
import type { Settings } from '../settings.js';

export interface SettingsCliOptions {
  profile?: string;
  config?: string;
  linkSpeed?: string;
}

export function addSettingsOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('-p, --profile <name>', 'thresholds and port plan').choices(profileNames()))
    .option('-c, --config <file>', 'YAML or JSON config overriding thresholds, ranges, labels, push targets')
    .option('--link-speed <speed>', 'link speed for utilisation against the 40 % limit, e.g. 100M, 1G');
}

/** the command's Settings: its option values over the config file over the profile */
export function settingsFromOptions(opts: SettingsCliOptions): Settings {
  return loadSettings({
    ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
    ...(opts.config !== undefined ? { config: opts.config } : {}),
    ...(opts.linkSpeed !== undefined ? { linkSpeed: opts.linkSpeed } : {}),
  });
}

/**
 * Builds Settings from a profile, an optional config file (YAML or JSON) and command-line values.
 * Precedence: command line > config file > profile > VoIP-Ready defaults. The command line's
 * values are laid over the file's keys of the same name (--profile over `profile`, --link-speed
 * over `linkSpeed`); the sections then read the result, and the analysis section lays the file's
 * thresholds over the profile's.
 */
import { readConfigFile } from './file.js';
import { composeSettings, type Settings } from './settings.js';
import type { ConfigObject } from './values.js';

export interface SettingsOptions {
  profile?: string;
  config?: string;
  linkSpeed?: string;
}

export function loadSettings(opts: SettingsOptions = {}): Settings {
  const file = opts.config !== undefined ? readConfigFile(opts.config) : {};
  return composeSettings(layerCommandLine(file, opts), opts.config);
}

/** the file's values with the command line's given ones on top (the file's own object is not changed) */
export function layerCommandLine(file: ConfigObject, opts: SettingsOptions): ConfigObject {
  return {
    ...file,
    ...(opts.profile !== undefined ? { profile: opts.profile } : {}),
    ...(opts.linkSpeed !== undefined ? { linkSpeed: opts.linkSpeed } : {}),
  };
}

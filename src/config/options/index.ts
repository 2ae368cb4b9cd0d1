/**
 * The command-line options commands share, by group. A command file adds the groups it needs, in
 * the order its --help should list them:
 *
 *   addSharedOptions(cmd, 'serve', 'settings', 'remoteWrite');
 *
 * and reads them with the group's parser (settingsFromOptions, serveConfigFrom,
 * pushSettingsFromOptions). A new shared group (proxy, monitor, probe) is one file here and one
 * entry in OPTION_GROUPS.
 */
import type { Command } from 'commander';
import { addCaptureOptions } from './capture.js';
import { addHepOptions } from './hep.js';
import { addRemoteWriteOptions } from './remote-write.js';
import { addServeOptions } from './serve.js';
import { addSettingsOptions } from './settings.js';
import { addTwoPointOptions } from './two-point.js';

export const OPTION_GROUPS = {
  /** --profile, --config, --link-speed */
  settings: addSettingsOptions,
  /** --listen, --bearer-token-file, --basic-auth-file, --local-net */
  serve: addServeOptions,
  /** --remote-write, --push-interval, --state-dir, --remote-write-* */
  remoteWrite: addRemoteWriteOptions,
  /** --peer, --clock-offset */
  twoPoint: addTwoPointOptions,
  /** --hep-listen, --hep-password(-file), --hep-forward, --hep-max-agents */
  hep: addHepOptions,
  /** --interface, --filter, --snaplen, --no-promiscuous, --buffer-size */
  capture: addCaptureOptions,
} satisfies Record<string, (cmd: Command) => Command>;

export type OptionGroup = keyof typeof OPTION_GROUPS;

export function addSharedOptions(cmd: Command, ...groups: OptionGroup[]): Command {
  for (const group of groups) OPTION_GROUPS[group](cmd);
  return cmd;
}

export { settingsFromOptions, type SettingsCliOptions } from './settings.js';
export { serveConfigFrom, type AuthConfig, type ServeConfig, type ServeOptionValues } from './serve.js';
export { pushSettingsFromOptions, remoteWriteFromOptions, type PushSettings, type RemoteWriteCliOptions } from './remote-write.js';
export { twoPointFromOptions, type TwoPointCliOptions, type TwoPointConfig } from './two-point.js';
export { formatAddress, parseListen, type ListenAddress } from './listen.js';
export { hepConfigFrom, type HepConfig, type HepOptionValues } from './hep.js';
export { captureConfigFrom, type CaptureConfig, type CaptureOptionValues } from './capture.js';

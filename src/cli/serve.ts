/**
 * `voipready serve [capture]`, and the re-export of the shared `--serve` options for the commands
 * that produce data (analyze wires `addServeOptions` + `serveConfigFrom` + `startServer`).
 *
 * serve with a capture analyses it at full speed with its own timestamps, then keeps answering
 * /metrics and /api until SIGINT/SIGTERM; without one it serves the thresholds and process metrics
 * (the live sources of later issues push into the same registry).
 */
import type { Command } from 'commander';
import { VoipreadyError } from '../errors.js';
import { addServeOptions } from '../outputs/server/options.js';
import { addRemoteWriteOptions } from '../outputs/remote-write/index.js';
import { addSettingsOptions } from './common-options.js';
import { setExitCode } from './exit.js';
import { runReplay } from './replay.js';
import type { ReplayOptions } from './replay.js';

export { addServeOptions, serveConfigFrom, waitForShutdown } from '../outputs/server/options.js';
export type { ServeConfig, ServeOptionValues } from '../outputs/server/options.js';
export { startServer } from '../outputs/server/server.js';

export function register(program: Command): void {
  const cmd = program
    .command('serve')
    .description('serve /metrics, /healthz and /api for a capture analysed at full speed (or for live sources)')
    .argument('[capture]', 'pcap or pcapng file to analyse first ("-" for stdin is not supported here)')
    .option('--exit-after-end', 'stop once the capture is analysed (for tests)')
    .option('--linger <seconds>', 'keep serving this long after the end, then stop');
  addServeOptions(cmd);
  addSettingsOptions(cmd);
  addRemoteWriteOptions(cmd);
  cmd.action(async (capture: string | undefined, opts: ReplayOptions) => {
    await runReplay(capture ?? null, { ...opts, speed: 'max', keepTimestamps: true, loop: false }).then(setExitCode, (err: unknown) => {
      if (!(err instanceof VoipreadyError)) throw err;
      process.stderr.write(`voipready: ${err.message}\n`);
      setExitCode(err.exitCode);
    });
  });
}

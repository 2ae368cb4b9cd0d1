/**
 * `voipready serve [capture]`: the replay run (replay.ts) without pacing. With a capture it
 * analyses it at full speed with its own timestamps, then keeps answering
 * /metrics and /api until SIGINT/SIGTERM; without one it serves the thresholds and process metrics
 * (the live sources of later issues push into the same registry).
 */
import type { Command } from 'commander';
import { addSharedOptions } from '../config/options/index.js';
import { VoipreadyError } from '../errors.js';
import { exitCodeOf } from './command.js';
import { runReplay } from './replay.js';
import type { ReplayOptions } from './replay.js';

export function register(program: Command): void {
  const cmd = program
    .command('serve')
    .description('serve /metrics, /healthz and /api for a capture analysed at full speed (or for live sources)')
    .argument('[capture]', 'pcap or pcapng file to analyse first ("-" for stdin is not supported here)')
    .option('--exit-after-end', 'stop once the capture is analysed (for tests)')
    .option('--linger <duration>', 'keep serving this long after the end, then stop (seconds, or 30s, 5m, 1h)');
  addSharedOptions(cmd, 'serve', 'settings', 'remoteWrite').action(exitCodeOf((capture: string | undefined, opts: ReplayOptions) => {
    // a live stream on stdin is monitor's job (wall clock, stale streams); serve analyses a file
    if (capture === '-') throw new VoipreadyError('E_USAGE', 'serve reads a capture file, not standard input: for a live pcap stream use `voipready monitor -`');
    return runReplay(capture ?? null, { ...opts, speed: 'max', keepTimestamps: true, loop: false });
  }));
}

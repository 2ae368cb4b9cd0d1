/** --peer, --clock-offset: two-point matching against a second capture of the same calls */
import type { Command } from 'commander';
import { VoipreadyError } from '../../errors.js';
import { parseDurationMs } from '../duration.js';

export interface TwoPointCliOptions {
  peer?: string;
  clockOffset?: string;
}

export interface TwoPointConfig {
  peer: string;
  /** B's clock minus A's, ms; null when not given */
  clockOffsetMs: number | null;
}

export function addTwoPointOptions(cmd: Command): Command {
  return cmd
    .option('--peer <file>', 'a second capture of the same calls at another point: per-packet one-way delay, loss and DSCP re-marking between the two')
    .option('--clock-offset <ms>', 'with --peer: the peer capture\'s clock minus this one\'s, in ms or a duration such as -1.5s (subtracted); without it the clocks are checked, not trusted');
}

/** null without --peer; E_USAGE for a bad value or --clock-offset alone */
export function twoPointFromOptions(opts: TwoPointCliOptions, capture: string): TwoPointConfig | null {
  if (opts.peer === undefined) {
    if (opts.clockOffset !== undefined) throw new VoipreadyError('E_USAGE', '--clock-offset needs --peer');
    return null;
  }
  if (capture === '-') throw new VoipreadyError('E_USAGE', '--peer needs the first capture as a file, not standard input');
  let clockOffsetMs: number | null = null;
  if (opts.clockOffset !== undefined) {
    // an offset may be negative: the sign, then a duration in ms ("-250", "1.5s", "-2m")
    const t = opts.clockOffset.trim();
    const sign = t.startsWith('-') ? -1 : 1;
    const ms = parseDurationMs(t.replace(/^[+-]/, ''), 'ms');
    if (ms === null) throw new VoipreadyError('E_USAGE', `--clock-offset "${opts.clockOffset}" must be milliseconds (B minus A), or a duration such as -1.5s`);
    clockOffsetMs = sign * ms;
  }
  return { peer: opts.peer, clockOffsetMs };
}

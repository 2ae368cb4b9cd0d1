/** --peer, --clock-offset: two-point matching against a second capture of the same calls */
import type { Command } from 'commander';
import { VoipreadyError } from '../../errors.js';

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
    .option('--clock-offset <ms>', 'with --peer: the peer capture\'s clock minus this one\'s, in ms (subtracted); without it the clocks are checked, not trusted');
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
    const v = Number(opts.clockOffset);
    if (opts.clockOffset.trim() === '' || !Number.isFinite(v)) throw new VoipreadyError('E_USAGE', `--clock-offset "${opts.clockOffset}" must be a number of milliseconds (B minus A)`);
    clockOffsetMs = v;
  }
  return { peer: opts.peer, clockOffsetMs };
}

/**
 * `--record PATH [--record-rotate 100MB|1h] [--record-keep N]` (proxy, monitor): what voipready saw,
 * written as pcapng (src/outputs/record/). PATH is a file, or a directory (or any path with
 * --record-rotate) for a series of files named by their UTC start time. Sizes: B, kB, MB, GB
 * (powers of 1000) or KiB, MiB, GiB (1024); ages: Prometheus durations (500ms, 90s, 30m, 1h, 1d, 1w,
 * 1h30m). Both may be given (whichever comes first starts the next file).
 */
import { Option, type Command } from 'commander';
import { VoipreadyError } from '../../errors.js';

export interface RecordOptionValues {
  record?: string;
  recordRotate?: string[];
  recordKeep?: string;
}

export interface RecordConfig {
  path: string;
  maxBytes: number | null;
  maxAgeMs: number | null;
  keep: number | null;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

export function addRecordOptions(cmd: Command): Command {
  return cmd
    .option('--record <file|dir>', 'write what was seen as pcapng (to analyze again); a directory gets files named by their UTC start time')
    .addOption(new Option('--record-rotate <size|age>', 'with --record: start a new file at this size (100MB) or age (1h); repeatable').argParser(collect))
    .option('--record-keep <n>', 'with --record-rotate or a directory: keep the newest N files, delete older ones');
}

/** null when --record is not given */
export function recordConfigFrom(opts: RecordOptionValues): RecordConfig | null {
  if (opts.record === undefined || opts.record === '') {
    if (opts.recordRotate !== undefined || opts.recordKeep !== undefined) throw new VoipreadyError('E_USAGE', '--record-rotate and --record-keep need --record FILE|DIR');
    return null;
  }
  const c: RecordConfig = { path: opts.record, maxBytes: null, maxAgeMs: null, keep: null };
  for (const r of opts.recordRotate ?? []) {
    const size = parseSize(r);
    const age = size === null ? parseDuration(r) : null;
    if (size !== null) c.maxBytes = size;
    else if (age !== null) c.maxAgeMs = age;
    else throw new VoipreadyError('E_USAGE', `--record-rotate "${r}" must be a size (100MB, 512MiB) or a duration (30m, 1h, 1d)`);
  }
  if (c.maxBytes !== null && c.maxBytes < 4096) throw new VoipreadyError('E_USAGE', `--record-rotate size ${c.maxBytes} B is below the 4 kB minimum`);
  if (opts.recordKeep !== undefined) {
    const n = Number(opts.recordKeep);
    if (!Number.isInteger(n) || n < 1 || n > 1_000_000) throw new VoipreadyError('E_USAGE', `--record-keep "${opts.recordKeep}" must be a whole number from 1`);
    c.keep = n;
  }
  return c;
}

const SIZE_UNITS: Record<string, number> = {
  b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4,
};

/** "100MB", "64MiB", "500kB", "4096B": bytes; null when not a size */
export function parseSize(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?i?[bB])$/.exec(text.trim());
  if (m === null) return null;
  const unit = SIZE_UNITS[m[2]!.toLowerCase()];
  if (unit === undefined) return null;
  const n = Number(m[1]) * unit;
  return Number.isFinite(n) && n >= 1 ? Math.round(n) : null;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** Prometheus durations: "1h", "30m", "1h30m", "90s", "500ms", "1d", "1w"; milliseconds, null when not one */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(t)) return null;
  let total = 0;
  for (const part of t.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(part[1]) * DURATION_UNITS[part[2]!]!;
  return total > 0 ? total : null;
}

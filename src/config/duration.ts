/**
 * Durations, the way Prometheus users write them: `500ms`, `15s`, `1m`, `1h30m`, `2d`, `1w`, `1y`
 * (Prometheus's own grammar: whole numbers per unit, units from the largest down), also one decimal
 * unit (`1.5s`, `0.5h`), and a plain number in the option's own unit (seconds, unless the option or
 * key says ms: `--timeout <ms>`, `timeoutMs`). One parser for every option and config value that is
 * a time, so `--push-interval 2s`, `--linger 1m` and `retention: { streamIdleSeconds: 2m }` all work.
 */
import { VoipreadyError } from '../errors.js';

/** what a plain number means */
export type PlainUnit = 's' | 'ms';

const UNIT_MS = { y: 365 * 86_400_000, w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
/** Prometheus's order (model.ParseDuration): y w d h m s ms, each at most once */
const COMPOUND = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const COMPOUND_UNITS: Unit[] = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
const SINGLE = /^(\d+(?:\.\d+)?|\.\d+)(y|w|d|h|ms|m|s)?$/;

export const DURATION_EXAMPLES = '500ms, 15s, 1m, 1h30m, 2d';

/** milliseconds; null when `text` is not a duration (negative values are not durations) */
export function parseDurationMs(text: string, plain: PlainUnit = 's'): number | null {
  const t = text.trim();
  if (t === '') return null;
  const single = SINGLE.exec(t);
  if (single !== null) return Number(single[1]) * UNIT_MS[(single[2] ?? plain) as Unit];
  const m = COMPOUND.exec(t);
  if (m === null) return null;
  let ms = 0;
  COMPOUND_UNITS.forEach((u, i) => {
    const n = m[i + 1];
    if (n !== undefined) ms += Number(n) * UNIT_MS[u];
  });
  return ms;
}

export interface DurationBounds {
  /** what a plain number means (default seconds) */
  plain?: PlainUnit;
  /** allow 0 (default: a duration must be above zero) */
  zero?: boolean;
  /** the largest accepted, in ms */
  maxMs?: number;
}

/** a command-line option's duration in ms; E_USAGE naming the option otherwise */
export function durationOption(text: string, option: string, bounds: DurationBounds = {}): number {
  const ms = parseDurationMs(text, bounds.plain ?? 's');
  const why = checkDuration(ms, bounds);
  if (why !== null) throw new VoipreadyError('E_USAGE', `${option} "${text}" ${why}`);
  return ms as number;
}

/** the same over a config value (number in the plain unit, or a duration string); null when absent */
export function durationValue(value: unknown, plain: PlainUnit, bounds: DurationBounds = {}): { ms: number } | { error: string } {
  const ms = typeof value === 'number' ? (Number.isFinite(value) && value >= 0 ? value * UNIT_MS[plain] : null)
    : typeof value === 'string' ? parseDurationMs(value, plain) : null;
  const why = checkDuration(ms, { ...bounds, plain });
  return why === null ? { ms: ms as number } : { error: why };
}

function checkDuration(ms: number | null, bounds: DurationBounds): string | null {
  const unit = (bounds.plain ?? 's') === 's' ? 'seconds' : 'milliseconds';
  if (ms === null || !Number.isFinite(ms)) return `is not a duration (a number of ${unit}, or e.g. ${DURATION_EXAMPLES})`;
  if (ms === 0 && bounds.zero !== true) return 'must be above zero';
  if (bounds.maxMs !== undefined && ms > bounds.maxMs) return `is above the limit of ${formatDuration(bounds.maxMs)}`;
  return null;
}

/** 5400000 -> "1h30m", 1500 -> "1s500ms", 0 -> "0s": the form parseDurationMs reads back */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.round(ms);
  let out = '';
  for (const u of ['d', 'h', 'm', 's', 'ms'] as const) {
    const n = Math.floor(rest / UNIT_MS[u]);
    if (n > 0) out += `${n}${u}`;
    rest -= n * UNIT_MS[u];
  }
  return out;
}
